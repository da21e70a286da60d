"""Reading the message (`crs/dialogue/read.py`): vague year words, request cues."""

from __future__ import annotations

from crs.dialogue.cues import REQUEST
from crs.dialogue.read import drop_vague_years
from crs.types import Constraint, ParsedTurn


def test_vague_year_words_are_not_filters():
    vague = ParsedTurn("a classic please", "ask_rec", add=(Constraint("year", "lt", 1980),
                                                          Constraint("genres", "include", "comedy")))
    assert drop_vague_years(vague, vague.text).add == (Constraint("genres", "include", "comedy"),)
    explicit = ParsedTurn("something before 1980", "ask_rec", add=(Constraint("year", "lt", 1980),))
    assert drop_vague_years(explicit, explicit.text).add == explicit.add
    decade = ParsedTurn("an old 80s movie", "ask_rec", add=(Constraint("year", "lt", 1990),))
    assert drop_vague_years(decade, decade.text).add == decade.add


def test_request_with_plural_movies():
    assert REQUEST.search("recommend a few good movies")
    assert REQUEST.search("can you suggest some films")
    assert not REQUEST.search("I watched two movies yesterday")


def test_html_entities_pasted_from_a_web_page_are_decoded() -> None:
    """Real ReDial seeker text: "I also love scary movies, but I&quot;m a bit of a wimp"."""
    from crs.dialogue.read import clean_text

    assert clean_text("but I&quot;m a wimp, Tom &amp; Jerry &lt;3")[0] == 'but I"m a wimp, Tom & Jerry <3'
    assert clean_text("&" * 10_000, max_chars=50)[0] == "&" * 50  # bounded, nothing lost before the cut
