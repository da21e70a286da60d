"""Per-constraint mask cache and the O(n) candidate-store check (chat-turn latency)."""

from __future__ import annotations

import numpy as np
import pytest

from crs.retrieval.errors import InvalidQueryError, UnknownValueError
from crs.retrieval.filters import compile_constraints
from crs.types import Constraint


def test_mask_cache(redial_engine) -> None:  # type: ignore[no-untyped-def]
    c = (Constraint("genres", "include", "comedy"),)
    m1 = redial_engine.mask(c)
    assert np.array_equal(m1, compile_constraints(redial_engine.columns, c))
    assert redial_engine.mask(list(c)) is m1 and not m1.flags.writeable
    with pytest.raises(ValueError):
        m1[0] = not m1[0]
    with pytest.raises(UnknownValueError):
        redial_engine.mask((Constraint("genres", "include", "no-such-genre"),))


def test_candidate_store_uniqueness(redial_engine) -> None:  # type: ignore[no-untyped-def]
    from crs.retrieval import CandidateStore

    store = CandidateStore(redial_engine.columns)
    h = store.create(np.flatnonzero(redial_engine.mask((Constraint("genres", "include", "horror"),))))
    assert store.size(h) > 100
    assert store.size(store.create([5, 3, 9])) == 3  # unsorted but unique
    for bad in ([3, 5, 3], [1, 1]):
        with pytest.raises(InvalidQueryError):
            store.create(bad)


def test_incomplete_ivf_search_skips_exact_fallback(small_synthetic) -> None:  # type: ignore[no-untyped-def]
    from crs.retrieval.dense import DenseIndex

    d = DenseIndex(small_synthetic.vectors, kind="ivf")
    allow = np.zeros(len(small_synthetic.vectors), dtype=bool)
    allow[::2] = True
    q = small_synthetic.vectors[11]
    full = d.search(q, 1000, allow)
    part = d.search(q, 1000, allow, complete=False)
    assert len(full) == 1000 and 0 < len(part) <= 1000
    assert allow[np.asarray(part.ids)].all() and allow[np.asarray(full.ids)].all()
