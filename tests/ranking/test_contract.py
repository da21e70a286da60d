"""Contract every `crs.protocols.Ranker` implementation passes (one parametrised test per property).

Implementations: the chat agent's `FusionRanker` on the full ReDial catalog (content, collaborative
and history signals, the row-subset path), `FusionRanker`s on a 400-item ReDial sub-catalog (with
and without content).
`score(state, rows)` returns one finite score per row asked for, the same scores for the same
input, and a row's score does not depend on the other rows asked for.
"""

from __future__ import annotations

import numpy as np
import pytest

from crs.protocols import Ranker
from crs.types import Constraint, DialogueState, Mention, Speaker


def _states(catalog) -> list[DialogueState]:  # type: ignore[no-untyped-def]
    ids = catalog.ids
    liked = (Mention(ids[5], "item", 1, Speaker.USER, 1), Mention(ids[17], "item", 2, Speaker.USER, 1))
    return [
        DialogueState(),
        DialogueState(session_id="s", user_id="contract", turn=2, mentions=liked),
        DialogueState(session_id="s", turn=3, preferences=("a funny heist movie with a twist",),
                      mentions=liked + (Mention(ids[9], "item", 3, Speaker.USER, -1),),
                      constraints=(Constraint("genres", "include", "comedy"),)),
    ]


@pytest.fixture(scope="module")
def rankers(fast_agent, redial_catalog, small_catalog, small_ranker):  # type: ignore[no-untyped-def]
    from crs.ranking import build_ranker

    return {
        "fusion-redial": (fast_agent.ranker, redial_catalog),
        "fusion-small": (small_ranker, small_catalog),
        "fusion-no-content": (build_ranker(small_catalog, content=False), small_catalog),
    }


@pytest.fixture(params=["fusion-redial", "fusion-small", "fusion-no-content"])
def ranker(request, rankers):  # type: ignore[no-untyped-def]
    return rankers[request.param]


def _rows(n: int) -> np.ndarray:
    """An unsorted eighth of the catalog (below a quarter: the fusion ranker's row-subset path)."""
    rng = np.random.default_rng(0)
    return rng.choice(n, size=max(8, n // 8), replace=False).astype(np.int64)


def test_is_a_ranker(ranker):  # type: ignore[no-untyped-def]
    assert isinstance(ranker[0], Ranker)


def test_one_finite_score_per_row(ranker):  # type: ignore[no-untyped-def]
    r, catalog = ranker
    for rows in (_rows(len(catalog)), np.arange(len(catalog)), np.array([3], dtype=np.int64)):
        for state in _states(catalog):
            s = np.asarray(r.score(state, rows))
            assert s.shape == rows.shape and np.issubdtype(s.dtype, np.floating)
            assert np.isfinite(s).all()


def test_deterministic(ranker):  # type: ignore[no-untyped-def]
    r, catalog = ranker
    rows = _rows(len(catalog))
    for state in _states(catalog):
        assert np.array_equal(r.score(state, rows), r.score(state, rows))


def test_a_rows_score_does_not_depend_on_the_other_rows(ranker):  # type: ignore[no-untyped-def]
    r, catalog = ranker
    rows = _rows(len(catalog))
    half, perm = rows[: len(rows) // 2], np.random.default_rng(1).permutation(len(rows))
    for state in _states(catalog):
        s = np.asarray(r.score(state, rows))
        assert np.allclose(r.score(state, half), s[: len(half)], atol=1e-4)  # a subset of the rows
        assert np.allclose(r.score(state, rows[perm]), s[perm], atol=1e-5)  # another order


def test_scores_order_items_by_the_state(ranker):  # type: ignore[no-untyped-def]
    """The scores are not constant: a state with liked items ranks the rows."""
    r, catalog = ranker
    s = np.asarray(r.score(_states(catalog)[1], np.arange(len(catalog))))
    assert np.ptp(s) > 0
