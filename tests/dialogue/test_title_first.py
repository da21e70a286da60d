"""A film named first in a sentence ("Inception was amazing", "Gladiator was great, anything
similar?"), through `Agent.step` on both catalogs: a capitalised one-word title at a sentence start
is linked before a verb, unless the word is a genre ("Action is my favorite genre"), a pronoun or
time word ("Nothing was good", "Yesterday was fun") or a known surname. Before, every one-word title
at a sentence start was left unlinked.
"""

from __future__ import annotations

import pytest

from crs.types import Speaker
from tests.dialogue.people import genre_includes, talk


@pytest.mark.parametrize("text,title", [("Inception was amazing", "Inception"),
                                        ("Gladiator was great, anything similar?", "Gladiator"),
                                        ("Titanic is my favorite movie", "Titanic")])
def test_a_title_starting_a_sentence_is_a_liked_film(agent, text, title) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, text)
    liked = {agent.catalog.item(m.entity).title for m in state.mentions if m.kind == "item" and m.polarity > 0}
    assert title in liked
    named = {m.entity for m in state.mentions if m.kind == "item" and m.speaker is Speaker.USER}
    assert not state.last_action or not set(state.last_action.items) & named  # never recommended back


@pytest.mark.parametrize("text", ["Nothing was good lately", "Yesterday was fun", "Sounds good", "It was great"])
def test_sentence_words_are_no_titles(agent, text) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, text)
    assert not [m for m in state.mentions if m.kind == "item" and m.polarity != 0]


def test_a_genre_starting_a_sentence_stays_a_genre(agent) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, "Action is my favorite genre")
    assert genre_includes(state) == {"action"}
    assert not [m for m in state.mentions if m.kind == "item" and m.speaker is Speaker.USER]
