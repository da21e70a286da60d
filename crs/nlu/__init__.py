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

    With `learned`, the mention sentiment model (ReDial) and the intent classifier (IARD) shipped
    under data/models/ are loaded (`crs train nlu` rebuilds them; building never trains, and no
    data directory is needed); without them, or with `learned=False`, VADER and keyword rules are
    used. `llm` (an `LLM` backend) rewrites critiques; its output is validated and falls back to
    the rules. `cache` and `data_dir` are accepted for callers that pass them; the shipped models
    do not depend on them.
    """
    from crs.nlu.entities import EntityLinker

    models = NLUModels()
    if learned:
        from crs.nlu.train import load_shipped

        models.sentiment, models.intent = load_shipped()
        if models.sentiment is None or models.intent is None:
            log.warning("NLU: shipped models missing under data/models (run `crs train nlu`); using VADER and rules")
    if llm is not None:
        from crs.nlu.llm_critique import LLMCritique

        models.llm_critique = LLMCritique(llm, catalog)
    return NLUPipeline(EntityLinker(catalog), models)


__all__ = ["NLUModels", "NLUPipeline", "build_nlu"]
