"""Response generation: sociable-strategy templates, grounded explanations, optional LLM paraphrase."""

from __future__ import annotations

from crs.nlg.generator import RenderContext, TemplateGenerator, describe_constraint
from crs.nlg.paraphrase import Paraphraser, TitleIndex, grounded
from crs.nlg.reply import Card, Clarification, Reply

__all__ = ["Card", "Clarification", "Paraphraser", "RenderContext", "Reply", "TemplateGenerator", "TitleIndex",
           "describe_constraint", "grounded"]
