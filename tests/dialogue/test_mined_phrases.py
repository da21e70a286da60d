"""Phrases mined from tune-side ReDial seeker messages (conversations the understanding labels put
on the tune side; never the test half), through `Agent.step` on both catalogs: years ("I am looking
for recommendations for older 80's Comedies", "a bit more recent, from the 90s up till now", "more
recent comedies like the last 3 years or so"), "I'd rather not have animated film", and a film that
fell short of a hope ("not as scary as I hoped": more of it, not less).

A named decade or a number beats a vague comparative said with it: the tracker applies the
critique's bounds as well as the message's, so a comparative the number supersedes must leave the
critique too (else "older 80's comedies" asked for the 80s *and* before 1980: nothing).
"""

from __future__ import annotations

from crs.nlu.numbers import newest_year
from crs.types import Speaker
from tests.dialogue.people import cons, genre_includes, genres_of, shown, talk


def _year_range(state) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(lowest, highest) year the state's constraints allow (decades as their ten years)."""
    lo, hi = float("-inf"), float("inf")
    for a, op, v in cons(state):
        if a == "decade" and op == "include":
            lo, hi = max(lo, float(v[:4])), min(hi, float(v[:4]) + 9)
        elif a == "year" and op in ("ge", "gt"):
            lo = max(lo, float(v) + (op == "gt"))
        elif a == "year" and op in ("le", "lt"):
            hi = min(hi, float(v) - (op == "lt"))
    return lo, hi


def test_older_80s_comedies_are_the_80s_not_nothing(agent) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, "I am looking for recommendations for older 80's Comedies")
    assert "comedy" in genre_includes(state)  # "80's comedies": the "'s" of a decade is no verb
    assert _year_range(state) == (1980, 1989)
    state, replies = talk(agent, "I am looking for recommendations for older 80's Comedies", "just show me a few")
    items = shown(agent, state)
    assert items, replies[-1].text
    assert all(it.year and 1980 <= it.year <= 1989 and "comedy" in {g.lower() for g in it.values("genres")} for it in items)


def test_from_the_90s_up_till_now_is_a_lower_bound(agent) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, "a comedy please", "Maybe a movie that is a bit more recent, from the 90s up till now")
    assert _year_range(state) == (1990, float("inf"))
    assert not any(a == "decade" for a, _, _ in cons(state))
    assert all(it.year and it.year >= 1990 for it in shown(agent, state))
    state, _ = talk(agent, "any thrillers since the 80s?")
    assert _year_range(state) == (1980, float("inf")) and "thriller" in genre_includes(state)


def test_the_last_3_years_beats_recent(agent) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, "Yes how about some more recent comedies like the last 3 years or so.")
    newest = newest_year(agent.catalog)
    assert newest is not None
    assert [c for c in state.constraints if c.attribute == "year"] and _year_range(state) == (newest - 3, float("inf"))
    assert len([c for c in state.constraints if c.attribute == "year"]) == 1


def test_rather_not_have_bans_the_genre(agent) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, "I'd rather not have animated film", "just show me something")
    assert {("genres", "exclude", "animation")} <= cons(state)
    items = shown(agent, state)
    assert items and not any("animation" in genres_of(it) for it in items)


def test_not_as_scary_as_i_hoped_asks_for_more(agent) -> None:  # type: ignore[no-untyped-def]
    state, _ = talk(agent, "recommend a thriller", "it wasn't as scary as I expected")
    assert "horror" in genre_includes(state)
    assert not any(a == "genres" and op == "exclude" for a, op, _ in cons(state))
    state, _ = talk(agent, "recommend a thriller", "something less scary")  # the plain comparative still means less
    assert ("genres", "exclude", "horror") in cons(state)


def test_the_last_one_capitalised_is_the_last_film_shown(agent) -> None:  # type: ignore[no-untyped-def]
    """"The Last one was good": a position, not a misspelt title ("The Last Song" was fuzzy-linked from
    the capitalised run "The Last on", cut inside "one")."""
    for text, pos in (("The Last one was good", -1), ("The First one sounds great", 0)):
        state, _ = talk(agent, "recommend a comedy")
        target = state.last_action.items[pos]
        state, reply = agent.step(state, text)
        liked = [m.entity for m in state.mentions if m.kind == "item" and m.polarity > 0]
        assert set(liked) == {target}, (text, reply.text)
        assert "Did you mean" not in reply.text


def test_a_kind_of_film_and_a_verb_are_no_titles(agent) -> None:  # type: ignore[no-untyped-def]
    """"I am looking for a Vampire movie" linked Vampire (2011) as a liked film; "i LOVED @X" and
    "Maybe even like @X Loved those" linked Loved (1997)."""
    state, _ = talk(agent, "Hey I am looking for a Vampire movie.")
    assert not [m for m in state.mentions if m.kind == "item" and m.speaker is Speaker.USER]
    for text in ("Maybe even something like Inception Loved that one",  # ... and "Yes" run on without a stop:
                 "One of my all time favorite movies is Inception Yes I have seen that one it was ok"):  # Yes (2004)
        state, _ = talk(agent, text)
        named = {agent.catalog.item(m.entity).title for m in state.mentions if m.kind == "item" and m.speaker is Speaker.USER}
        assert named == {"Inception"}, text


def test_not_heard_of_it_is_no_stance(agent) -> None:  # type: ignore[no-untyped-def]
    for reply in ("oh really i havent heard of that one", "I haven't even heard of that one before.",
                  "did not see that one"):
        state, _ = talk(agent, "recommend a comedy")
        top = state.last_action.items[0]
        state, _ = agent.step(state, reply)
        stance = [m.polarity for m in state.mentions if m.kind == "item" and m.entity == top and m.speaker is Speaker.USER]
        assert stance and set(stance) == {0}, (reply, stance)
        assert top not in state.rejected and top not in state.accepted


def test_not_too_long_ago_is_when_not_a_runtime(agent) -> None:  # type: ignore[no-untyped-def]
    """"yes ive watched that one not too long ago" (a real seeker message, from the profile user's
    transcripts on the default catalog) set runtime < 140; "a long time ago" runtime ≥ 140."""
    for reply in ("yes ive watched that one not too long ago", "I watched that a long time ago",
                  "it's been so long since I've seen it"):
        state, _ = talk(agent, "recommend an action movie", reply)
        assert not [c for c in state.constraints if c.attribute == "runtime"], reply
        assert not any("short film" in p or "long epic" in p for p in state.preferences), reply
    state, _ = talk(agent, "recommend an action movie", "nothing too long please")  # a length still is one
    assert ("runtime" in agent.catalog.schema) == any(c.attribute == "runtime" for c in state.constraints)


def test_remarks_from_the_profile_transcripts_are_no_bans(agent) -> None:  # type: ignore[no-untyped-def]
    """Real seeker messages the profile user said on the default catalog: "anything but I really
    like sci-fi" banned sci-fi ("anything but" before a pronoun is a conjunction); "is it a horror?"
    asked for horror (a question about the film on the table); "I wore that movie out growing up!
    It was very scary!" banned horror ("so" / "very scary" said of a film is no complaint; "too
    scary" still is)."""
    state, _ = talk(agent, "I am open to anything but I really like sci-fi")
    assert ("genres", "include", "sci-fi") in cons(state) and not any(op == "exclude" for _, op, _ in cons(state))
    state, _ = talk(agent, "recommend a thriller", "is it a horror?")
    assert genre_includes(state) == {"thriller"}
    for praise, banned in (("I think I wore that movie out growing up! It was very scary!", False),
                           ("that one was too scary for me", True)):
        state, _ = talk(agent, "recommend a thriller", praise)
        assert (("genres", "exclude", "horror") in cons(state)) is banned, praise


def test_a_film_described_as_more_action_is_no_wish(agent) -> None:  # type: ignore[no-untyped-def]
    """"I love @X and @Y , @Z is more action" (tune side) asked for action films; "something with more
    action" still does."""
    state, _ = talk(agent, "I love Titanic and Inception , Gladiator is more action")
    assert "action" not in genre_includes(state)
    state, _ = talk(agent, "recommend a drama", "something with more action please")
    assert "action" in genre_includes(state)
