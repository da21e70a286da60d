"""The askable units of a catalog: one (attribute name, value) pair each, as in UNICORN.

`ask(attribute)` on LastFM* asks about one anonymised tag value; on the movie catalogs it asks
about one value of a schema attribute ("genres=comedy"). Numeric attributes are not askable
(their binned forms, e.g. `decade`, are). The item × unit incidence matrix drives every
vectorised computation of the policy (unit probabilities, belief updates).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from crs.errors import CRSError
from crs.types import Catalog

SEP = "="


class PolicyError(CRSError):
    """Bad policy input: unknown attribute, missing or incompatible checkpoint."""


def unit_label(name: str, value: str) -> str:
    """The label of one askable unit, e.g. `tags=123` or `genres=comedy`."""
    return f"{name}{SEP}{value}"


@dataclass(frozen=True, eq=False)
class AskSpace:
    """Askable units of one catalog and their item × unit incidence (float32 CSR / CSC)."""

    catalog_name: str
    labels: tuple[str, ...]
    items: sp.csr_matrix
    """n_items × n_units, 1 where the item has the unit."""
    columns: sp.csc_matrix
    """The same matrix in CSC form (fast access to the items of one unit)."""
    fingerprint: str
    index: dict[str, int] = field(default_factory=dict, repr=False)

    nnz_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    """Row of every stored entry of `items` (CSR order)."""

    def __post_init__(self) -> None:
        if not self.index:
            self.index.update({lab: j for j, lab in enumerate(self.labels)})
        if self.nnz_rows.size != self.items.nnz:
            object.__setattr__(self, "nnz_rows", np.repeat(np.arange(self.n_items), np.diff(self.items.indptr)))

    @property
    def n_units(self) -> int:
        return len(self.labels)

    @property
    def n_items(self) -> int:
        return int(self.items.shape[0])

    def unit(self, label: str) -> int:
        """Column of a unit label; PolicyError naming the label if unknown."""
        try:
            return self.index[label]
        except KeyError:
            raise PolicyError(f"unknown askable attribute {label!r} (expected 'name=value' from the catalog schema)") from None

    def item_rows(self, unit: int) -> np.ndarray:
        """Item rows that have `unit` (sorted)."""
        c = self.columns
        return c.indices[c.indptr[unit] : c.indptr[unit + 1]]

    def item_units(self, row: int) -> np.ndarray:
        """Units of one item row."""
        m = self.items
        return m.indices[m.indptr[row] : m.indptr[row + 1]]


def build_ask_space(catalog: Catalog, attributes: tuple[str, ...] | None = None) -> AskSpace:
    """Build the ask space from the catalog schema (all non-numeric attributes unless `attributes`)."""
    names = _askable_names(catalog, attributes)
    index: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for r, it in enumerate(catalog.items):
        for name in names:
            for v in it.values(name):
                lab = unit_label(name, str(v))
                j = index.setdefault(lab, len(index))
                rows.append(r)
                cols.append(j)
    if not index:
        raise PolicyError(f"catalog {catalog.name!r} has no askable attribute values in {list(names)}")
    data = np.ones(len(rows), dtype=np.float32)
    m = sp.csr_matrix((data, (rows, cols)), shape=(len(catalog), len(index)), dtype=np.float32)
    m.data[:] = 1.0  # duplicate values of one item collapse to 1
    m.sum_duplicates()
    m.data[:] = 1.0
    labels = tuple(index)
    h = hashlib.sha256(catalog.fingerprint().encode())
    h.update("\x00".join(labels).encode())
    h.update(np.asarray(m.indptr).tobytes())
    h.update(np.asarray(m.indices).tobytes())
    by_col = m.tocsc()
    by_col.sort_indices()  # `item_rows` returns sorted rows (the belief relies on it)
    return AskSpace(catalog.name, labels, m, by_col, h.hexdigest()[:16])


def _askable_names(catalog: Catalog, attributes: tuple[str, ...] | None) -> tuple[str, ...]:
    if attributes:
        for a in attributes:
            if a not in catalog.schema:
                raise PolicyError(f"unknown attribute {a!r} for catalog {catalog.name!r}; valid: {', '.join(catalog.schema.names)}")
        chosen = [catalog.schema.get(a) for a in attributes]
    else:
        chosen = list(catalog.schema)
    numeric = [a.name for a in chosen if a.is_numeric]
    if attributes and numeric:
        raise PolicyError(f"numeric attributes cannot be asked as yes/no values: {numeric}; use a binned attribute")
    return tuple(a.name for a in chosen if not a.is_numeric)
