"""Candidates (`crs/dialogue/candidates.py`): OR-ed includes, soft boosts, relaxation oldest first, on the real ReDial catalog."""

from __future__ import annotations

import numpy as np

from crs.dialogue.candidates import combine, constraint_masks, relaxed_mask, soft_boost
from crs.types import Constraint


def test_includes_of_one_attribute_are_ored(redial_catalog, redial_engine):
    n = len(redial_catalog)
    cons = [Constraint("genres", "include", "comedy"), Constraint("genres", "include", "horror")]
    masks = constraint_masks(redial_engine, cons)
    got = combine(cons, masks, n)
    assert np.array_equal(got, masks[0] | masks[1]) and got.sum() > masks[0].sum()
    boost = soft_boost(redial_engine, cons, np.arange(n))
    both = masks[0] & masks[1]
    assert both.any() and np.all(boost[both] == 2) and np.all(boost[~(masks[0] | masks[1])] == 0)
    # an exclude and a year range still cut
    cons2 = cons + [Constraint("genres", "exclude", "romance"), Constraint("year", "ge", 2000)]
    got2 = combine(cons2, constraint_masks(redial_engine, cons2), n)
    years = np.array([it.year or 0 for it in redial_catalog.items])
    assert got2.sum() < got.sum() and np.all(years[got2] >= 2000)


def test_relaxes_oldest_when_too_few(redial_catalog, redial_engine):
    n = len(redial_catalog)
    cons = [Constraint("year", "lt", 1930), Constraint("genres", "include", "sci-fi"),
            Constraint("genres", "exclude", "drama")]
    base = np.ones(n, dtype=bool)
    strict = base & combine(cons, constraint_masks(redial_engine, cons), n)
    assert strict.sum() < 50
    mask, relaxed = relaxed_mask(redial_engine, n, cons, base, 50)
    assert relaxed[0] == cons[0] and mask.sum() >= 50
    ok, none = relaxed_mask(redial_engine, n, cons[1:], base, 5)
    assert none == () and ok.sum() >= 5


def test_agent_tells_which_constraint_was_relaxed(fast_agent):
    a = fast_agent
    s = a.new_session("relax-1")
    s, _ = a.step(s, "I want a horror movie")
    s, r2 = a.step(s, "something released in 1921 please")
    assert any(c.attribute == "year" for c in s.constraints)
    s, r3 = a.step(s, "just give me something")
    assert r3.action == "recommend" and len(r3.cards) == a.k and r3.candidates >= a.k
    told = [any("relaxed" in n for n in r.notices) for r in (r2, r3)]
    assert told.count(True) == 1  # said once, on the turn the relaxation happened, not repeated
    s, r4 = a.step(s, "something else")
    assert not any("relaxed" in n for n in r4.notices)


def test_review_query_enriches_the_ranking_with_aligned_reviews(fast_agent):  # type: ignore[no-untyped-def]
    """`AgentConfig.review_query` (off by default, measured without a gain): the aligned review of a
    liked film joins the ranking query, so what a reviewer wrote moves the shortlist."""
    from dataclasses import replace

    from crs.dialogue.build import AgentConfig
    from crs.reviews import ReviewStore, make_snippet

    assert AgentConfig().review_query is False and fast_agent.review_query is False
    cat = fast_agent.catalog
    matrix = next(it.id for it in cat.items if it.title == "The Matrix")
    store = ReviewStore([make_snippet(matrix, "I loved it: dinosaurs escape on an island theme park, "
                                              "cloned dinosaurs and a park full of velociraptors", 1, "redial")])
    state = fast_agent.new_session("review-query")
    plain = replace(fast_agent, store=None, reviews=store)
    enriched = replace(plain, review_query=True)
    _, a = plain.step(state, "I loved The Matrix, recommend me a movie")
    _, b = enriched.step(state, "I loved The Matrix, recommend me a movie")
    ta = [c.title for c in a.cards]
    tb = [c.title for c in b.cards]
    assert ta and tb and ta != tb, (ta, tb)
    assert any("Jurassic" in t for t in tb) and not any("Jurassic" in t for t in ta), (ta, tb)


def test_value_counts_memoised_per_constraint_set_equal_the_direct_counts(fast_agent):  # type: ignore[no-untyped-def]
    """The agent's value counts (`ValueCounter`: counts per kept-constraint set, less the rejected
    rows) equal `value_counts` of the candidate mask, through relaxation and rejections."""
    from dataclasses import replace as dc_replace

    from crs.dialogue.observe import value_counts
    from crs.types import DialogueState

    agent, cat = fast_agent, fast_agent.catalog
    states = [DialogueState(),
              DialogueState(constraints=(Constraint("genres", "include", "comedy"),)),
              DialogueState(constraints=(Constraint("genres", "include", "comedy"), Constraint("genres", "exclude", "romance")),
                            rejected=tuple(it.id for it in cat.items[:400])),
              DialogueState(constraints=(Constraint("year", "lt", 1930), Constraint("genres", "include", "sci-fi")),
                            rejected=(cat.items[5].id, "not-an-id"))]
    states.append(dc_replace(states[1], rejected=tuple(it.id for it in cat.items if "comedy" in it.values("genres"))[:30]))
    for state in states + states:  # the second pass is served from the memo
        mask, relaxed = agent.candidate_mask(state)
        assert agent._counts(state, mask, relaxed) == value_counts(agent.engine.columns, agent.askable, mask)


def test_series_of_real_titles():
    from crs.dialogue.candidates import series

    assert {series(t) for t in ("Jaws", "Jaws 2", "Jaws 3-D")} == {"jaws"}
    assert series("Star Wars: Episode IV - A New Hope") == series("Star Wars: Episode VI - Return of the Jedi") == "star wars"
    assert series("Harry Potter and the Chamber of Secrets") == series("Harry Potter and the Goblet of Fire")
    assert series("Back to the Future Part III") == "back to the future"
    assert series("Toy Story") != series("The Matrix")


def test_sequels_named_by_a_longer_title_are_one_series():
    """"Dumb and Dumber To" and "Dumb and Dumberer" were shown together after "I loved Dumb and Dumber"."""
    from crs.dialogue.candidates import diverse, same_series, series

    keys = [series(t) for t in ("Dumb and Dumber", "Dumb and Dumber To", "Dumb and Dumberer: When Harry Met Lloyd")]
    assert all(same_series(a, b) for a in keys for b in keys)
    assert same_series(series("The Dark Knight"), series("The Dark Knight Rises"))
    for a, b in [("The Dark Knight", "The Dark Tower"), ("Up", "Up in the Air"), ("American Pie", "American Psycho"),
                 ("Star Wars", "Star Trek"), ("The Lord of the Rings", "The Lord of War")]:
        assert not same_series(series(a), series(b)), (a, b)
    titles = ["Dumb and Dumber To", "Dumb and Dumberer: When Harry Met Lloyd", "The Mask", "Liar Liar"]
    assert list(diverse(np.arange(4), titles, 3)) == [0, 2, 3, 1]


def test_one_film_per_series_in_a_list_and_none_of_a_series_passed_over():
    from crs.dialogue.candidates import diverse

    titles = ["Star Wars: Episode VII - The Force Awakens", "Star Wars: Episode VI - Return of the Jedi", "Jaws 2",
              "The Matrix", "Alien"]
    order = np.arange(5)
    assert list(diverse(order, titles, 3)) == [0, 2, 3, 1, 4]
    assert list(diverse(order, titles, 3, frozenset({"jaws"}))) == [0, 3, 4, 1, 2]
    assert list(diverse(np.arange(2), titles[:2], 2)) == [0, 1]  # nothing else to show: the list still fills up


def test_a_one_word_series_key_starts_its_sequels_titles(redial_catalog) -> None:  # type: ignore[no-untyped-def]
    """Batman (1989), Batman Returns and Batman Forever were shown in one list (keys "batman", "batman
    returns", "batman forever" share one content word); "Up" and "Up in the Air" stay apart."""
    from crs.dialogue.candidates import diverse, same_series, series

    titles = [redial_catalog.item(i).title for i in ("181370", "81563", "86397")]
    assert titles == ["Batman", "Batman Returns", "Batman Forever"]
    assert same_series(series(titles[0]), series(titles[1])) and same_series(series(titles[0]), series(titles[2]))
    order = list(diverse(np.arange(5), [titles[0], titles[1], "The Matrix", titles[2], "Alien"], 3))
    assert order == [0, 2, 4, 1, 3]
    assert not same_series(series("Up"), series("Up in the Air")) and not same_series(series("Big"), series("Big Fish"))
