"""Candidate store: handles, narrowing, re-scoring, summaries, LRU bounds."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from crs.retrieval import CandidateStore, UnknownHandleError, columns_for
from crs.retrieval.errors import InvalidQueryError
from crs.types import Constraint as C


@pytest.fixture()
def store(redial_catalog):  # type: ignore[no-untyped-def]
    return CandidateStore(columns_for(redial_catalog), capacity=4)


def test_create_narrow_rescore_summary(store, redial_catalog):  # type: ignore[no-untyped-def]
    rows = np.arange(len(redial_catalog))
    h = store.create(rows, scores=redial_catalog.popularity())
    assert store.size(h) == len(redial_catalog)
    h2 = store.narrow(h, [C("genres", "include", "horror")])
    assert h2 != h and store.size(h) == len(redial_catalog)  # the parent set is unchanged
    horror = store.rows(h2)
    assert all("horror" in redial_catalog.items[r].values("genres") for r in horror)
    s = store.summary(h2, k=5)
    assert s.size == len(horror) and len(s.top_rows) == 5
    assert dict(s.attributes["genres"]["top"])["horror"] == len(horror)
    # entropy of the decade distribution equals a direct computation
    counts = Counter(redial_catalog.items[r].attributes.get("decade") for r in horror)
    counts.pop(None, None)
    p = np.array(list(counts.values()), float) / sum(counts.values())
    assert s.entropy("decade") == pytest.approx(float(-(p * np.log2(p)).sum()), abs=1e-9)
    pop = redial_catalog.popularity()
    assert np.all(np.diff(pop[s.top_rows]) <= 0)
    h3 = store.rescore(h2, -pop)  # one score per catalog row is accepted
    assert pop[store.rows(h3)[0]] == pop[horror].min()


def test_default_order_and_validation(store):  # type: ignore[no-untyped-def]
    h = store.create([5, 3, 9])
    assert store.rows(h).tolist() == [5, 3, 9]
    with pytest.raises(InvalidQueryError):
        store.create([1, 1])
    with pytest.raises(InvalidQueryError):
        store.create([10**9])
    with pytest.raises(InvalidQueryError):
        store.rescore(h, np.array([1.0, np.nan, 2.0]))
    with pytest.raises(InvalidQueryError):
        store.rescore(h, np.ones(7))


def test_lru_eviction_and_unknown_handle(store):  # type: ignore[no-untyped-def]
    handles = [store.create([i]) for i in range(4)]
    store.rows(handles[0])  # touch: handles[1] becomes least recently used
    store.create([10])
    assert handles[0] in store and handles[1] not in store and len(store) == 4
    with pytest.raises(UnknownHandleError, match="expired"):
        store.summary(handles[1])
    with pytest.raises(UnknownHandleError):
        store.rows("nope")


def test_row_budget_bounds_memory(redial_catalog):  # type: ignore[no-untyped-def]
    store = CandidateStore(columns_for(redial_catalog), capacity=100, max_rows=5000)
    a = store.create(np.arange(3000))
    b = store.create(np.arange(3000))
    assert a not in store and b in store
    with pytest.raises(InvalidQueryError, match="exceeds"):
        store.create(np.arange(6000))
