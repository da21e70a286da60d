"""Reciprocal-rank fusion (Cormack et al. 2009): score(d) = sum_i w_i / (K + rank_i(d)), rank from 1.

Chosen over score fusion because BM25 scores are unbounded and query-dependent while cosine
similarities live in [-1, 1]; ranks need no calibration and a missing list contributes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from crs.retrieval.topk import top_k
from crs.types import Results

RRF_K = 60


def rrf(results: Sequence[Results], k: int, weights: Sequence[float] | None = None,
        rrf_k: int = RRF_K) -> Results:
    """Fuse ranked lists of catalog rows into the top-k rows by RRF score."""
    weights = weights or [1.0] * len(results)
    ids = [np.asarray(r.ids, dtype=np.int64) for r in results]
    contrib = [w / (rrf_k + np.arange(1, len(i) + 1, dtype=np.float64)) for w, i in zip(weights, ids)]
    if not ids or sum(len(i) for i in ids) == 0:
        return Results(np.zeros(0, np.int64), np.zeros(0, np.float32))
    all_ids = np.concatenate(ids)
    uniq, inv = np.unique(all_ids, return_inverse=True)
    scores = np.bincount(inv, weights=np.concatenate(contrib))
    sel = top_k(scores, k)
    return Results(uniq[sel], scores[sel].astype(np.float32))
