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
