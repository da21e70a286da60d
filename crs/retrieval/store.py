"""Candidate store: large candidate sets live here and are referred to by handle.

The policy and the response generator see a `CandidateSummary` (size, per-attribute value counts
and entropy, top-k rows by current score), never the full array. Every operation that changes a
set (`narrow`, `rescore`) returns a NEW handle, so a handle kept in an immutable `DialogueState`
always means the same set. Memory is bounded: least-recently-used entries are evicted once more
than `capacity` handles or `max_rows` stored rows are held; an evicted or unknown handle raises
`UnknownHandleError`.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from crs.retrieval.columns import AttributeColumns
from crs.retrieval.errors import InvalidQueryError, UnknownHandleError
from crs.retrieval.filters import compile_constraints
from crs.retrieval.topk import top_k
from crs.types import Constraint


@dataclass(frozen=True)
class CandidateSummary:
    """What the policy and generator may see of a candidate set."""

    handle: str
    size: int
    attributes: Mapping[str, Mapping[str, Any]]
    """name → {"kind", "distinct", "entropy" (bits), "top": [(value, count)]} (numeric: min/median/max)."""
    top_rows: np.ndarray
    top_scores: np.ndarray

    def entropy(self, attribute: str) -> float:
        return float(self.attributes[attribute].get("entropy", 0.0))


@dataclass(frozen=True)
class _Entry:
    rows: np.ndarray  # int64, read-only
    scores: np.ndarray  # float32, read-only, aligned with rows


class CandidateStore:
    """LRU-bounded map handle → (catalog rows, scores) over one catalog's attribute columns."""

    def __init__(self, columns: AttributeColumns, capacity: int = 256, max_rows: int = 50_000_000) -> None:
        if capacity <= 0 or max_rows <= 0:
            raise ValueError("capacity and max_rows must be positive")
        self.columns, self.capacity, self.max_rows = columns, capacity, max_rows
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._rows_held = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, handle: object) -> bool:
        return handle in self._entries

    def create(self, rows: Iterable[int] | np.ndarray, scores: np.ndarray | None = None) -> str:
        """Store a candidate set. Without scores, the given order is the ranking (first is best)."""
        r = np.asarray(rows if isinstance(rows, np.ndarray) else list(rows), dtype=np.int64).reshape(-1)
        if len(r) and (r.min() < 0 or r.max() >= self.columns.n_rows):
            raise InvalidQueryError(f"candidate rows must be in [0, {self.columns.n_rows})")
        if len(r) > 1 and not bool(np.all(r[1:] > r[:-1])) and len(np.unique(r)) != len(r):
            raise InvalidQueryError("candidate rows must be unique")  # O(n) when sorted (np.flatnonzero)
        if scores is None:
            s = -np.arange(len(r), dtype=np.float32)
        else:
            s = self._aligned(np.asarray(scores, dtype=np.float32), r)
        return self._put(r, s)

    def narrow(self, handle: str, constraints: Iterable[Constraint]) -> str:
        """A new handle holding the rows of `handle` that satisfy every constraint (scores kept)."""
        e = self._get(handle)
        keep = compile_constraints(self.columns, constraints)[e.rows]
        return self._put(e.rows[keep], e.scores[keep])

    def rescore(self, handle: str, scores: np.ndarray) -> str:
        """A new handle with the same rows and new scores: one per row of the set, or one per catalog row."""
        e = self._get(handle)
        return self._put(e.rows, self._aligned(np.asarray(scores, dtype=np.float32), e.rows))

    def rows(self, handle: str) -> np.ndarray:
        """The rows of a set, best first by current score (read-only array)."""
        e = self._get(handle)
        order = top_k(e.scores, len(e.scores))
        out = e.rows[order]
        out.setflags(write=False)
        return out

    def size(self, handle: str) -> int:
        return len(self._get(handle).rows)

    def summary(self, handle: str, k: int = 10, top_values: int = 10) -> CandidateSummary:
        e = self._get(handle)
        sel = top_k(e.scores, k)
        return CandidateSummary(handle, len(e.rows), self.columns.summary(e.rows, top_values),
                                e.rows[sel].copy(), e.scores[sel].copy())

    def drop(self, handle: str) -> None:
        with self._lock:
            e = self._entries.pop(handle, None)
            if e is not None:
                self._rows_held -= len(e.rows)

    # --- internals ------------------------------------------------------------------------
    def _aligned(self, scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
        if scores.shape == (self.columns.n_rows,) and len(rows) != self.columns.n_rows:
            scores = scores[rows]
        if scores.shape != rows.shape:
            raise InvalidQueryError(
                f"scores must have one value per candidate ({len(rows)}) or per catalog row "
                f"({self.columns.n_rows}), got shape {scores.shape}")
        if not np.isfinite(scores).all():
            raise InvalidQueryError("scores contain NaN or infinite values")
        return scores

    def _put(self, rows: np.ndarray, scores: np.ndarray) -> str:
        if len(rows) > self.max_rows:
            raise InvalidQueryError(f"candidate set of {len(rows)} rows exceeds the store limit {self.max_rows}")
        rows, scores = rows.copy(), scores.copy()
        rows.setflags(write=False)
        scores.setflags(write=False)
        with self._lock:
            handle = f"c{os.getpid():x}-{next(self._ids)}"  # unique across forked workers sharing a session store
            self._entries[handle] = _Entry(rows, scores)
            self._rows_held += len(rows)
            while len(self._entries) > self.capacity or self._rows_held > self.max_rows:
                _, old = self._entries.popitem(last=False)
                self._rows_held -= len(old.rows)
        return handle

    def _get(self, handle: str) -> _Entry:
        with self._lock:
            e = self._entries.get(handle)
            if e is None:
                raise UnknownHandleError(
                    f"unknown or expired candidate handle {handle!r} (the store keeps the "
                    f"{self.capacity} most recently used sets): search again to get a new one")
            self._entries.move_to_end(handle)
            return e
