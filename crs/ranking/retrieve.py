"""Retrieve, then rank: the rows a turn scores, at every catalog size.

`retrieve_and_score(ranker, retriever, state, allow)` is the one path the chat turn
(`crs/dialogue/candidates.py`) and the ReDial evaluation (`crs.ranking.evaluate`) share: the
`DialogueRetriever` returns a few hundred allowed rows (BM25 + dense search on the dialogue
query under the allow-mask, dense neighbours of the liked items, the most popular allowed rows),
plus, when the ranker has a collaborative model, the collaborative top rows among the allowed
ones; the ranker scores only these rows. No catalog size decides whether retrieval runs.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

from crs.ranking.fusion import FusionRanker, state_items
from crs.retrieval.dialogue import DialogueRetriever
from crs.types import Catalog, DialogueState

if TYPE_CHECKING:
    from crs.protocols import Ranker
    from crs.retrieval.engine import SearchEngine

N_COLLAB = 200
"""Collaborative top rows (among the allowed) added to the candidates when the ranker has EASE."""
COLLAB_MAX_ITEMS = 200_000
"""Above this catalog size the collaborative scores are not scanned for candidates (linear work)."""

_PLAIN: weakref.WeakKeyDictionary[SearchEngine, DialogueRetriever] = weakref.WeakKeyDictionary()


def retriever_for(ranker: Ranker, catalog: Catalog, engine: SearchEngine) -> DialogueRetriever:
    """The ranker's retriever (a `FusionRanker` built with the engine carries the trained query
    projection), else a plain one over the engine (MiniLM query, no projection; one per engine)."""
    if isinstance(ranker, FusionRanker) and ranker.retriever is not None and ranker.retriever.engine is engine:
        return ranker.retriever
    hit = _PLAIN.get(engine)
    if hit is None:
        hit = _PLAIN[engine] = DialogueRetriever(catalog, engine)
    return hit


def candidate_rows(ranker: Ranker, retriever: DialogueRetriever, state: DialogueState,
                   allow: np.ndarray) -> np.ndarray:
    """Sorted unique allowed rows the ranker will score this turn."""
    catalog = retriever.catalog
    si = state_items(catalog, state) if isinstance(ranker, FusionRanker) else None
    liked = si.liked if si is not None else ()
    rows = retriever.candidates(state, allow, liked)
    if (isinstance(ranker, FusionRanker) and si is not None and (si.liked or si.disliked)
            and not ranker.collab.absent and len(catalog) <= COLLAB_MAX_ITEMS):
        s = np.asarray(ranker.collab.score_from_items(si.liked, si.disliked), dtype=np.float32)
        s = np.where(allow, s, -np.inf)
        n = min(N_COLLAB, int(np.count_nonzero(allow)))
        if n > 0:
            top = np.argpartition(-s, n - 1)[:n]
            rows = np.union1d(rows, top[np.isfinite(s[top])])
    return rows


def retrieve_and_score(ranker: Ranker, retriever: DialogueRetriever, state: DialogueState,
                       allow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(candidate rows, the ranker's scores of them): retrieve, then re-score only those rows."""
    rows = candidate_rows(ranker, retriever, state, allow)
    if len(rows) == 0:
        return rows, np.zeros(0, np.float32)
    return rows, np.array(ranker.score(state, rows), dtype=np.float32)
