"""Chat-turn speed-ups of the ranker: cached content scores, row-subset scoring, the shortlist."""

from __future__ import annotations

import numpy as np

from crs.types import DialogueState, Mention, Speaker


def _state(catalog) -> DialogueState:  # type: ignore[no-untyped-def]
    liked = catalog.items[5].id
    return DialogueState(session_id="s", turn=2, preferences=("a funny heist movie with a twist",),
                         mentions=(Mention(liked, "item", 1, Speaker.USER, 1),))


def test_subset_scoring_equals_full_scoring(small_ranker, small_catalog) -> None:  # type: ignore[no-untyped-def]
    state = _state(small_catalog)
    full = small_ranker.combine(small_ranker.signals(state))
    rows = np.arange(0, len(small_catalog), 7)
    sub = small_ranker._score_rows(state, rows)  # catalog below STATS_SAMPLE: exact statistics
    assert np.allclose(sub, full[rows], atol=1e-4)
    assert np.allclose(small_ranker.score(state, rows), full[rows])  # small catalog: the full path


def test_content_scores_cached_and_subsettable(small_ranker) -> None:  # type: ignore[no-untyped-def]
    c = small_ranker.content
    a = c.query_scores(("space adventure",))
    assert c.query_scores(("space adventure",)) is a and not a.flags.writeable
    rows = np.array([3, 1, 200])
    assert np.allclose(c.query_scores(("space adventure",), rows=rows), a[rows])
    assert np.allclose(c.item_scores([1, 2], [3], rows=rows), c.item_scores([1, 2], [3])[rows])
    mean, sd = c.stats(c.query_vector(("space adventure",)))
    assert abs(mean - a.mean()) < 1e-5 and abs(sd - a.std()) < 1e-5
    assert c.item_scores([], []) is None and c.query_scores(("  ",)) is None


def test_retrieved_candidates_on_real_engine(redial_catalog, redial_engine, fast_agent) -> None:  # type: ignore[no-untyped-def]
    from crs.ranking.retrieve import candidate_rows, retrieve_and_score, retriever_for

    engine, ranker = redial_engine, fast_agent.ranker  # the chat agent's ranker over the session's engine
    retriever = retriever_for(ranker, redial_catalog, engine)
    assert retriever is ranker.retriever  # the agent's ranker carries the (projected) dialogue retriever
    allow = np.zeros(len(redial_catalog), dtype=bool)
    allow[::3] = True
    top = retriever.popular(allow, 50)
    ref = engine.popular(50, allow)
    assert allow[top].all() and len(top) == 50
    pop = engine.columns.popularity
    assert np.isclose(np.sort(pop[top])[::-1], np.sort(np.asarray(ref.scores))[::-1]).all()
    state = _state(redial_catalog)
    rows = candidate_rows(ranker, retriever, state, allow)
    assert allow[rows].all() and np.all(np.diff(rows) > 0) and 100 < len(rows) < 800
    text = retriever.query(state)
    assert text.startswith("a funny heist movie") and redial_catalog.items[5].title in text
    nearest = engine.dense.search(retriever.vector(text), 20, allow).ids
    assert set(np.asarray(nearest).tolist()) <= set(rows.tolist())  # the dense search's top rows are scored
    got, scores = retrieve_and_score(ranker, retriever, state, allow)
    assert np.array_equal(got, rows) and np.allclose(scores, ranker.score(state, rows))
    assert len(retriever.popular(np.zeros(len(redial_catalog), dtype=bool), 10)) == 0
