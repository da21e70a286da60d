"""Retrieval: BM25 + dense + attribute filters + fusion, persisted indexes, candidate store.

    engine = build_engine(load_catalog("redial"))
    allow = compile_constraints(catalog, [Constraint("genres", "include", "horror")])
    res = engine.search("a scary movie from the 80s", k=10, allow=allow)   # Results(rows, scores)
"""

from __future__ import annotations

from crs.retrieval.columns import AttributeColumns, columns_for
from crs.retrieval.engine import SearchEngine, build_engine
from crs.retrieval.errors import (
    InvalidQueryError,
    RetrievalError,
    UnknownAttributeError,
    UnknownHandleError,
    UnknownValueError,
)
from crs.retrieval.filters import compile_constraints
from crs.retrieval.store import CandidateStore, CandidateSummary

__all__ = [
    "AttributeColumns", "CandidateStore", "CandidateSummary", "InvalidQueryError", "RetrievalError",
    "SearchEngine", "UnknownAttributeError", "UnknownHandleError", "UnknownValueError", "build_engine",
    "columns_for", "compile_constraints",
]
