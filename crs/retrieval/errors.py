"""User-facing retrieval errors (all `CRSError`s: the CLI prints them in one line)."""

from __future__ import annotations

from collections.abc import Iterable

from crs.errors import CRSError


class RetrievalError(CRSError):
    """Base class for bad retrieval input (queries, k, masks, handles, constraints)."""


class InvalidQueryError(RetrievalError):
    """A query, k, vector or mask that cannot be searched with."""


class UnknownAttributeError(RetrievalError):
    """A constraint names an attribute the catalog does not have."""


class UnknownValueError(RetrievalError):
    """A constraint names a value the attribute never takes."""


class UnknownHandleError(RetrievalError):
    """A candidate-store handle that never existed or was evicted (LRU)."""


def listing(values: Iterable[str], limit: int = 25) -> str:
    """'a, b, c' or 'a, b, ... (+N more)' for error messages."""
    vals = list(values)
    head = ", ".join(vals[:limit])
    return head if len(vals) <= limit else f"{head}, ... (+{len(vals) - limit} more)"


def check_k(k: object) -> int:
    """k as an int >= 1, or InvalidQueryError (bool, float and non-positive values are rejected)."""
    import numbers

    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or int(k) <= 0:
        raise InvalidQueryError(f"k must be a positive integer, got {k!r}")
    return int(k)
