"""Deterministic top-k selection: score descending, then position ascending (stable ties)."""

from __future__ import annotations

import numpy as np


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k best scores, best first; ties broken by lower position."""
    n = len(scores)
    if n == 0 or k <= 0:
        return np.zeros(0, np.int64)
    if k < n:
        # the k-th best value; keep everything >= it so ties at the boundary are resolved stably
        kth = np.partition(scores, n - k)[n - k]
        part = np.flatnonzero(scores >= kth)
    else:
        part = np.arange(n)
    order = np.lexsort((part, -scores[part].astype(np.float64)))
    return part[order[:k]]
