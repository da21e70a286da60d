"""A wanted person ranks, not filters (`crs.dialogue.candidates.person_wish`), on the ReDial agent
(the default catalog has no cast or crew).

As a filter, "I like Tom Hanks" left only his films, and the real seekers the profile simulation
replays took another film in 43 of its 82 failures where a filter had excluded it. A person asked
for still fills the list when they have films that meet the rest; a combination no film meets is
told as relaxed.
"""

from __future__ import annotations

from crs.dialogue.candidates import hard_constraints
from tests.dialogue.people import shown, talk


def _with(agent, items, attribute: str, name: str) -> list[bool]:  # type: ignore[no-untyped-def]
    return [name.lower() in {v.lower() for v in it.values(attribute)} for it in items]


def test_a_wanted_actor_ranks_first_without_filtering(redial_agent) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(redial_agent, "I want a Tom Hanks movie", "just show me some")
    assert ("stars", "include", "Tom Hanks") in {(c.attribute, c.op, c.value) for c in state.constraints}
    assert not [c for c in hard_constraints(state.constraints) if c.attribute == "stars"]
    mask, relaxed = redial_agent.candidate_mask(state)
    hanks = redial_agent.engine.mask([c for c in state.constraints if c.attribute == "stars"])
    assert int(mask.sum()) > 10 * int(hanks.sum())  # his films are not the only candidates ...
    assert all(_with(redial_agent, shown(redial_agent, state), "stars", "Tom Hanks"))  # ... but come first
    assert not relaxed


def test_a_person_with_no_film_left_is_told_as_relaxed(redial_agent) -> None:  # type: ignore[no-untyped-def]
    state, replies = talk(redial_agent, "a comedy with Christopher Nolan", "just show me some")
    _, relaxed = redial_agent.candidate_mask(state)
    assert [(c.attribute, c.value) for c in relaxed] == [("director", "Christopher Nolan")]
    assert any("Christopher Nolan" in n for r in replies for n in r.notices)
    items = shown(redial_agent, state)
    assert items and all("comedy" in {g.lower() for g in it.values("genres")} for it in items)
