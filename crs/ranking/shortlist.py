"""Shortlist for very large catalogs: the rows worth scoring, found through the retrieval indexes.

Scoring every allowed row is linear in the catalog (a 1M × 384 float32 matrix is 1.5 GB to read
per signal). Above `SHORTLIST_MIN` allowed rows the agent scores only the union of
- the `n_popular` (300) most popular allowed rows (the prior that carries cold turns),
- the `n_dense` (100) nearest allowed rows to the preference query (dense index: FAISS IVF above
  `crs.retrieval.dense.EXACT_MAX` items),
- the `n_dense` nearest allowed rows to the liked-items centroid,
and `FusionRanker.score` computes its signals over these rows only, z-normalised with catalog
statistics. Below `SHORTLIST_MIN` every allowed row is scored (the ReDial catalog, 6.9k items, is
ranked exactly as before).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

from crs.types import DialogueState

if TYPE_CHECKING:
    from crs.protocols import Ranker
    from crs.retrieval.engine import SearchEngine

SHORTLIST_MIN = 50_000
"""Allowed rows from which the agent scores a shortlist instead of every allowed row."""


def shortlist(ranker: Ranker, engine: SearchEngine, state: DialogueState, allow: np.ndarray, n_popular: int = 300,
              n_dense: int = 100) -> np.ndarray:
    """Sorted unique catalog rows: popular, query-near and liked-near rows among `allow` (the near rows
    come from a `FusionRanker`'s content scorer; other rankers get the popular rows only)."""
    from crs.ranking.fusion import FusionRanker, state_items

    parts = [popular_allowed(engine, allow, n_popular)]
    if isinstance(ranker, FusionRanker) and ranker.content is not None:
        content = ranker.content
        si = state_items(ranker.catalog, state)
        for q in (content.query_vector(state.preferences), content.item_vector(si.liked, si.disliked)):
            if q is not None:
                parts.append(_near(engine, q, n_dense, allow))
    return np.unique(np.concatenate(parts))


_ORDER: weakref.WeakKeyDictionary[SearchEngine, np.ndarray] = weakref.WeakKeyDictionary()


def popular_allowed(engine: SearchEngine, allow: np.ndarray, k: int) -> np.ndarray:
    """The k most popular allowed rows, scanning the catalog in popularity order (computed once per
    engine) in growing chunks: O(k / selectivity) instead of O(catalog) per call."""
    order = _ORDER.get(engine)
    if order is None:
        order = _ORDER[engine] = np.argsort(-np.asarray(engine.columns.popularity), kind="stable")
    out: list[np.ndarray] = []
    got, start, chunk = 0, 0, max(4 * k, 4096)
    while got < k and start < len(order):
        seg = order[start:start + chunk]
        sel = seg[allow[seg]]
        out.append(sel)
        got += len(sel)
        start += chunk
        chunk *= 4
    return np.concatenate(out)[:k].astype(np.int64) if out else np.zeros(0, np.int64)


def _near(engine: SearchEngine, q: np.ndarray, k: int, allow: np.ndarray) -> np.ndarray:
    """Up to k allowed rows nearest to q; an IVF search short of k is not completed by an exact scan."""
    return np.asarray(engine.dense.search(q, k, allow, complete=False).ids, dtype=np.int64)
