"""First-person openings are not titles: "I'm in the mood for ..." asked "Did you mean “I'm Not
There (2007)”?" on the default catalog (the capitalised "I'm" began a run the fuzzy title matcher
read as a misspelt title). Contractions of pronouns and auxiliaries are common words."""

from __future__ import annotations

import pytest

from tests.dialogue.people import genre_includes, talk


@pytest.mark.parametrize("text", ["I'm in the mood for a romantic comedy from the 90s",
                                  "I'd like a comedy", "I've got time for a long drama tonight",
                                  "I'll take a comedy", "Im in the mood for a comedy"])
def test_a_first_person_opening_is_no_title(agent, text) -> None:  # type: ignore[no-untyped-def]
    state, replies = talk(agent, text)
    assert "Did you mean" not in replies[-1].text, replies[-1].text
    assert genre_includes(state), replies[-1].text


def test_a_misspelt_title_still_gets_suggestions(agent) -> None:  # type: ignore[no-untyped-def]
    _, replies = talk(agent, "I loved Jurrasic Prak")
    assert "Jurassic Park" in replies[-1].text


@pytest.mark.parametrize("follow_up", ["the second one sounds good, tell me more", "sounds good, tell me more",
                                       "that one looks interesting, can you tell me more?",
                                       "the second one looks fun, more info please"])
def test_tell_me_more_describes_the_film_instead_of_closing(agent, follow_up) -> None:  # type: ignore[no-untyped-def]
    """"The second one sounds good, tell me more" answered "Awesome, I hope you love it!" and moved on:
    asking for more about a film is a question about it, answered first, even beside a kind word."""
    state = agent.new_session("tell-me-more")
    for text in ("a comedy please", "just show me a few"):
        state, _ = agent.step(state, text)
    shown = list(state.last_action.items)
    assert len(shown) >= 2
    state, reply = agent.step(state, follow_up)
    which = shown[1] if "second" in follow_up else shown[0]
    text = reply.text
    assert text.startswith(f"Here's what I know about **{agent.catalog.item(which).display}**"), text
    assert "hope you love" not in text.lower(), text
    assert which not in state.rejected


@pytest.mark.parametrize("text", ["One of my favorites is Toy Story, anything like it?",
                                  "Anything a bit more indie or older you can recommend?",
                                  "Hello Do you have any great movies to recommend?",
                                  "Merry Christmas, any good musicals?",
                                  "Something a bit more recent maybe?",
                                  "Wanted to see that one too. Any comedies?"])
def test_sentence_openers_ask_no_did_you_mean(agent, text) -> None:  # type: ignore[no-untyped-def]
    """Found in tune-side ReDial seeker messages: "One of my favorites" asked "Did you mean One of Us
    (1989)?", "Anything a bit more ..." *Anything Else*, "Hello Do you ..." *Hello, Dolly!*, "Merry
    Christmas" *Arthur Christmas*: a capitalised run of function words, greetings and indefinite
    pronouns is no misspelt title."""
    _, replies = talk(agent, text)
    assert "Did you mean" not in replies[-1].text, replies[-1].text


def _named(agent, state) -> list[str]:  # type: ignore[no-untyped-def]
    """Titles of the films the user mentioned that the agent never showed."""
    shown = set(state.recommended) | set(state.rejected)
    return [agent.catalog.item(m.entity).title for m in state.mentions
            if m.kind == "item" and m.speaker.value == "user" and m.entity in agent.catalog and m.entity not in shown]


@pytest.mark.parametrize("text", ["Anything else you can think of?", "anything else?", "Something new maybe?",
                                  "I HAVEN'T SEEN IT BUT WOULD LIKE TO. any comedies?",
                                  "I like the actors in that one :D any action movies?",
                                  "I loved the story of that one, lol",
                                  "I haven't seen the other two, any more comedies?"])
def test_request_words_and_emoticons_name_no_film(agent, text) -> None:  # type: ignore[no-untyped-def]
    """Found in tune-side ReDial seeker messages: "Anything else you can think of?" was the film
    *Anything Else* (2003), liked ("If you enjoyed Anything Else ..."); ":D" *D* (2005); "SEEN IT BUT
    WOULD LIKE TO" *It* and *To*; "the actors" *The Actors*; "LOL" *LOL*; "the other two" *The Other*."""
    state = agent.new_session("no-film")
    for t in ("a comedy please", "just show me a few", text):
        state, reply = agent.step(state, t)
    assert _named(agent, state) == [], (_named(agent, state), reply.text)
    assert "If you enjoyed" not in reply.text or "that one" in text, reply.text


def test_a_longer_title_inside_a_match_wins(agent) -> None:  # type: ignore[no-untyped-def]
    """"The Star Wars movies never go out of style" linked *The Star* (2017): a title starting inside
    the match that reaches further is the one meant."""
    state, _ = talk(agent, "The Star Wars movies never go out of style. Any sci-fi like that?")
    titles = [agent.catalog.item(m.entity).title for m in state.mentions if m.kind == "item" and m.entity in agent.catalog]
    assert titles and all("Star Wars" in t for t in titles), titles


@pytest.mark.parametrize("text", ["That is perfect. Happy Holidays.", "Thanks, Happy Halloween!"])
def test_season_greetings_name_no_film(agent, text) -> None:  # type: ignore[no-untyped-def]
    """"Happy Holidays." linked *Holidays* (2016) (tune-side ReDial seeker message)."""
    state, _ = talk(agent, "a comedy please", text)
    assert _named(agent, state) == []


@pytest.mark.parametrize("follow_up", ["Great options, you name one more?", "you got one more",
                                       "I will have to check it out! lay one more on me",
                                       "Could you recommend one more?"])
def test_one_more_shows_another_film(agent, follow_up) -> None:  # type: ignore[no-untyped-def]
    """Tune-side ReDial seekers ask for "one more" ("lay one more on me", "you got one more"): it was
    read as an accept ("Great choice! Enjoy …") or as off topic ("I can't help much with that")."""
    state = agent.new_session("one-more")
    for text in ("a comedy please", "just show me a few"):
        state, _ = agent.step(state, text)
    before = set(state.recommended)
    state, reply = agent.step(state, follow_up)
    assert state.last_action is not None and state.last_action.kind == "recommend", reply.text
    assert set(state.last_action.items) - before, reply.text
    assert "I can't help" not in reply.text and "hope you love" not in reply.text, reply.text


@pytest.mark.parametrize("text", ["I liked the first one more than the second", "I liked the first one more"])
def test_liking_one_more_than_another_is_no_request(agent, text) -> None:  # type: ignore[no-untyped-def]
    state = agent.new_session("one-more-than")
    for opening in ("a comedy please", "just show me a few"):
        state, _ = agent.step(state, opening)
    before = set(state.recommended)
    state, reply = agent.step(state, text)
    assert state.last_action is not None and set(state.last_action.items) <= before, reply.text  # a stance, no request


@pytest.mark.parametrize("text", ["How are you today?", "I'm doing good, you?", "Happy New Year!",
                                  "Great and yourself?", "how's it going"])
def test_small_talk_is_answered_in_kind(agent, text) -> None:  # type: ignore[no-untyped-def]
    """Tune-side ReDial seekers open with small talk; "How are you today?" got "I can't help much with
    that, but I know a lot about movies!" (off topic)."""
    _, replies = talk(agent, "hi", text)
    reply = replies[-1].text
    assert "can't help" not in reply and "stick to that" not in reply, reply
    assert reply.startswith(("I'm doing well", "All good here")), reply


def test_fire_away_asks_for_films(agent) -> None:  # type: ignore[no-untyped-def]
    state, replies = talk(agent, "a comedy please", "alrighty fire away")
    assert state.last_action is not None and state.last_action.kind == "recommend", replies[-1].text
