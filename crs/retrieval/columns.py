"""Columnar attribute storage: one sparse membership matrix per set-valued attribute and one float
array per numeric attribute, so filters and summaries are array operations over millions of rows
(no loop over `Item` objects per query). Built once per catalog (`columns_for`) or from arrays."""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from crs.types import AttributeKind, Catalog


@dataclass(frozen=True, eq=False)
class SetColumn:
    """A categorical / multi-valued / ordinal attribute: rows × values membership."""

    kind: AttributeKind
    values: tuple[str, ...]
    by_value: sp.csr_matrix  # (n_values, n_rows) bool: rows holding each value
    by_row: sp.csr_matrix  # (n_rows, n_values) bool
    lookup: Mapping[str, int]  # casefolded value → value index

    @classmethod
    def build(cls, kind: AttributeKind, values: Sequence[str], rows: np.ndarray, codes: np.ndarray,
              n_rows: int) -> SetColumn:
        by_row = sp.csr_matrix((np.ones(len(rows), bool), (rows, codes)), shape=(n_rows, len(values)))
        by_row.sum_duplicates()
        by_row.data[:] = True
        by_value = by_row.T.tocsr()
        lookup = {v.casefold(): i for i, v in enumerate(values)}
        return cls(kind, tuple(values), by_value, by_row, lookup)

    def rows_with(self, code: int) -> np.ndarray:
        p = self.by_value.indptr
        return self.by_value.indices[p[code]:p[code + 1]]

    @cached_property
    def order_codes(self) -> np.ndarray:
        """Per row, the (max) ordinal position of its value; NaN where missing (ordinal ranges)."""
        out = np.full(self.by_row.shape[0], np.nan)
        coo = self.by_row.tocoo()
        np.fmax.at(out, coo.row, coo.col.astype(np.float64))
        return out


@dataclass(frozen=True, eq=False)
class AttributeColumns:
    """All attributes of a catalog in columnar form, plus popularity (for attribute-only search)."""

    n_rows: int
    sets: Mapping[str, SetColumn]
    numeric: Mapping[str, np.ndarray]  # float64, NaN where missing
    popularity: np.ndarray

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.sets) + tuple(self.numeric)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> AttributeColumns:
        n = len(catalog)
        sets: dict[str, SetColumn] = {}
        numeric: dict[str, np.ndarray] = {}
        for attr in catalog.schema:
            raw = [it.attributes.get(attr.name) for it in catalog.items]
            if attr.is_numeric:
                numeric[attr.name] = np.array([_num(v) for v in raw], dtype=np.float64)
                continue
            values = {v: i for i, v in enumerate(attr.values)}
            rows, codes = [], []
            for r, v in enumerate(raw):
                for x in (v if isinstance(v, tuple) else () if v is None else (v,)):
                    rows.append(r)
                    codes.append(values.setdefault(str(x), len(values)))
            sets[attr.name] = SetColumn.build(attr.kind, list(values), np.array(rows, np.int64),
                                              np.array(codes, np.int64), n)
        return cls(n, sets, numeric, catalog.popularity())

    def summary(self, rows: np.ndarray, top: int = 10) -> dict[str, dict[str, Any]]:
        """Per attribute over `rows`: value counts (top few), distinct count, entropy in bits."""
        out: dict[str, dict[str, Any]] = {}
        for name, col in self.sets.items():
            counts = self._counts(col, rows)
            nz = np.flatnonzero(counts)
            order = nz[np.lexsort((nz, -counts[nz]))][:top]
            out[name] = {"kind": col.kind.value, "distinct": len(nz),
                         "entropy": _entropy(counts[nz]),
                         "top": [(col.values[i], int(counts[i])) for i in order]}
        for name, arr in self.numeric.items():
            vals = arr[rows]
            vals = vals[~np.isnan(vals)]
            stats = {"kind": AttributeKind.NUMERIC.value, "present": len(vals)}
            if len(vals):
                q = np.quantile(vals, [0.0, 0.5, 1.0])
                hist = np.histogram(vals, bins=min(10, len(np.unique(vals))))[0]
                stats.update(min=float(q[0]), median=float(q[1]), max=float(q[2]), entropy=_entropy(hist))
            out[name] = stats
        return out

    def _counts(self, col: SetColumn, rows: np.ndarray) -> np.ndarray:
        if len(rows) * 8 < self.n_rows:
            return np.bincount(col.by_row[rows].indices, minlength=len(col.values))
        mask = np.zeros(self.n_rows, np.float32)
        mask[rows] = 1.0
        return np.rint(col.by_value @ mask).astype(np.int64)


def _num(v: object) -> float:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return x if math.isfinite(x) else math.nan


def _entropy(counts: np.ndarray) -> float:
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        return 0.0
    p = counts[counts > 0] / total
    return float(-(p * np.log2(p)).sum())


_CACHE: weakref.WeakKeyDictionary[Catalog, AttributeColumns] = weakref.WeakKeyDictionary()


def columns_for(catalog: Catalog) -> AttributeColumns:
    """Columns of a catalog, built once per catalog object and reused."""
    cols = _CACHE.get(catalog)
    if cols is None:
        cols = AttributeColumns.from_catalog(catalog)
        _CACHE[catalog] = cols
    return cols
