"""Optional LLM paraphrase of a grounded template reply, kept only if it passes a grounding check.

The LLM (any `crs.protocols.LLM`: packaged SmolLM2 or an OpenAI-compatible endpoint) rewrites the
template text. The rewrite is accepted only when (1) every recommended title is still there,
verbatim, and (2) every title-like span it contains (**bold**, “quoted”, "quoted", or
`Name (1999)`) is a catalog item; otherwise the template text is used. Failures of the backend
(exceptions, empty output) also fall back to the template.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from crs.nlg.reply import Reply
from crs.protocols import LLM
from crs.types import Catalog

log = logging.getLogger(__name__)

PROMPT = ("Rewrite this movie recommendation reply so it sounds warm and natural. Keep every title "
          "exactly as written, in **bold**, and do not mention any other movie.\n\nReply: {text}\n\nRewrite:")
_SPANS = (re.compile(r"\*\*(.+?)\*\*"), re.compile(r"\"([^\"]{2,80})\""),
          re.compile(r"([A-Z][\w'’:&,.!-]*(?: [\w'’:&,.!-]+){0,8}) \((?:19|20)\d\d\)"))
_YEAR = re.compile(r"\s*\((\d{4})\)$")


class TitleIndex:
    """Lower-cased catalog titles and `Title (Year)` displays, for grounding checks."""

    def __init__(self, catalog: Catalog) -> None:
        self.titles = {it.title.lower() for it in catalog.items}
        self.displays = {it.display.lower() for it in catalog.items}

    def known(self, span: str) -> bool:
        s = span.strip().lower()
        return s in self.displays or s in self.titles or _YEAR.sub("", s) in self.titles


def grounded(text: str, reply: Reply, index: TitleIndex) -> bool:
    """True when the text keeps every card's title and names no title outside the catalog."""
    low = text.lower()
    if any(card.title.lower() not in low for card in reply.cards):
        return False
    for rx in _SPANS:
        for m in rx.finditer(text):
            if not index.known(m.group(1)):
                return False
    return True


class Paraphraser:
    """Wraps a generator's replies with an LLM rewrite that must pass `grounded`."""

    def __init__(self, llm: LLM, catalog: Catalog, max_tokens: int = 160) -> None:
        self.llm, self.index, self.max_tokens = llm, TitleIndex(catalog), max_tokens

    def __call__(self, reply: Reply) -> Reply:
        try:
            out = (self.llm.complete(PROMPT.format(text=reply.template_text), self.max_tokens) or "").strip()
        except Exception as e:  # noqa: BLE001 - a failing backend never breaks a turn
            log.warning("paraphrase failed (%s): using the template text", e)
            return reply
        if not out or len(out) > 4 * len(reply.template_text) + 200 or not grounded(out, reply, self.index):
            return reply
        return replace(reply, text=out, paraphrased=True)
