"""Contract every `Retriever` implementation passes (one parametrised test per property)."""

from __future__ import annotations

import numpy as np
import pytest

from crs.protocols import Retriever
from crs.retrieval import InvalidQueryError, compile_constraints
from crs.types import Constraint as C
from crs.types import Results

QUERIES = ["funny animated movie for kids", "dark psychological thriller", "tom hanks"]



class _Mode:
    """Adapter: the engine restricted to one mode (lexical / dense / hybrid)."""

    def __init__(self, engine, mode):  # type: ignore[no-untyped-def]
        self.engine, self.mode = engine, mode

    def search(self, query, k=10, allow=None):  # type: ignore[no-untyped-def]
        return self.engine.search(query, k, allow, mode=self.mode)


@pytest.fixture(params=["engine", "bm25", "lexical", "dense", "hybrid"])
def retriever(request, redial_engine):  # type: ignore[no-untyped-def]
    return {"engine": redial_engine, "bm25": redial_engine.lexical}.get(request.param) or _Mode(redial_engine, request.param)


def test_is_a_retriever(retriever):  # type: ignore[no-untyped-def]
    assert isinstance(retriever, Retriever)


def test_results_are_typed_sorted_unique(retriever, redial_catalog):  # type: ignore[no-untyped-def]
    for q in QUERIES:
        res = retriever.search(q, k=7)
        assert isinstance(res, Results) and 0 < len(res) <= 7
        ids = np.asarray(res.ids)
        assert ids.dtype == np.int64 and res.scores.dtype == np.float32 and len(res.scores) == len(ids)
        assert len(set(ids.tolist())) == len(ids) and ids.min() >= 0 and ids.max() < len(redial_catalog)
        assert np.all(np.diff(res.scores) <= 1e-6) and np.isfinite(res.scores).all()


def test_filter_applied_inside(retriever, redial_catalog):  # type: ignore[no-untyped-def]
    allow = compile_constraints(redial_catalog, [C("genres", "include", "animation"), C("year", "ge", 2000)])
    res = retriever.search("funny animated movie for kids", k=10, allow=allow)
    assert len(res) == 10 and allow[np.asarray(res.ids)].all()


def test_deterministic(retriever):  # type: ignore[no-untyped-def]
    a, b = retriever.search(QUERIES[1], k=10), retriever.search(QUERIES[1], k=10)
    assert np.array_equal(a.ids, b.ids) and np.array_equal(a.scores, b.scores)


def test_k_clamped_never_padded(retriever, redial_catalog):  # type: ignore[no-untyped-def]
    res = retriever.search("tom hanks", k=100_000)
    assert 0 < len(res) <= len(redial_catalog) and len(set(np.asarray(res.ids).tolist())) == len(res)


@pytest.mark.parametrize("k", [0, -1])
def test_nonpositive_k_rejected(retriever, k):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidQueryError, match="k must be"):
        retriever.search("tom hanks", k=k)
