"""Language understanding: entity linking, sentiment per mention, intents, critique rewriting.

`build_nlu(catalog)` is the entry point; `NLUPipeline.parse(text, state) -> ParsedTurn`.
Nothing is loaded at import time.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from crs.nlu.pipeline import NLUModels, NLUPipeline
from crs.types import Catalog

if TYPE_CHECKING:
    from crs.protocols import LLM

log = logging.getLogger(__name__)


def build_nlu(catalog: Catalog, cache: str | Path | None = None, llm: LLM | None = None, data_dir: str | Path | None = None,
              learned: bool = True) -> NLUPipeline:
    """An NLU pipeline for `catalog`.

    With a data dir (argument, $CRS_DATA_DIR or ../shared/data) and `learned`, the mention
    sentiment model (ReDial) and intent classifier (IARD) are loaded from the cache or trained on
    first use; without one, VADER and keyword rules are used (logged). `llm` (an `LLM` backend)
    rewrites critiques; its output is validated and falls back to the rules.
    """
    from crs.config import data_dir as resolve_data_dir
    from crs.nlu.entities import EntityLinker

    models = NLUModels()
    root = resolve_data_dir(data_dir) if learned else None
    if root is not None and Path(root).is_dir():
        from crs.nlu.train import load_or_train_intent, load_or_train_sentiment

        models.sentiment = load_or_train_sentiment(root, cache)
        models.intent = load_or_train_intent(root, cache)
    if models.sentiment is None:
        log.info("NLU: no ReDial training data; mention sentiment falls back to VADER")
    if models.intent is None:
        log.info("NLU: no IARD data; intents fall back to keyword rules")
    if llm is not None:
        from crs.nlu.llm_critique import LLMCritique

        models.llm_critique = LLMCritique(llm, catalog)
    return NLUPipeline(EntityLinker(catalog), models)


__all__ = ["NLUModels", "NLUPipeline", "build_nlu"]
