"""Written person names on a catalog without cast or crew (`crs/nlu/people.py`)."""

from __future__ import annotations

from crs.nlu.entities import Link
from crs.nlu.people import no_people_notice, unlinked_people


def names(text: str, links: list[Link] | None = None) -> list[str]:
    return [name for _, name in unlinked_people(text, links or [])]


def test_names_after_people_cues_and_before_movies() -> None:
    assert names("something with Tom Hanks") == ["Tom Hanks"]
    assert names("anything starring Meryl Streep?") == ["Meryl Streep"]
    assert names("a comedy directed by Wes Anderson please") == ["Wes Anderson"]
    assert names("I want a film by Nolan") == ["Nolan"]
    assert names("any Tom Cruise movies?") == ["Tom Cruise"]
    assert names("Christopher Nolan's films are great") == ["Christopher Nolan"]
    assert names("with Tom Hanks, or any Tom Hanks movies") == ["Tom Hanks"]  # each name once


def test_not_names() -> None:
    assert names("something to watch with my kids") == []
    assert names("movies with tom hanks") == []  # lower case: no name list to tell
    assert names("any Netflix movies") == [] and names("The Christmas films") == []
    assert names("with One") == []  # one word after "with" is not enough


def test_spans_the_linker_took_are_left_alone() -> None:
    text = "a movie with Jurassic Park vibes"
    start = text.index("Jurassic")
    title = Link("1", "item", (start, start + len("Jurassic Park")), "Jurassic Park")
    assert names(text, [title]) == []
    assert names(text) == ["Jurassic Park"]  # without the link it looks like a name


def test_notice_names_everyone_once() -> None:
    said = no_people_notice(["Tom Hanks", "Meg Ryan", "Tom Hanks"])
    assert "no cast or crew information" in said and said.count("Tom Hanks") == 1 and "Meg Ryan" in said


def test_what_the_user_is_open_to_is_accepted_not_asked_for() -> None:
    from crs.nlu.text import open_to

    for text, phrase in (("I'm definitely open to older movies!", "older"), ("I like classics, but I will also watch new films", "new"),
                         ("I don't mind old ones", "old"), ("we're open to recent stuff", "recent")):
        assert open_to(text, text.index(phrase)), text
    for text, phrase in (("I'm not open to older movies", "older"), ("something older please", "older"),
                         ("I want new films", "new"), ("I would watch something recent", "recent")):
        assert not open_to(text, text.index(phrase)), text
