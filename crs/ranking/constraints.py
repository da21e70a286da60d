"""Hard constraints as boolean masks over catalog rows, and what to relax when nothing is left.

Hard constraints narrow the candidate set; rankers only reorder it. This module evaluates the typed
`Constraint`s of a dialogue state against item attributes (schema names, no domain literals) and,
when the intersection is empty, proposes the single constraint whose removal leaves the most items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crs.types import Catalog, Constraint, Item


@dataclass(frozen=True)
class Relaxation:
    """The suggestion shown when constraints leave no candidate."""

    constraint: Constraint | None
    remaining: int
    message: str


def _numeric(item: Item, attr: str) -> float | None:
    v = item.attributes.get(attr)
    if v is None and attr == "year":
        v = item.year
    try:
        return None if v is None or isinstance(v, tuple) else float(v)
    except (TypeError, ValueError):
        return None


def _holds(item: Item, c: Constraint) -> bool:
    if c.op in ("include", "exclude"):
        values = {v.lower() for v in item.values(c.attribute)}
        hit = str(c.value).lower() in values
        return hit if c.op == "include" else not hit
    x = _numeric(item, c.attribute)
    if x is None:
        return False
    y = float(c.value)
    return {"ge": x >= y, "le": x <= y, "gt": x > y, "lt": x < y, "eq": x == y}[c.op]


def constraint_mask(catalog: Catalog, constraint: Constraint) -> np.ndarray:
    return np.fromiter((_holds(it, constraint) for it in catalog.items), dtype=bool, count=len(catalog))


def allowed_mask(catalog: Catalog, constraints: Sequence[Constraint], allow: np.ndarray | None = None) -> np.ndarray:
    """Rows satisfying every constraint (and `allow`, a bool mask or an array of row ids)."""
    mask = as_mask(len(catalog), allow)
    for c in constraints:
        mask &= constraint_mask(catalog, c)
    return mask


def as_mask(n: int, allow: np.ndarray | Sequence[int] | None) -> np.ndarray:
    if allow is None:
        return np.ones(n, dtype=bool)
    a = np.asarray(allow)
    if a.dtype == bool:
        if a.shape != (n,):
            raise ValueError(f"allow mask has shape {a.shape}, expected ({n},)")
        return a.copy()
    mask = np.zeros(n, dtype=bool)
    rows = a.astype(np.int64).ravel()
    mask[rows[(rows >= 0) & (rows < n)]] = True
    return mask


def suggest_relaxation(catalog: Catalog, constraints: Sequence[Constraint], allow: np.ndarray | None = None) -> Relaxation:
    """Which single constraint to drop so that the most candidates remain."""
    if not constraints:
        return Relaxation(None, 0, "No item matches the current filters, and there is no constraint to relax.")
    base = as_mask(len(catalog), allow)
    masks = [constraint_mask(catalog, c) for c in constraints]
    best, best_n = None, -1
    for i, c in enumerate(constraints):
        m = base.copy()
        for j, other in enumerate(masks):
            if j != i:
                m &= other
        n = int(m.sum())
        if n > best_n:
            best, best_n = c, n
    assert best is not None
    what = f"{best.attribute} {best.op} {best.value}"
    if best_n == 0:
        return Relaxation(best, 0, f"No item matches these constraints; even without '{what}' none would. "
                                   "Try removing several constraints.")
    return Relaxation(best, best_n, f"No item matches all constraints. Dropping '{what}' would leave {best_n} items.")
