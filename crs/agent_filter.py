"""How the agent turns accumulated constraints into a candidate set and soft ranking boosts.

- Excludes and numeric ranges are hard filters.
- Several includes of the same attribute ("comedy", later "action") are OR-ed: the user wants
  either, preferably both. Every include also counts as a soft boost in ranking, so items that
  satisfy more of them come first (`soft_boost`).
- When fewer than `min_size` candidates are left, constraints are relaxed oldest first (excludes
  last) until enough remain; the relaxed ones become soft boosts and the user is told which.
- Year constraints built from vague words without a number ("a classic", "something new",
  "happy new year") are not turned into filters at all (`drop_vague_years`); the words stay in the
  preference phrase the ranker reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from crs.types import Constraint, ParsedTurn

_NUMBER = re.compile(r"\b((19|20)\d\d|'?\d0s|(19|20)\d0s|(nine|eigh|seven|six|fif)ties)\b", re.IGNORECASE)
_NUMERIC_OPS = ("ge", "le", "gt", "lt", "eq")


def drop_vague_years(parsed: ParsedTurn, text: str) -> ParsedTurn:
    """Drop year ranges the NLU derived from vague words when the text names no year or decade.

    A critique about an item ("something more recent than that") keeps its relative year."""
    if parsed.critique is not None or _NUMBER.search(text):
        return parsed
    add = tuple(c for c in parsed.add if not (c.attribute == "year" and c.op in _NUMERIC_OPS))
    return parsed if len(add) == len(parsed.add) else replace(parsed, add=add)


def constraint_masks(engine: Any, constraints: Sequence[Constraint]) -> list[np.ndarray]:
    return [np.asarray(engine.mask([c]), dtype=bool) for c in constraints]


def combine(constraints: Sequence[Constraint], masks: Sequence[np.ndarray], n: int) -> np.ndarray:
    """AND across attributes (and for excludes / ranges), OR among includes of one attribute."""
    out = np.ones(n, dtype=bool)
    groups: dict[str, np.ndarray] = {}
    for c, m in zip(constraints, masks):
        if c.op == "include":
            groups[c.attribute] = groups[c.attribute] | m if c.attribute in groups else m.copy()
        else:
            out &= m
    for m in groups.values():
        out &= m
    return out


def relaxed_mask(engine: Any, n: int, constraints: Sequence[Constraint], base: np.ndarray,
                 min_size: int) -> tuple[np.ndarray, tuple[Constraint, ...]]:
    """The candidate mask (`base` = rows not rejected) and the constraints relaxed to reach `min_size`.

    Relaxation order: includes and ranges oldest first, then excludes oldest first."""
    cons = list(constraints)
    masks = constraint_masks(engine, cons)
    mask = base & combine(cons, masks, n)
    if int(mask.sum()) >= min_size or not cons:
        return mask, ()
    order = [i for i, c in enumerate(cons) if c.op != "exclude"] + [i for i, c in enumerate(cons) if c.op == "exclude"]
    dropped: list[int] = []
    for i in order:
        dropped.append(i)
        keep = [j for j in range(len(cons)) if j not in dropped]
        mask = base & combine([cons[j] for j in keep], [masks[j] for j in keep], n)
        if int(mask.sum()) >= min_size:
            break
    return mask, tuple(cons[i] for i in dropped)


def soft_boost(engine: Any, constraints: Sequence[Constraint], rows: np.ndarray) -> np.ndarray:
    """Per row: how many of the soft constraints (includes, relaxed ones) it satisfies."""
    out = np.zeros(len(rows), dtype=np.float32)
    for m in constraint_masks(engine, constraints):
        out += m[rows]
    return out


def soft_constraints(constraints: Sequence[Constraint], relaxed: Sequence[Constraint]) -> tuple[Constraint, ...]:
    """Constraints that boost the ranking: every include, plus relaxed ranges (a relaxed exclude is dropped)."""
    out = [c for c in constraints if c.op == "include"]
    out += [c for c in relaxed if c.op in _NUMERIC_OPS]
    return tuple(dict.fromkeys(out))


def relax_notice(relaxed: Sequence[Constraint], noun: str) -> str:
    what = ", ".join(f"{c.attribute} {c.op} {c.value}" if c.op in _NUMERIC_OPS else f"{c.op} {c.value}"
                     for c in relaxed)
    return f"Few {noun}s matched everything, so I relaxed: {what} (still preferred where it applies)."
