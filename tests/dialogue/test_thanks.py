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


def test_film_talk_is_never_off_topic(agent) -> None:  # type: ignore[no-untyped-def]
    """"No i havent seen any of the movies" (a dev seeker, answering the human recommender's list)
    got "I can't help much with that"."""
    _, replies = talk(agent, "I love comedy", "No i havent seen any of the movies")
    assert "can't help" not in replies[-1].text and "stick to" not in replies[-1].text, replies[-1].text


def test_a_films_year_is_no_wish_for_that_era(redial_agent) -> None:  # type: ignore[no-untyped-def]
    """"Lethal Weapon (1987) is definitely a classic movie!" filtered to films before 1980: the year in
    parentheses is the film's, so "classic" stayed a year range."""
    state, _ = talk(redial_agent, "I enjoy comedy and action movies!", "Lethal Weapon (1987) is definitely a classic movie!")
    assert not [c for c in state.constraints if c.attribute == "year"], state.constraints


def test_a_person_is_not_a_title_alias(redial_agent) -> None:  # type: ignore[no-untyped-def]
    """"I like Jackie Chan" linked the documentary "Jackie Chan: My Stunts" (the part before its colon)."""
    state, _ = talk(redial_agent, "I have seen it many many times haha. I like Jackie Chan.")
    assert ("stars", "include", "Jackie Chan") in {(c.attribute, c.op, c.value) for c in state.constraints}, state.constraints
    assert not [m for m in state.mentions if m.kind == "item" and "Jackie Chan" in redial_agent.catalog.item(m.entity).title]


def test_a_stance_on_another_film_is_not_on_the_shown_one(redial_agent) -> None:  # type: ignore[no-untyped-def]
    """"Yes i good It  (2017) is*" (a dev seeker, about the film the human recommender named; here with
    a film the agent did not show) was read as taking the agent's top film ("Great choice! Enjoy Scream
    (1996)"); "that one" still points at the table."""
    state, _ = talk(redial_agent, "recommend a horror movie", "Yes i good Titanic  (1997) is*")
    top = state.recommended[0]
    assert top not in state.accepted and top not in state.rejected, (top, state.accepted)
    state, _ = talk(redial_agent, "recommend a horror movie", "I loved that one, and Titanic too")
    assert state.recommended[0] in state.accepted, state.accepted


def test_a_remark_on_a_shown_film_is_not_off_topic(agent) -> None:  # type: ignore[no-untyped-def]
    """"oh wow I've never heard of that" (the profile user, after a recommendation) got "I'm best at
    talking about movies, so let's stick to that"."""
    _, replies = talk(agent, "recommend a comedy", "oh wow I've never heard of that")
    assert "stick to" not in replies[-1].text and "can't help" not in replies[-1].text, replies[-1].text


def test_a_title_longer_than_eight_words_is_linked_whole(redial_agent) -> None:  # type: ignore[no-untyped-def]
    """"… an old The Lord of the Rings: The Fellowship of the Ring (2001) nerd …" linked The Lord of the
    Rings (1978): titles were matched up to eight words."""
    state, _ = talk(redial_agent, "Do you have any movies an old The Lord of the Rings: The Fellowship of the Ring (2001) "
                                  "nerd would like?")
    named = {redial_agent.catalog.item(m.entity).display for m in state.mentions if m.kind == "item" and m.polarity > 0}
    assert "The Lord of the Rings: The Fellowship of the Ring (2001)" in named, named


def test_a_first_name_is_not_a_one_word_title(agent) -> None:  # type: ignore[no-untyped-def]
    """"is that the one with Emma Stone?" (the profile user) was answered about the film Emma (1996);
    "I loved Jaws Titanic too" still names two films."""
    state, _ = talk(agent, "is that the one with Emma Stone? I think so")
    assert not [m for m in state.mentions if m.kind == "item" and agent.catalog.item(m.entity).title == "Emma"]
    state, _ = talk(agent, "I loved Jaws Titanic too")
    titles = {agent.catalog.item(m.entity).title for m in state.mentions if m.kind == "item" and m.polarity > 0}
    assert {"Jaws", "Titanic"} <= titles, titles
