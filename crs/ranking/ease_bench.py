"""The EASE size benchmark (`crs bench ease`): fit time, scoring time and peak memory."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from crs.ranking.ease import DEFAULT_LAMBDA, EASE, MAX_DENSE_ITEMS, Interactions


def benchmark_fit(X: Interactions, lam: float = DEFAULT_LAMBDA, row_weights: np.ndarray | None = None,
                  max_dense_items: int = MAX_DENSE_ITEMS) -> dict[str, Any]:
    """Fit EASE once and report sizes, fit time, mean scoring time and the process's peak RSS."""
    import resource

    m = EASE(lam, max_dense_items=max_dense_items).fit(X, row_weights)
    sets = [[int(r) for r in m.active[i:i + 5]] for i in range(0, 100, 5)]  # 20 different item sets: no memo hit
    t0 = time.perf_counter()
    for liked in sets:
        m.score_from_items(liked)
    return {"users": int(X.shape[0]), "items": int(X.shape[1]), "active_items": len(m.active), "variant": m.variant,
            "fit_s": round(m.fit_seconds, 2), "score_ms": round((time.perf_counter() - t0) / 20 * 1000, 2),
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)}


def synthetic_interactions(n_items: int, users: int = 20_000, per_user: int = 30, seed: int = 0) -> sp.csr_matrix:
    """Zipf-distributed random interactions (for the size benchmark only)."""
    rng = np.random.default_rng(seed)
    cols = rng.zipf(1.3, size=users * per_user) % n_items
    rows = np.repeat(np.arange(users), per_user)
    return sp.csr_matrix((np.ones(len(cols), np.float32), (rows, cols)), shape=(users, n_items))
