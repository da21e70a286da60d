"""Phenomena of real speech on verbatim ReDial seeker messages from the *tuning* half of
`data/understanding/labels.jsonl` (never the test half), each read in its dialogue context and
run through `Agent.step` of the ReDial agent (learned NLU). Each case names the message by
(conversation id, message index) and checks the hand label against the new state: the constraints
(normalised like `crs eval understanding`) and the referenced films with their stance.

These are regressions for the phenomena the parser handles, chosen from the tune half after the
parser work; the headline figure is the test half of `crs eval understanding`.
"""

from __future__ import annotations

import pytest

from crs.eval.understanding import Example, constraint_counts, load_examples, load_labels, normalise, select
from crs.types import Speaker

CASES = {
    # phenomenon: (conversation id, message index)
    "mixed: wants and a qualified don't-want": ("6499", 1),            # "I like comedies, but not grossout comedies..."
    "mixed: negation scope stops at the sentence": ("19876", 5),       # "I do not like horror movies like X. Those are too scary."
    "number: an age is a family film": ("5405", 2),                    # "...for my 9 year old son and his friends"
    "critique: content word, not a genre ban": ("5892", 1),            # "a good action movie! Nothing too cheesy like X"
    "correction: 'No, I was looking for'": ("10457", 1),               # "No I was looking for a scary movie."
    "correction: 'instead'": ("9625", 4),                              # "how about some scary movies instead?"
    "critique: too much of a genre": ("7119", 4),                      # "I hated that one way to much romance in the first 2 hours"
}

REFERENCES = {
    # (conversation id, index): {position in the previous recommendation (0-based): expected stance}
    ("10518", 2): {0: "seen"},                                   # "I've seen the first one, but not the second."
    ("18546", 11): {0: "seen"},                                  # "I have seen the first one, but not the second. What is it about?"
    ("3419", 7): {0: "seen", 1: "seen"},                         # "Yeah I've actually seen both of them."
    ("7119", 4): {-1: "disliked"},                               # "Meh I hated that one ..."
}

PRONOUNS = {
    # (conversation id, index): {film id: expected stance} -- "it" / "that" and titles typed without a year
    ("5731", 3): {"199831": "unseen", "140066": "liked"},   # "I have not seen @X but I have seen @Y and I liked it ..."
    ("7377", 7): {"110605": "disliked"},                    # "I have seen the @X , but I didn't like it."
    ("8407", 3): {"111262": "liked"},                       # "That was a great one! Do you know of any newer movies ..."
    ("13080", 10): {"205480": "liked"},                     # "I think I will watch Titanic first ..." (the Titanic shown)
    ("17975", 3): {"154247": "unseen", "134885": "disliked"},  # "i haven't seen total recall, but ... the hunger games and i didnt like it"
}


@pytest.fixture(scope="module")
def tune_examples(data_dir) -> dict[tuple[str, int], Example]:  # type: ignore[no-untyped-def]
    rows = select(load_labels()[1], "tune")
    keys = set(CASES.values()) | set(REFERENCES) | set(PRONOUNS)
    picked = [r for r in rows if (r.conversation_id, r.index) in keys]
    assert all(r.split == "tune" for r in picked) and len(picked) == len(keys)
    return {(e.row.conversation_id, e.row.index): e for e in load_examples(picked, data_dir)}


@pytest.mark.parametrize("name", list(CASES))
def test_labelled_constraints_through_the_agent(name, tune_examples, redial_agent) -> None:  # type: ignore[no-untyped-def]
    ex = tune_examples[CASES[name]]
    state, _ = redial_agent.step(ex.state, ex.text)
    predicted = [k for c in state.constraints for k in normalise(c)]
    _, fp, fn = constraint_counts(ex.row.constraints, predicted)
    assert (fp, fn) == (0, 0), f"{ex.text!r}: gold {ex.row.constraints}, state {state.constraints}"


@pytest.mark.parametrize("key", list(REFERENCES))
def test_references_by_position_with_their_stance(key, tune_examples, redial_agent) -> None:  # type: ignore[no-untyped-def]
    ex = tune_examples[key]
    last = ex.state.last_action.items
    state, _ = redial_agent.step(ex.state, ex.text)
    said = {m.entity: m for m in state.mentions if m.turn == state.turn and m.speaker is Speaker.USER}
    for pos, stance in REFERENCES[key].items():
        item = last[pos]
        assert item in said, f"{ex.text!r}: {item} (position {pos}) not resolved"
        m = said[item]
        if stance == "seen":
            assert "(seen)" in m.text and m.polarity >= 0 and item not in state.rejected
        else:
            assert m.polarity < 0


@pytest.mark.parametrize("key", list(PRONOUNS))
def test_pronouns_and_yearless_titles_resolve_in_context(key, tune_examples, redial_agent) -> None:  # type: ignore[no-untyped-def]
    """"it" after a film named in the message is that film; "that was ..." is the film on the table; a
    title several films share is the one already in the conversation. The user's last word on a film
    (its latest mention this turn) carries the stance."""
    ex = tune_examples[key]
    state, _ = redial_agent.step(ex.state, ex.text)
    said: dict[str, int] = {}
    for m in state.mentions:
        if m.turn == state.turn and m.speaker is Speaker.USER and m.kind == "item":
            said[m.entity] = m.polarity
    for item, stance in PRONOUNS[key].items():
        assert item in said, f"{ex.text!r}: {item} not resolved ({said})"
        assert said[item] == {"liked": 1, "disliked": -1, "unseen": 0}[stance], f"{ex.text!r}: {item} {said[item]}"
