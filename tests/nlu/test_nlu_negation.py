"""Negation details on real catalog values: "too X" critiques, scope length in unpunctuated chat."""

from __future__ import annotations

import pytest

from crs.types import Constraint, DialogueState


@pytest.fixture(scope="module")
def nlu(redial_nlu_rules):  # type: ignore[no-untyped-def]
    return redial_nlu_rules


@pytest.mark.parametrize(("text", "value"), [
    ("that's a bit too dramatic for me", "drama"),
    ("Lol too thriller hahaha.", "thriller"),
    ("too much action for me", "action"),
    ("this one is way too romantic", "romance"),
])
def test_too_x_excludes_x(nlu, text, value):  # type: ignore[no-untyped-def]
    parsed = nlu.parse(text, DialogueState())
    assert Constraint("genres", "exclude", value) in parsed.add
    assert not any(c.op == "include" and c.value == value for c in parsed.add)


def test_too_after_a_value_is_not_a_negation(nlu):  # type: ignore[no-untyped-def]
    parsed = nlu.parse("I like comedy too, and horror", DialogueState())
    assert {(c.op, c.value) for c in parsed.add} == {("include", "comedy"), ("include", "horror")}


def test_negation_scope_stops_after_a_few_words_without_punctuation(nlu):  # type: ignore[no-untyped-def]
    text = "i don't understand why because it is so good and funny the one with comedy right"
    parsed = nlu.parse(text, DialogueState())
    assert Constraint("genres", "include", "comedy") in parsed.add
    near = nlu.parse("I don't want any horror tonight", DialogueState())
    assert Constraint("genres", "exclude", "horror") in near.add


@pytest.mark.parametrize(("text", "kept", "phrase"), [
    # real seeker messages of the understanding set's tuning half, and the "nothing too silly"
    ("Do you have something that is a thriller but not too scary?", "thriller", "suspenseful but not scary"),
    ("a horror that is not too scary", "horror", "suspenseful but not scary"),
    ("I want a comedy but nothing too silly", "comedy", None),
])
def test_not_too_x_is_a_degree_not_a_ban(nlu, text, kept, phrase):  # type: ignore[no-untyped-def]
    parsed = nlu.parse(text, DialogueState())
    assert Constraint("genres", "include", kept) in parsed.add
    assert not any(c.op == "exclude" for c in parsed.add), parsed.add
    assert phrase is None or phrase in parsed.preferences
    assert not any(m.polarity < 0 and m.kind == "attribute" for m in parsed.mentions)  # less of it, not a dislike


def test_negated_critique_turns_round(nlu, redial_catalog):  # type: ignore[no-untyped-def]
    from crs.nlu.numbers import newest_year

    newest = newest_year(redial_catalog)
    assert newest is not None
    parsed = nlu.parse("I don't like newer movies", DialogueState())
    assert parsed.add == (Constraint("year", "lt", newest - 5),)
    soft = nlu.parse("something not too old", DialogueState())
    assert not any(c.attribute == "year" for c in soft.add) and "recent release" in soft.preferences
    assert Constraint("genres", "exclude", "horror") in nlu.parse("That one is way too scary for me", DialogueState()).add
