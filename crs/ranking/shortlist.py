"""Shortlist for very large catalogs: the rows worth scoring, found through the retrieval indexes.

Scoring every allowed row is linear in the catalog (a 1M × 384 float32 matrix is 1.5 GB to read
per signal). Above `SHORTLIST_MIN` allowed rows the agent scores only the union of
- the `n_popular` most popular allowed rows (the prior that carries cold turns),
- the `n_dense` nearest allowed rows to the preference query (dense index: FAISS IVF above
  `crs.retrieval.dense.EXACT_MAX` items),
- the `n_dense` nearest allowed rows to the liked-items centroid,
and `FusionRanker.score` computes its signals over these rows only, z-normalised with catalog
statistics. Below `SHORTLIST_MIN` every allowed row is scored (the ReDial catalog, 6.9k items, is
ranked exactly as before).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from crs.types import DialogueState

SHORTLIST_MIN = 50_000
"""Allowed rows from which the agent scores a shortlist instead of every allowed row."""


def shortlist(ranker: Any, engine: Any, state: DialogueState, allow: np.ndarray, n_popular: int = 1000,
              n_dense: int = 500) -> np.ndarray:
    """Sorted unique catalog rows: popular, query-near and liked-near rows among `allow`."""
    from crs.ranking.fusion import state_items

    parts = [np.asarray(engine.popular(n_popular, allow).ids, dtype=np.int64)]
    content = getattr(ranker, "content", None)
    if content is not None:
        si = state_items(ranker.catalog, state)
        for q in (content.query_vector(state.preferences), content.item_vector(si.liked, si.disliked)):
            if q is not None:
                parts.append(np.asarray(engine.search_vector(q, n_dense, allow).ids, dtype=np.int64))
    return np.unique(np.concatenate(parts))
