"""Entity linking on the real catalogs: titles, @ids, years, people, synonyms, negation, suggestions."""

from __future__ import annotations

from crs.types import DialogueState


def _entities(parsed):  # type: ignore[no-untyped-def]
    return {m.entity: m.polarity for m in parsed.mentions}


def test_redial_at_ids_and_titles(redial_nlu_rules, redial_catalog) -> None:  # type: ignore[no-untyped-def]
    # a real ReDial seeker utterance (IARD S5 of dialogue 474)
    text = "I have seen it and enjoyed it...One of my favorite thrillers is @89770 <The Number 23 (2007)>  and @170119 <The Sixth Sense (1999)> "
    p = redial_nlu_rules.parse(text, DialogueState(turn=4))
    ents = _entities(p)
    assert "89770" in ents and "170119" in ents
    assert ents["89770"] == 1
    assert "genres=thriller" in ents
    assert all(m.turn == 4 for m in p.mentions)
    spans = [m.span for m in p.mentions]
    assert spans == sorted(spans)
    item_spans = [m.span for m in p.mentions if m.kind == "item"]  # spans index the sanitised ParsedTurn.text
    assert [p.text[a:b] for a, b in item_spans] == ["@89770 <The Number 23 (2007)>", "@170119 <The Sixth Sense (1999)>"]


def test_year_disambiguation(default_nlu, default_catalog) -> None:  # type: ignore[no-untyped-def]
    by_title = [it for it in default_catalog.items if it.title == "King Kong"]
    assert len({it.year for it in by_title}) >= 2
    for it in by_title:
        p = default_nlu.parse(f"I loved King Kong ({it.year})", DialogueState())
        assert [m.entity for m in p.mentions if m.kind == "item"] == [it.id]


def test_common_word_titles_need_capitals(default_nlu) -> None:  # type: ignore[no-untyped-def]
    p = default_nlu.parse("i like it a lot, it was up there with the best", DialogueState())
    assert not [m for m in p.mentions if m.kind == "item"]


def test_people_with_roles(redial_nlu_rules) -> None:  # type: ignore[no-untyped-def]
    p = redial_nlu_rules.parse("I like Tom Cruise movies, something directed by Christopher Nolan", DialogueState())
    adds = {(c.attribute, c.op, c.value) for c in p.add}
    assert ("stars", "include", "Tom Cruise") in adds
    assert ("director", "include", "Christopher Nolan") in adds
    assert "person:Tom Cruise" in _entities(p)


def test_synonyms_map_through_schema_case(default_nlu, redial_nlu_rules) -> None:  # type: ignore[no-untyped-def]
    for nlu, horror, comedy in ((default_nlu, "Horror", "Comedy"), (redial_nlu_rules, "horror", "comedy")):
        p = nlu.parse("something scary or funny", DialogueState())
        adds = {(c.attribute, c.op, c.value) for c in p.add}
        assert ("genres", "include", horror) in adds and ("genres", "include", comedy) in adds
    p = default_nlu.parse("a short movie for kids from the 90s", DialogueState())
    adds = {(c.attribute, c.op, c.value) for c in p.add}
    assert {("genres", "include", "Children"), ("decade", "include", "1990s"), ("runtime", "le", 100)} <= adds
    p = default_nlu.parse("something recent", DialogueState())
    assert [(c.attribute, c.op) for c in p.add] == [("year", "ge")]


def test_negation_scope(default_nlu) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "not horror": {("genres", "exclude", "Horror")},
        "anything but a western": {("genres", "exclude", "Western")},
        "I hate musicals": {("genres", "exclude", "Musical")},
        "I don't like horror, but I love comedy": {("genres", "exclude", "Horror"), ("genres", "include", "Comedy")},
        "no romance please, a thriller": {("genres", "exclude", "Romance"), ("genres", "include", "Thriller")},
    }
    for text, want in cases.items():
        p = default_nlu.parse(text, DialogueState())
        assert {(c.attribute, c.op, c.value) for c in p.add} == want, text
    p = default_nlu.parse("I'm not sure, maybe a comedy", DialogueState())
    assert {(c.attribute, c.op, c.value) for c in p.add} == {("genres", "include", "Comedy")}


def test_unknown_titles_get_suggestions(default_nlu) -> None:  # type: ignore[no-untyped-def]
    p = default_nlu.parse('Have you seen "Jurasic Prak Worlds"?', DialogueState())
    assert p.suggestions and any("Jurassic" in s for s in p.suggestions)
    p = default_nlu.parse('I want to see "The Godfathr"', DialogueState())
    assert "858" in _entities(p)  # close enough to link directly


def test_removals_against_state(default_nlu) -> None:  # type: ignore[no-untyped-def]
    from crs.types import Constraint

    state = DialogueState(constraints=(Constraint("genres", "exclude", "Horror"),))
    p = default_nlu.parse("forget the horror thing", state)
    assert p.remove == (Constraint("genres", "exclude", "Horror"),) and not p.add
    p = default_nlu.parse("actually horror is fine", state)
    assert Constraint("genres", "include", "Horror") in p.add and Constraint("genres", "exclude", "Horror") in p.remove


def test_a_name_beats_a_shorter_title_and_surnames_link(redial_nlu_rules) -> None:  # type: ignore[no-untyped-def]
    def people(text: str) -> set[tuple[str, str]]:
        p = redial_nlu_rules.parse(text, DialogueState())
        assert not [m for m in p.mentions if m.kind == "item" and m.span and text[m.span[0]:m.span[1]] in ("Jack", "Black")]
        return {(c.attribute, str(c.value)) for c in p.add if c.op == "include" and c.attribute in ("stars", "director")}

    # tuning-half messages: "Jack" and "Black" are films, but here they start a name
    assert people("I like Jack Nicholson Oh yes I loved Shaun of the Dead") == {("stars", "Jack Nicholson")}
    assert people("I like Travolta they are both trying to overact each other.") == {("stars", "John Travolta")}
    assert people("Something by Spielberg, or a Cage movie") == {("director", "Steven Spielberg"), ("stars", "Nicolas Cage")}
    assert people("Jack Black is funny") == {("stars", "Jack Black")}
    assert people("Close enough. I liked Southern Comfort") == set()  # sentence start; a capitalised run is a title
