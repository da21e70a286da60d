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
