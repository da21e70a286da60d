"""Popularity and diversity metrics, and calibrated re-ranking (Steck, RecSys 2018).

- `popularity_percentile`: mean percentile (0-100) of the recommended items' popularity in the catalog.
- `coverage`: share of catalog items that appear in at least one list.
- `gini`: Gini index of how often each catalog item is recommended (0 = even, 1 = one item only).
- `calibrate`: greedy re-ranking that trades relevance for keeping the genre proportions of the
  user's liked items in the list: maximise (1-λ)·Σ relevance − λ·KL(p‖q̃) where p = genre distribution
  of the user's liked items, q̃ = (1-α)q + αp of the list so far (α = 0.01).
- `calibration_error`: KL(p‖q̃) of a finished list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from crs.types import Catalog

ALPHA = 0.01


def percentile_ranks(popularity: np.ndarray) -> np.ndarray:
    """Percentile (0-100) of each item's popularity; ties share the average rank."""
    from scipy.stats import rankdata

    if len(popularity) == 0:
        return np.zeros(0)
    return (rankdata(popularity, method="average") - 1) / max(1, len(popularity) - 1) * 100.0


def popularity_percentile(lists: Iterable[Sequence[int]], percentiles: np.ndarray) -> float:
    vals = [percentiles[r] for lst in lists for r in lst]
    return float(np.mean(vals)) if vals else 0.0


def coverage(lists: Iterable[Sequence[int]], n_items: int) -> float:
    seen = {int(r) for lst in lists for r in lst}
    return len(seen) / n_items if n_items else 0.0


def gini(lists: Iterable[Sequence[int]], n_items: int) -> float:
    counts = np.zeros(n_items, dtype=np.float64)
    for lst in lists:
        for r in lst:
            counts[int(r)] += 1
    if counts.sum() == 0 or n_items < 2:
        return 0.0
    x = np.sort(counts)
    idx = np.arange(1, n_items + 1)
    return float((2 * idx - n_items - 1) @ x / (n_items * x.sum()))


def genre_distribution(catalog: Catalog, rows: Sequence[int], attribute: str = "genres") -> dict[str, float]:
    """Each item spreads weight 1 evenly over its values of `attribute`."""
    c: defaultdict[str, float] = defaultdict(float)
    for r in rows:
        vals = catalog.items[int(r)].values(attribute)
        for v in vals:
            c[v] += 1.0 / len(vals)
    total = sum(c.values())
    return {g: n / total for g, n in c.items()} if total else {}


def _kl(p: dict[str, float], q: dict[str, float]) -> float:
    return float(sum(pg * np.log(pg / ((1 - ALPHA) * q.get(g, 0.0) + ALPHA * pg)) for g, pg in p.items() if pg > 0))


def calibration_error(catalog: Catalog, liked_rows: Sequence[int], list_rows: Sequence[int], attribute: str = "genres") -> float:
    p = genre_distribution(catalog, liked_rows, attribute)
    if not p:
        return 0.0
    return _kl(p, genre_distribution(catalog, list_rows, attribute))


def calibrate(catalog: Catalog, rows: Sequence[int], scores: Sequence[float] | np.ndarray, liked_rows: Sequence[int], k: int,
              lam: float = 0.5, attribute: str = "genres") -> list[int]:
    """Greedy calibrated top-k from candidate `rows` with relevance `scores` (best first not required)."""
    p = genre_distribution(catalog, liked_rows, attribute)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    rows = [int(rows[i]) for i in order]
    rel = np.asarray(scores, dtype=np.float64)[order]
    if not p or k <= 0:
        return rows[:k]
    span = float(rel.max() - rel.min()) or 1.0
    rel = (rel - rel.min()) / span  # relevance on [0, 1] so λ has the same meaning for every ranker
    pool = min(len(rows), max(10 * k, 100))
    chosen: list[int] = []
    counts: defaultdict[str, float] = defaultdict(float)
    left = list(range(pool))
    while left and len(chosen) < k:
        best, best_val = left[0], -np.inf
        n = len(chosen) + 1
        for i in left:
            vals = catalog.items[rows[i]].values(attribute)
            trial = counts.copy()
            for v in vals:
                trial[v] += 1.0 / len(vals)
            q = {g: w / n for g, w in trial.items()}
            val = (1 - lam) * rel[i] - lam * _kl(p, q)
            if val > best_val:
                best, best_val = i, val
        for v in catalog.items[rows[best]].values(attribute):
            counts[v] += 1.0 / len(catalog.items[rows[best]].values(attribute))
        chosen.append(rows[best])
        left.remove(best)
    return chosen
