"""A series asked for by name fills the list; "any ... movies?" asks for films (through `Agent.step`).

"any harry potter films?" showed one Harry Potter film beside "Deconstructing Harry" and The Lion King
(one film per series in a list); "Do you know of any good animated movies?" (a verbatim ReDial train
seeker message, like "any good action films?" and "know any good horror films?") was answered with a
question when the policy preferred one.
"""

from __future__ import annotations

from crs.dialogue.candidates import asked_series, series
from tests.dialogue.people import shown, talk


def test_a_series_asked_for_by_name_fills_the_list(redial_agent) -> None:  # type: ignore[no-untyped-def]
    """On ReDial (MiniLM item vectors; the fresh default agent of the tests hashes words instead)."""
    state, reply = talk(redial_agent, "any harry potter films?")
    titles = [it.title for it in shown(redial_agent, state)]
    assert len(titles) == 3 and all(t.lower().startswith("harry potter") for t in titles), (titles, reply[-1].text)


def test_any_films_question_is_a_request(agent) -> None:  # type: ignore[no-untyped-def]
    for message in ("Do you know of any good animated movies?", "any good action films?",
                    "Hi dude you know of any cool movies I could watch", "Hey, know any good horror movies. It's going good"):
        state, reply = talk(agent, message)
        assert shown(agent, state), (message, reply[-1].text)


def test_asked_series_names_only_series_in_the_list() -> None:
    titles = ["Batman", "Batman Returns", "Batman & Robin", "The Matrix", "Harry Potter and the Goblet of Fire"]
    assert asked_series("I want batman movies", titles) == {"batman", "batman returns", "batman and robin"}
    assert asked_series("any harry potter films?", titles) == {series(titles[4])}
    assert asked_series("I like action movies", titles) == frozenset()
    assert asked_series("I loved Batman", titles) == frozenset()  # a liked film, not a wish for its series
