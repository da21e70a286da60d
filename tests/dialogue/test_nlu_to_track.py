"""Real ReDial seeker messages through the NLU (rules only) and the tracker (`crs/dialogue/track.py`):
the timeline keeps the order in which movies come up, across and within turns."""

from __future__ import annotations

from crs.dialogue.track import disliked_items, liked_items, update
from crs.types import DialogueState


def test_real_seeker_messages_keep_mention_order(redial_catalog, redial_nlu_rules, redial_split):  # type: ignore[no-untyped-def]
    nlu = redial_nlu_rules
    _, dev = redial_split
    checked = 0
    for d in dev[:40]:
        state = DialogueState()
        expected: list[str] = []
        for msg in d.messages:
            if msg.role != "seeker":
                continue
            state = update(state, nlu.parse(msg.text, state))
            expected += [m for m in msg.movies if m in redial_catalog]
        at_mentions = [m.entity for m in state.mentions if m.kind == "item" and m.text.startswith("@")]
        assert at_mentions == expected, d.conversation_id
        keys = [(m.turn, m.span[0]) for m in state.mentions]
        assert keys == sorted(keys), d.conversation_id  # turn order, then text order within a turn
        assert not set(liked_items(state)) & set(disliked_items(state))
        checked += bool(expected)
    assert checked >= 25
