"""Real seekers' typos, fallback clauses and writers, through `Agent.step` on both catalogs.

The messages are verbatim ReDial train seeker messages ("hi i love romace", "what other comdey
movie", "how about some funnt kid movies") or the words of one ("scify"); each asked for nothing
before `crs.nlu.spelling` mended the typo.
"""

from __future__ import annotations

import pytest

from crs.nlu.spelling import Speller
from tests.dialogue.people import cons, genre_includes, talk

_SCI_FI = {"sci-fi", "science fiction"}


@pytest.mark.parametrize(("message", "genre"), [("hi i love romace", "romance"),
                                                 ("yes thats a good one. what other comdey movie", "comedy"),
                                                 ("how about some funnt kid movies", "comedy"),
                                                 ("those sound interesting recommend any good scify movies?", "sci-fi"),
                                                 ("I like romantics and comedies.", "romance")])
def test_a_typo_of_a_genre_word_still_names_the_genre(agent, message: str, genre: str) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, message)
    got = genre_includes(state)
    assert (got & _SCI_FI) if genre == "sci-fi" else genre in got, (message, cons(state))


def test_names_and_real_words_are_not_typos(agent) -> None:  # type: ignore[no-untyped-def]
    speller = agent.nlu.speller
    for text in ("I love Kevin Spacey movies", "Amazon prime has good stuff", "I saw the previews", "a classier film"):
        assert speller.fix(text) == text
    assert speller.fix("is there a sequal?") == "is there a sequel?"  # not "sexual", one edit away too


def test_the_speller_without_a_vocabulary_changes_nothing() -> None:
    assert Speller([], []).fix("comdey") == "comdey"


def test_a_fallback_clause_bans_nothing(agent) -> None:  # type: ignore[no-untyped-def]
    """"If not horror, any good comedies?" banned horror."""
    state, _ = talk(agent, "If not horror, any good comedies?")
    assert genre_includes(state) == {"comedy"} and not [c for c in cons(state) if c[1] == "exclude"], cons(state)
    state, _ = talk(agent, "no horror please, comedies")  # a real ban still bans
    assert ("genres", "exclude", "horror") in cons(state)


def test_love_stories_are_romance(agent) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, "I like history, and sometimes love stories.")
    assert "romance" in genre_includes(state), cons(state)


def test_a_writer_who_directed_once_is_a_writer(redial_agent) -> None:  # type: ignore[no-untyped-def]
    """"I want a Stephen King movie" asked for films he directed (one: Maximum Overdrive)."""
    state, _ = talk(redial_agent, "I want a Stephen King movie")
    assert ("writers", "include", "stephen king") in cons(state), cons(state)
    state, _ = talk(redial_agent, "I want a Christopher Nolan movie")  # a writer-director is a director first
    assert ("director", "include", "christopher nolan") in cons(state), cons(state)


def test_a_pronoun_starting_an_unpunctuated_sentence_is_no_title(redial_agent) -> None:  # type: ignore[no-untyped-def]
    """A verbatim ReDial train seeker message: "It is famous" linked the film It (1990)."""
    state, _ = talk(redial_agent, "I know of that one but have never seen it It is famous and very popular. Thanks!")
    assert not [m for m in state.mentions if m.kind == "item" and m.speaker.name == "USER"], state.mentions
    state, _ = talk(redial_agent, "Have you seen It? I watched Her last night")  # titles without a verb after
    named = {redial_agent.catalog.item(m.entity).title for m in state.mentions if m.kind == "item"}
    assert {"It", "Her"} <= named, named


def test_a_title_with_its_year_starts_a_message(redial_agent) -> None:  # type: ignore[no-untyped-def]
    """"Avatar (2009) is sci fantasy if you ask me." (a ReDial train seeker message, @id written as the
    title and year) linked no film: a one-word title at a sentence start was never linked."""
    state, _ = talk(redial_agent, "Avatar (2009) is sci fantasy if you ask me.")
    named = {redial_agent.catalog.item(m.entity).display for m in state.mentions if m.kind == "item"}
    assert "Avatar (2009)" in named, named
