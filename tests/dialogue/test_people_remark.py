"""Remarks real ReDial seekers make that are not wishes, through `Agent.step` on both catalogs.

Each message is taken from (or modelled word for word on) a ReDial train seeker message that the agent
misread: a remark about what gets made, viewing time, a trait said of a film, a plain "I watched X",
and a thank-you for a suggestion recorded as someone's review of the film.
"""

from __future__ import annotations

from crs.types import Speaker
from tests.dialogue.people import cons, genre_includes, talk


def test_a_remark_about_what_gets_made_bans_nothing(agent) -> None:  # type: ignore[no-untyped-def]
    """"they dont make too many fantasy movies anymore" banned fantasy."""
    state, _ = talk(agent, "they dont make too many fantasy movies anymore")
    assert not [c for c in cons(state) if c[1] == "exclude"], cons(state)
    state, _ = talk(agent, "there aren't many good westerns")
    assert not [c for c in cons(state) if c[1] == "exclude"], cons(state)
    state, _ = talk(agent, "I don't want fantasy movies")  # the user's own dislike still bans
    assert ("genres", "exclude", "fantasy") in cons(state)


def test_lately_said_of_watching_sets_no_year(agent) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, "what have you seen lately? i like comedies")
    assert genre_includes(state) == {"comedy"}
    assert not [c for c in cons(state) if c[0] == "year"], cons(state)
    state, _ = talk(agent, "I haven't watched anything good lately")
    assert not [c for c in cons(state) if c[0] == "year"], cons(state)
    state, _ = talk(agent, "any good comedies come out lately?")  # release time: a wish for recent films
    assert [c for c in cons(state) if c[0] == "year" and c[1] == "ge"], cons(state)


def test_a_trait_said_of_a_film_is_no_wish(agent) -> None:  # type: ignore[no-untyped-def]
    """"yes but that is a funny one" added comedy; "it was just really long" of a disliked film asked
    for long films. Said of the films wished for, the same words are the wish."""
    state, _ = talk(agent, "recommend a drama", "yes but that is a funny one")
    assert "comedy" not in genre_includes(state)
    state, _ = talk(agent, "I watched Titanic", "i didnt like it, it was just really long")
    assert not [c for c in cons(state) if c[0] == "runtime" and c[1] in ("ge", "gt")], cons(state)
    assert not [p for p in state.preferences if "long" in p and "short" not in p], state.preferences
    state, _ = talk(agent, "what i am looking for is a funny movie")
    assert genre_includes(state) == {"comedy"}


def test_a_plain_i_watched_x_claims_no_agreement(agent) -> None:  # type: ignore[no-untyped-def]
    """The review reader heard a dislike in "I watched Titanic" and quoted viewers who rated it low."""
    _, replies = talk(agent, "I watched Titanic")
    assert "agree with you" not in replies[-1].text, replies[-1].text
    _, replies = talk(agent, "I watched Titanic, it was awful and boring")
    assert replies[-1].text  # a dislike in words may still be echoed: only the silent case is checked


def test_a_thank_you_for_a_suggestion_is_not_a_review(agent) -> None:  # type: ignore[no-untyped-def]
    """"thanks, that looks great" was stored as a chat review of the shown film and quoted to others."""
    state, _ = talk(agent, "recommend a comedy")
    first = state.recommended[0]
    before = [s.text for s in agent.reviews.for_item(first)]
    state, _ = agent.step(state, "thanks, that one looks great")
    state, _ = agent.step(state, "I will have to check that movie out")
    assert [s.text for s in agent.reviews.for_item(first)] == before


def test_despising_is_a_dislike_and_the_latest_one_is_a_film(agent) -> None:  # type: ignore[no-untyped-def]
    """Real ReDial messages: "She's 9 and despises Disney." put "despises Disney" in the query; "I have
    seen the first one, but not the most recent one." asked for films made before the last five years."""
    state, _ = talk(agent, "She's 9 and despises Disney.")
    assert not [p for p in state.preferences if "Disney" in p], state.preferences
    for text in ("I have seen the first one, but not the most recent one.", "I haven't seen the new one yet"):
        state, _ = talk(agent, text)
        assert not [c for c in cons(state) if c[0] == "year"], (text, cons(state))


def test_i_would_not_call_that_a_thriller_is_no_wish_and_no_ban(agent) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, "recommend a drama", "Yes I wouldn't really call that a thriller though")
    assert not [c for c in cons(state) if c[2] == "thriller"], cons(state)
    state, _ = talk(agent, "I wouldn't mind a comedy")
    assert genre_includes(state) == {"comedy"}


def test_a_wimp_who_loves_scary_movies_gets_mild_horror(agent) -> None:  # type: ignore[no-untyped-def]
    """Real ReDial message: "I also love scary movies, but I'm a bit of a wimp, lol." """
    state, _ = talk(agent, "I also love scary movies, but I'm a bit of a wimp, lol.")
    assert genre_includes(state) == {"horror"}
    assert any("not too scary" in p for p in state.preferences), state.preferences


def test_a_list_shows_one_film_per_series_and_no_sequel_of_a_film_passed_over(agent) -> None:  # type: ignore[no-untyped-def]
    """On the default catalog "I loved Inception and Interstellar" showed three Star Wars films in a
    row; after "any good horror films?" (The Silence of the Lambs, The Sixth Sense, Jaws) and a critique
    came Jaws 2 and Jaws 3-D."""
    from crs.dialogue.candidates import series

    state, _ = talk(agent, "I loved Inception and Interstellar", "something a bit lighter maybe", "not a kids movie though")
    lists = [state.recommended[i:i + 3] for i in range(0, len(state.recommended), 3)]
    for films in lists:
        keys = [series(agent.catalog.item(i).title) for i in films]
        assert len(set(keys)) == len(keys), [agent.catalog.item(i).title for i in films]
    state, _ = talk(agent, "any good horror films?", "show me some", "too gory, something more psychological")
    first = {series(agent.catalog.item(i).title) for i in state.recommended[:3]}
    later = [series(agent.catalog.item(i).title) for i in state.recommended[3:]]
    assert not first & set(later), [agent.catalog.item(i).title for i in state.recommended]


def test_a_named_decade_beats_a_vague_classic(agent) -> None:  # type: ignore[no-untyped-def]
    """Tuning-half message: "classic" added year < 1980 beside the 1920s the user named."""
    state, _ = talk(agent, "Classic or historical settings of the 1920s")
    years = [c for c in state.constraints if c.attribute == "year"]
    assert not [c for c in years if c.op in ("lt", "le") and float(c.value) >= 1930], years


def test_a_person_praised_in_passing_is_no_wish_unless_their_films_are_asked_for(agent) -> None:  # type: ignore[no-untyped-def]
    """Tuning-half messages: "Zac Efron is so cute! I think I'll check it out." and "Macaulay Culkin is
    great in those" asked for the actor's films."""
    if "stars" not in agent.catalog.schema:  # the default catalog has no cast: names are text there
        return
    state, _ = talk(agent, "recommend a comedy", "Zac Efron is so cute! I think I'll check it out.")
    assert not [c for c in cons(state) if c[0] == "stars"], cons(state)
    state, _ = talk(agent, "Tom Hanks is great, anything with him?")
    assert ("stars", "include", "tom hanks") in cons(state)


def test_the_last_ten_years_is_a_year_range(agent) -> None:  # type: ignore[no-untyped-def]
    """Real ReDial message: "anything horror from the last 10 years" set no year range."""
    from crs.nlu.numbers import newest_year

    newest = newest_year(agent.catalog)
    state, _ = talk(agent, "anything horror from the last 10 years")
    assert ("year", "ge", str(newest - 10)) in cons(state), cons(state)
    state, _ = talk(agent, "a comedy from the past few years")
    assert ("year", "ge", str(newest - 3)) in cons(state), cons(state)


def test_i_found_what_i_want_closes_the_conversation(agent) -> None:  # type: ignore[no-untyped-def]
    """Real ReDial seeker: "No, i think i found what i want to watch" got three more films."""
    state, _ = talk(agent, "recommend a comedy")
    state, reply = agent.step(state, "No, i think i found what i want to watch")
    assert reply.action == "wait" and ("next time" in reply.text or "come back" in reply.text), reply.text


def test_old_and_new_films_both_welcome_set_no_era(agent) -> None:  # type: ignore[no-untyped-def]
    """"I like classics, but I will also watch new films" filtered to films before 1980, "I like old
    movies but newer ones are fine too" to films since 2013. One era rejected still sets the other."""
    def years(*messages: str) -> set[tuple[str, str, str]]:
        state, _ = talk(agent, *messages)
        return {c for c in cons(state) if c[0] == "year"}

    assert not years("I like classics, but I will also watch new films")
    assert not years("I like old movies but newer ones are fine too")
    assert not years("classics or new ones, either is fine")
    assert not years("something recent, though I don't mind older films")
    assert {c[1] for c in years("I don't like old movies, I like new ones")} == {"ge"}
    assert {c[1] for c in years("something recent please")} == {"ge"}


def test_a_message_in_capitals_names_no_film_by_its_capitals(agent) -> None:  # type: ignore[no-untyped-def]
    """"I WAS HOPING YOU COULD HELP SUGGEST A FEW GOOD FAMILY MOVIES" linked "Help!" and "Family" as films
    the user liked (their capitals) and lost the family wish; a cue still names a film in capitals."""
    state, _ = talk(agent, "I WAS HOPING YOU COULD HELP SUGGEST A FEW GOOD FAMILY MOVIES.")
    assert not [m for m in state.mentions if m.kind == "item" and m.speaker is Speaker.USER], state.mentions
    assert "family" in genre_includes(state) or "children" in genre_includes(state), cons(state)
    state, _ = talk(agent, "I NEED A GOOD COMEDY LIKE SUPERBAD")
    assert [agent.catalog.item(m.entity).title for m in state.mentions
            if m.kind == "item" and m.speaker is Speaker.USER] == ["Superbad"]


def test_ah_is_no_hour(agent) -> None:  # type: ignore[no-untyped-def]
    """"Ah! Yes I saw that on cable last night" read "Ah" as "a h(our)": a wish for films under 60 minutes."""
    state, _ = talk(agent, "Ah! Yes I saw that on cable last night")
    assert not [p for p in state.preferences if "minutes" in p], state.preferences
    assert not [c for c in cons(state) if c[0] == "runtime"], cons(state)


def test_a_person_said_of_a_film_is_no_wish(redial_agent) -> None:  # type: ignore[no-untyped-def]
    """"I think The Green Mile (1999) is based on a Stephen King novel, right?" asked for films directed
    by Stephen King: a fact about a film (and a writer's role) is no wish. Asked for, the same words are."""
    people = {c for c in cons(talk(redial_agent, "I think The Green Mile (1999) is based on a Stephen King novel, right?")[0])
              if c[0] in ("director", "writers", "stars")}
    assert not people, people
    state, _ = talk(redial_agent, "that was directed by Steven Spielberg")
    assert not [c for c in cons(state) if c[0] == "director"], cons(state)
    state, _ = talk(redial_agent, "Oh yeah! It's been awhile since I saw that, but I do remember liking it. It had Robin Williams, I believe.")
    assert not [c for c in cons(state) if c[0] == "stars"], cons(state)
    state, _ = talk(redial_agent, "I will look into that movie with Tom Hanks")
    assert not [c for c in cons(state) if c[0] == "stars"], cons(state)
    state, _ = talk(redial_agent, "something that stars Robin Williams")
    assert ("stars", "include", "robin williams") in cons(state), cons(state)
    state, _ = talk(redial_agent, "I want something based on a book by Stephen King")
    assert ("writers", "include", "stephen king") in cons(state), cons(state)
    state, _ = talk(redial_agent, "I loved Jaws. It was by Steven Spielberg and I love his movies")
    assert ("director", "include", "steven spielberg") in cons(state), cons(state)


def test_not_said_of_a_film_bans_nothing_and_said_of_the_wish_bans(agent) -> None:  # type: ignore[no-untyped-def]
    """"the movie is not scary but gruesome" banned horror; "movies that aren't scary" added horror."""
    def horror(*messages: str) -> set[str]:
        state, _ = talk(agent, *messages)
        return {op for a, op, v in cons(state) if a == "genres" and v == "horror"}

    assert not horror("recommend a thriller", "the movie is not scary but gruesome")
    assert not horror("recommend a thriller", "it isn't scary")
    assert horror("movies that aren't scary") == {"exclude"}
    assert horror("I want a movie that is not scary") == {"exclude"}
    assert horror("something that's not scary") == {"exclude"}


def test_my_family_and_i_are_people_and_a_kid_movie_is_for_children(agent) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, "my family and I love action movies")
    assert genre_includes(state) == {"action"}, cons(state)
    state, _ = talk(agent, "do you want to help me find a fun kid movie")
    assert genre_includes(state) & {"children", "family"}, cons(state)


def test_a_question_about_the_films_after_a_seen_answer_is_no_wish(agent) -> None:  # type: ignore[no-untyped-def]
    """"No I haven't seen either.  Are they horror films?" added horror to the wishes."""
    state, replies = talk(agent, "I want a thriller", "just recommend something",
                          "No I haven't seen either.  Are they horror films?")
    assert genre_includes(state) == {"thriller"}, cons(state)
    assert replies[-1].action == "answer"
    state, _ = talk(agent, "I want a thriller", "no. I want horror films")  # a wish after "no" still is one
    assert "horror" in genre_includes(state)


def test_you_are_welcome_closes_the_conversation(agent) -> None:  # type: ignore[no-untyped-def]
    state, replies = talk(agent, "I want a thriller", "You are welcome! thanks so much!")
    assert not replies[-1].cards and state.last_action is not None and state.last_action.kind == "wait"


def test_a_farewell_closes_whatever_else_the_message_says(agent) -> None:  # type: ignore[no-untyped-def]
    """"loved that one, thanks for the recommendations.  have a great day" (read as "seen") and "... I will
    look into that movie with Tom Hanks. Thank you, and goodnight" (a new wish) got three more films."""
    for last in ("loved that one, thanks for the recommendations.  have a great day",
                 ("No, thank you for your suggestion though. I will look into that movie with Tom Hanks. "
                  "Thank you, and goodnight"), "seen it, bye"):
        state, replies = talk(agent, "I want a comedy", "just recommend something", last)
        assert not replies[-1].cards and state.last_action is not None and state.last_action.kind == "wait", last
    state, replies = talk(agent, "I want a comedy", "have a good day. any more?")  # asks for more
    assert state.last_action is not None and state.last_action.kind != "wait"


def test_a_question_about_the_bots_taste_is_no_wish(agent) -> None:  # type: ignore[no-untyped-def]
    """"Do you only like SciFi? I will check out that one ..." (a ReDial train seeker message) asked
    for sci-fi; "I like SciFi, do you?" still does."""
    state, _ = talk(agent, "Do you only like SciFi? I will check out that one")
    assert not genre_includes(state), cons(state)
    state, _ = talk(agent, "I like SciFi, do you?")
    assert genre_includes(state) & {"sci-fi", "science fiction"}, cons(state)


def test_the_person_one_names_a_film(redial_agent) -> None:  # type: ignore[no-untyped-def]
    """"no I haven't been meaning to see it. that's the Mel Gibson directed one?" asked for his films."""
    state, _ = talk(redial_agent, "no I haven't been meaning to see it. that's the Mel Gibson directed one?")
    assert not [c for c in cons(state) if c[0] in ("stars", "director")], cons(state)
    state, _ = talk(redial_agent, "I want a Mel Gibson movie")
    assert [c for c in cons(state) if c[2] == "mel gibson" and c[1] == "include"], cons(state)
