"""Answers that leave a value question open, through `Agent.step` on both catalogs.

The phrasings are the ones real ReDial seekers use ("No preference really.", "I don't mind.",
"Anything is fine.": the profile user's mined `indifferent` answers) and hand the choice back ("up to
you"). "no preference" was read as "no" (the asked genre excluded); "anything is fine" and "whatever
you think" were answered as off topic.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from crs.types import Action
from tests.dialogue.people import cons


def _asked(agent, value: str):  # type: ignore[no-untyped-def]
    """A fresh session whose last turn asked "in the mood for some <value>?"."""
    genre = next(v for v in agent.catalog.schema.get("genres").values if v.lower() == value)
    state = agent.new_session("open-answers")
    return replace(state, turn=1, last_action=Action("ask", f"genres={genre}"), asked=(f"genres={genre}",))


@pytest.mark.parametrize("answer", ["No preference really.", "no preference", "I don't mind.", "Anything is fine.",
                                    "doesnt matter to me", "not sure, no idea", "I'm open to anything",
                                    "No one in particular."])
def test_an_open_answer_wants_and_bans_nothing(agent, answer: str) -> None:  # type: ignore[no-untyped-def]
    state, reply = agent.step(_asked(agent, "drama"), answer)
    assert not [c for c in cons(state) if c[0] == "genres"], (answer, cons(state))
    assert "stick to" not in reply.text, (answer, reply.text)  # not the off-topic answer


@pytest.mark.parametrize("answer", ["whatever you think", "up to you", "you pick"])
def test_handing_the_choice_back_gets_films(agent, answer: str) -> None:  # type: ignore[no-untyped-def]
    state, reply = agent.step(_asked(agent, "drama"), answer)
    assert state.last_action is not None and state.last_action.kind == "recommend", (answer, reply.text)
    assert not cons(state), cons(state)


def test_a_plain_no_still_excludes_the_asked_value(agent) -> None:  # type: ignore[no-untyped-def]
    state, _ = agent.step(_asked(agent, "drama"), "no")
    assert ("genres", "exclude", "drama") in cons(state)
