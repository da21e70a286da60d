"""Thanks and "any others?" after a recommendation, through `Agent.step` on both catalogs.

From a dev dialogue replayed through the agent: "you have, thank you" (to "i hope i have helped you
today") got "I can't help much with that" and was stored as a review of the shown film, quoted to the
next user as "Another user here said: “you have, thank you”"; "Any others that you like?" got a
question instead of films.
"""

from __future__ import annotations

from crs.reviews import is_opinion
from tests.dialogue.people import shown, talk


def test_thanks_is_neither_off_topic_nor_a_review(agent) -> None:  # type: ignore[no-untyped-def]
    state, replies = talk(agent, "recommend a comedy", "you have, thank you")
    film = state.recommended[0]
    assert "stick to" not in replies[-1].text and "can't help" not in replies[-1].text, replies[-1].text
    assert "you have, thank you" not in agent.reviews.texts(), film
    assert not is_opinion("thank you so much for the suggestions")
    assert is_opinion("Thanks, I loved that movie, the acting was great")


def test_any_others_asks_for_films(agent) -> None:  # type: ignore[no-untyped-def]
    for follow in ("Any others that you like?", "any more suggestions?"):
        state, replies = talk(agent, "recommend a comedy", follow)
        assert len(state.recommended) == 6 and shown(agent, state), (follow, replies[-1].text)
