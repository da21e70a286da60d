"""Parser units for how people talk: numbers by what they measure, content words, title aliases,
references to shown films (rule NLU on the default catalog; the whole turn is tested in
tests/dialogue/test_people_talk.py)."""

from __future__ import annotations

import pytest

from crs.nlu.content import compile_content, read_content
from crs.nlu.entities import title_aliases
from crs.nlu.numbers import newest_year, read_numbers
from crs.nlu.references import find_references
from crs.nlu.text import ScopeFinder
from crs.types import Action, Constraint, DialogueState, Mention, Speaker


def _scopes(nlu, text):  # type: ignore[no-untyped-def]
    return nlu.scopes.scopes(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("my 8 year old wants something", {Constraint("genres", "include", "Children"), Constraint("mpaa", "exclude", "PG-13"),
                                       Constraint("mpaa", "exclude", "R"), Constraint("mpaa", "exclude", "NC-17")}),
    ("for a 15-year-old", {Constraint("mpaa", "exclude", "R"), Constraint("mpaa", "exclude", "NC-17")}),
    ("I only have about an hour and a half", {Constraint("runtime", "le", 95)}),
    ("under 2 hours please", {Constraint("runtime", "le", 120)}),
    ("shorter please, I don't have 3 hours", {Constraint("runtime", "le", 180)}),  # a time budget, not "over 3 hours"
    ("at least 2 hours long", {Constraint("runtime", "ge", 120)}),
    ("a 90 minute movie", {Constraint("runtime", "le", 90)}),
    ("nothing made before 2000", {Constraint("year", "ge", 2000)}),
    ("a comedy from 2005 or later", {Constraint("year", "ge", 2005)}),
    ("anything from this century?", {Constraint("year", "ge", 2000)}),
    ("something from last century", {Constraint("year", "lt", 2000)}),
    ("under 2h please", {Constraint("runtime", "le", 120)}),
    ("Ah! Yes I saw that on cable last night", set()),  # "Ah" is no "a h(our)" (runtime ≤ 60)
    ("Oh, a comedy would be fine", set()),
])
def test_numbers_by_what_they_measure(default_nlu, default_catalog, text, expected) -> None:  # type: ignore[no-untyped-def]
    assert set(read_numbers(text, default_catalog, _scopes(default_nlu, text)).add) == expected


def test_age_is_not_old_and_digits_are_not_titles(default_nlu) -> None:  # type: ignore[no-untyped-def]
    p = default_nlu.parse("something funny for my 9 year old", DialogueState())
    assert not any(c.attribute == "year" for c in p.add)
    assert not any(m.kind == "item" for m in p.mentions)  # the film "9" is not linked


def test_recent_is_absolute_and_not_a_relative_critique(default_nlu, default_catalog) -> None:  # type: ignore[no-untyped-def]
    newest = newest_year(default_catalog)
    assert default_nlu.parse("any recent comedies?", DialogueState()).add[-1] == Constraint("year", "ge", newest - 5)
    state = DialogueState(recommended=("1",), last_action=Action("recommend", items=("1",)))
    p = default_nlu.parse("I love older movies", state)
    assert Constraint("year", "lt", 1980) in p.add  # plural generic: absolute, not "older than Toy Story"


@pytest.mark.parametrize(("text", "phrase"), [
    ("a scary movie but not too gory", "suspenseful, atmospheric horror with little gore"),
    ("nothing with swearing", "clean, family-friendly film with no swearing"),
    ("a thriller with a good twist", "thriller with a clever plot twist"),
    ("a slow burn thriller", "slow-burn, atmospheric thriller"),
    ("something heartwarming", "feel-good, heartwarming film"),
    ("a well rated drama", "critically acclaimed, highly rated drama"),
])
def test_content_words_become_phrases_not_bans(default_nlu, text, phrase) -> None:  # type: ignore[no-untyped-def]
    p = default_nlu.parse(text, DialogueState())
    assert phrase in p.preferences
    assert not any(c.attribute == "genres" and c.op == "exclude" for c in p.add)


def test_content_hard_constraint_only_where_the_schema_has_it(default_catalog, redial_nlu_rules) -> None:  # type: ignore[no-untyped-def]
    rules = compile_content(redial_nlu_rules.lexicon)
    scopes = ScopeFinder(["nothing"], [], []).scopes("nothing with swearing")
    out = read_content("nothing with swearing", rules, scopes, ())
    assert out.preferences and not out.add  # redial has no mpaa


def test_title_aliases() -> None:
    assert "amelie" in title_aliases("Amelie (Fabuleux destin d'Amélie Poulain, Le)")
    assert {"leon", "the professional"} <= set(title_aliases("Léon: The Professional (a.k.a. The Professional) (Léon)"))
    assert {"the postman", "il postino"} <= set(title_aliases("Postman, The (Postino, Il)"))


def test_alias_links_and_never_shadows_a_title(default_nlu, default_catalog) -> None:  # type: ignore[no-untyped-def]
    p = default_nlu.parse("I loved Amelie and Spirited Away", DialogueState())
    titles = {default_catalog.item(m.entity).title for m in p.mentions if m.kind == "item"}
    assert any(t.startswith("Amelie") for t in titles) and any(t.startswith("Spirited Away") for t in titles)


def _shown(*items: str) -> DialogueState:
    mentions = tuple(Mention(i, "item", 1, Speaker.SYSTEM, 0, text="(shown)") for i in items)
    return DialogueState(turn=1, mentions=mentions, recommended=items, last_action=Action("recommend", items=items))


def test_references_by_position_and_description(default_catalog) -> None:  # type: ignore[no-untyped-def]
    state = _shown("1", "1721", "2571")  # Toy Story, Titanic, The Matrix
    def refs(text):  # type: ignore[no-untyped-def]
        return [r.item for r in find_references(text, state, default_catalog)]
    assert refs("tell me more about the second one") == ["1721"]
    assert refs("the last one you said") == ["2571"]
    assert refs("I've seen the first one, but not the second.") == ["1", "1721"]
    assert refs("seen them both") == ["1", "1721", "2571"]
    assert refs("the animation one") == ["1"]
    assert refs("the first movie I ever saw") == []
    assert [r.item for r in find_references("the second one", DialogueState(), default_catalog)] == [None]


def test_same_title_films_are_grouped(default_catalog) -> None:  # type: ignore[no-untyped-def]
    from crs.nlu.entities import same_title_items

    chocolat = {it.year: it.id for it in default_catalog.items if it.title == "Chocolat"}
    assert {2000, 1988} <= set(chocolat)
    assert chocolat[1988] in same_title_items(default_catalog, {chocolat[2000]})
    assert same_title_items(default_catalog, {"1"}) == set()  # Toy Story has no namesake


def test_recent_counts_from_the_newest_year_the_catalog_covers(redial_catalog, redial_nlu_rules) -> None:  # type: ignore[no-untyped-def]
    """ReDial lists 3 announced films of 2019 beside 77 of 2018: "recent" counts back from 2018,
    for the number reader, the critique rules and the lexicon's relative words alike."""
    years = [it.year for it in redial_catalog.items if it.year]
    assert max(years) == 2019 and years.count(2019) < 10 <= years.count(2018)
    assert newest_year(redial_catalog) == 2018
    assert redial_nlu_rules.parse("any recent comedies?", DialogueState()).add[-1] == Constraint("year", "ge", 2013)
    p = redial_nlu_rules.parse("something more recent please", DialogueState())
    assert Constraint("year", "ge", 2013) in (*p.add, *(p.critique.add if p.critique else ()))
