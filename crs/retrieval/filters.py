"""Compile dialogue constraints into a boolean allow-mask over catalog rows.

Semantics (documented in docs/retrieval-and-ranking.md):
- constraints on different attributes are ANDed;
- `include` on a multi-valued attribute (genres, stars) requires every included value (a "horror
  comedy" is both); on a categorical/ordinal attribute (decade, mpaa) any included value (OR);
- `exclude` removes rows holding any excluded value; rows missing the attribute are kept;
- `ge/gt/le/lt/eq` compare numbers (rows missing the number fail); on an ordinal attribute they
  compare positions in the schema's value order ("decade ge 1980s"); `include` on a numeric
  attribute means `eq`.
Unknown attributes or values raise errors that list the valid ones (with close matches).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from crs.retrieval.columns import AttributeColumns, SetColumn, columns_for
from crs.retrieval.errors import UnknownAttributeError, UnknownValueError, listing
from crs.types import AttributeKind, Catalog, Constraint

_CMP = {"ge": np.greater_equal, "gt": np.greater, "le": np.less_equal, "lt": np.less, "eq": np.equal}


def compile_constraints(catalog_or_columns: Catalog | AttributeColumns,
                        constraints: Iterable[Constraint]) -> np.ndarray:
    """Boolean mask (n_rows,) of rows satisfying every constraint (all True when there are none)."""
    cols = catalog_or_columns if isinstance(catalog_or_columns, AttributeColumns) else columns_for(catalog_or_columns)
    mask = np.ones(cols.n_rows, dtype=bool)
    includes: dict[str, list[int]] = defaultdict(list)
    for c in constraints:
        if c.attribute in cols.numeric:
            mask &= _numeric(cols.numeric[c.attribute], c)
        elif c.attribute in cols.sets:
            col = cols.sets[c.attribute]
            if c.op in ("include", "exclude"):
                code = value_code(col, c.attribute, c.value)
                if c.op == "exclude":
                    mask[col.rows_with(code)] = False
                else:
                    includes[c.attribute].append(code)
            elif col.kind is AttributeKind.ORDINAL:
                pos = value_code(col, c.attribute, c.value)
                with np.errstate(invalid="ignore"):
                    mask &= _CMP[c.op](col.order_codes, pos)
            else:
                raise UnknownValueError(
                    f"attribute {c.attribute!r} is {col.kind.value}: use include/exclude, not {c.op!r}")
        else:
            raise UnknownAttributeError(
                f"unknown attribute {c.attribute!r}; valid attributes: {listing(sorted(cols.names))}")
    for name, codes in includes.items():
        mask &= _include(cols.n_rows, cols.sets[name], codes)
    return mask


def _include(n: int, col: SetColumn, codes: list[int]) -> np.ndarray:
    if col.kind is AttributeKind.MULTI and len(set(codes)) > 1:
        counts = np.zeros(n, np.int32)
        for code in set(codes):
            counts[col.rows_with(code)] += 1
        return counts == len(set(codes))
    out = np.zeros(n, dtype=bool)
    for code in codes:
        out[col.rows_with(code)] = True
    return out


def _numeric(arr: np.ndarray, c: Constraint) -> np.ndarray:
    op = "eq" if c.op == "include" else c.op
    try:
        x = float(c.value)
    except (TypeError, ValueError):
        raise UnknownValueError(f"attribute {c.attribute!r} is numeric: {c.value!r} is not a number") from None
    if not math.isfinite(x):
        raise UnknownValueError(f"attribute {c.attribute!r}: {c.value!r} is not a finite number")
    if op == "exclude":
        return ~(arr == x)
    with np.errstate(invalid="ignore"):
        return _CMP[op](arr, x)


def value_code(col: SetColumn, attribute: str, value: object) -> int:
    """Index of a value (case-insensitive); UnknownValueError with close matches and valid values."""
    code = col.lookup.get(str(value).casefold())
    if code is not None:
        return code
    from rapidfuzz import process

    close = [m[0] for m in process.extract(str(value), col.values, limit=5, score_cutoff=60)]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UnknownValueError(
        f"unknown value {value!r} for attribute {attribute!r}.{hint} "
        f"Valid values ({len(col.values)}): {listing(col.values)}")
