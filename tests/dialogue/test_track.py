"""The pure tracker (`crs/dialogue/track.py`): timeline order, constraints, accept/reject, liked/disliked; property tests."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crs.dialogue.track import (
    apply_constraints,
    disliked_items,
    intent_kind,
    last_top,
    liked_items,
    mentioned_items,
    record_system,
    update,
)
from crs.types import Action, Constraint, Critique, DialogueState, Mention, ParsedTurn, Speaker


def m(entity: str, polarity: int = 0, kind: str = "item") -> Mention:
    return Mention(entity, kind, 0, Speaker.USER, polarity)


def test_update_appends_in_order_stamps_turn_and_is_pure():
    s0 = DialogueState()
    s1 = update(s0, ParsedTurn("a", mentions=(m("1", 1), m("2", 1))))
    s2 = update(s1, ParsedTurn("b", mentions=(m("3", -1), m("1", 1))))
    assert s0.turn == 0 and s0.mentions == ()
    assert [x.entity for x in s2.mentions] == ["1", "2", "3", "1"]
    assert [x.turn for x in s2.mentions] == [1, 1, 2, 2]
    assert s2.turn == 2 and s1.turn == 1
    assert liked_items(s2) == ["2", "1"]  # "1" liked again later: deduped at its last position
    assert disliked_items(s2) == ["3"]
    assert mentioned_items(s2) == ["1", "2", "3"]


def test_change_of_mind_latest_polarity_wins_and_neutral_does_not_erase():
    s = DialogueState()
    for turn in [(m("a", 1),), (m("a", -1),), (m("b", 1),), (m("b", 0),)]:
        s = update(s, ParsedTurn("x", mentions=turn))
    assert liked_items(s) == ["b"]
    assert disliked_items(s) == ["a"]


def test_opposite_constraint_replaces_and_remove_drops():
    inc, exc = Constraint("genres", "include", "horror"), Constraint("genres", "exclude", "horror")
    s = update(DialogueState(), ParsedTurn("I like horror", add=(inc, Constraint("genres", "include", "comedy"))))
    s = update(s, ParsedTurn("no horror", add=(exc,)))
    assert exc in s.constraints and inc not in s.constraints
    assert Constraint("genres", "include", "comedy") in s.constraints
    s = update(s, ParsedTurn("forget horror", remove=(exc,)))
    assert s.constraints == (Constraint("genres", "include", "comedy"),)
    s = update(s, ParsedTurn("forget genres", remove=(Constraint("genres", "include", "*"),)))
    assert s.constraints == ()


def test_numeric_bounds_replace_same_side_only():
    c = apply_constraints((), (Constraint("year", "ge", 1990), Constraint("runtime", "le", 120)))
    c = apply_constraints(c, (Constraint("year", "gt", 2005),))
    assert Constraint("year", "gt", 2005) in c and Constraint("year", "ge", 1990) not in c
    c = apply_constraints(c, (Constraint("year", "lt", 2015),))
    assert {x.op for x in c if x.attribute == "year"} == {"gt", "lt"}
    c = apply_constraints(c, (Constraint("year", "eq", 2010),))
    assert [x for x in c if x.attribute == "year"] == [Constraint("year", "eq", 2010)]
    assert Constraint("runtime", "le", 120) in c


def test_preferences_and_critique_applied_once():
    crit = Critique("too scary", add=(Constraint("genres", "exclude", "horror"),), preference="light comedy")
    s = update(DialogueState(), ParsedTurn("too scary", intent="critique", add=crit.add, preferences=("light comedy",), critique=crit))
    assert s.constraints == (Constraint("genres", "exclude", "horror"),)
    assert s.preferences == ("light comedy",)
    s = update(s, ParsedTurn("and funny", preferences=("funny", "  ")))
    assert s.preferences == ("light comedy", "funny")


def test_record_system_then_accept_and_reject():
    s = update(DialogueState(), ParsedTurn("hi", intent="ask_rec"))
    s = record_system(s, Action("recommend", items=("10", "11", "12")), shown_items=("10", "11"))
    assert s.recommended == ("10", "11") and s.last_action.items == ("10", "11")
    assert [(x.entity, x.speaker, x.polarity) for x in s.mentions] == [("10", Speaker.SYSTEM, 0), ("11", Speaker.SYSTEM, 0)]
    s = update(s, ParsedTurn("sounds good", intent="accept"))
    assert s.accepted == ("10",) and liked_items(s) == ["10"]
    s = update(s, ParsedTurn("actually no, not those", intent="REJ"))
    assert set(s.rejected) == {"10", "11"} and s.accepted == ()
    assert liked_items(s) == [] and disliked_items(s) == ["10", "11"]
    s = record_system(s, Action("ask", attribute="genres"))
    assert s.asked == ("genres",) and s.recommended == ("10", "11")
    s = record_system(s, Action("recommend", items=("20",)))
    s = update(s, ParsedTurn("I'll watch 11", intent="accept", mentions=(m("11"),)))
    assert s.accepted == ("11",) and "11" not in s.rejected and liked_items(s) == ["11"]


def test_intent_kind_mapping():
    assert intent_kind("accept") == "accept" and intent_kind("ACC") == "accept"
    assert intent_kind("reject") == "reject" and intent_kind("REJ") == "reject"
    assert intent_kind("critique") is None and intent_kind("") is None


def test_accept_without_recommendation_is_harmless():
    s = update(DialogueState(), ParsedTurn("yes", intent="accept"))
    assert s.accepted == () and s.mentions == () and s.turn == 1


# --- property-based ------------------------------------------------------------------------

entities = st.sampled_from([str(i) for i in range(8)])
mentions = st.builds(
    Mention, entity=entities, kind=st.sampled_from(["item", "attribute"]), turn=st.integers(0, 50),
    speaker=st.sampled_from(list(Speaker)), polarity=st.integers(-1, 1),
)
constraints = st.builds(
    Constraint, attribute=st.sampled_from(["genres", "year"]),
    op=st.sampled_from(Constraint.OPS), value=st.sampled_from(["horror", "comedy", 1990.0, 2000.0]),
)
parsed_turns = st.builds(
    ParsedTurn, text=st.text(max_size=20), intent=st.sampled_from(["accept", "reject", "critique", "unknown"]),
    mentions=st.lists(mentions, max_size=4).map(tuple), add=st.lists(constraints, max_size=3).map(tuple),
    remove=st.lists(constraints, max_size=2).map(tuple), preferences=st.lists(st.text(max_size=10), max_size=2).map(tuple),
)
system_actions = st.builds(
    Action, kind=st.sampled_from(["recommend", "ask", "wait"]), attribute=st.sampled_from([None, "genres"]),
    items=st.lists(entities, max_size=3, unique=True).map(tuple),
)
steps = st.lists(st.one_of(parsed_turns.map(lambda p: ("user", p)), system_actions.map(lambda a: ("system", a))), max_size=12)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_update_never_loses_or_reorders_earlier_mentions(sequence):
    state = DialogueState()
    for who, step in sequence:
        before = state
        state = update(state, step) if who == "user" else record_system(state, step)
        n = len(before.mentions)
        assert state.mentions[:n] == before.mentions  # earlier timeline kept, same order
        tail = state.mentions[n:]
        if who == "user":
            assert state.turn == before.turn + 1
            assert [x.entity for x in tail[: len(step.mentions)]] == [x.entity for x in step.mentions]
            assert all(x.turn == state.turn for x in tail)
        else:
            assert state.turn == before.turn
        liked, disliked = liked_items(state), disliked_items(state)
        assert not set(liked) & set(disliked)
        assert len(liked) == len(set(liked))
        for c in state.constraints:
            if c.op in ("include", "exclude"):
                opposite = "exclude" if c.op == "include" else "include"
                assert Constraint(c.attribute, opposite, c.value) not in state.constraints
        assert len(set(state.accepted) & set(state.rejected)) == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(entities, st.sampled_from([-1, 1])), max_size=15))
def test_liked_order_is_order_of_last_positive_mention(events):
    state = DialogueState()
    for entity, pol in events:
        state = update(state, ParsedTurn("x", mentions=(m(entity, pol),)))
    final = {}
    for entity, pol in events:
        final[entity] = pol
    last_pos = {e: i for i, (e, _) in enumerate(events)}
    expected = sorted((e for e, p in final.items() if p > 0), key=last_pos.__getitem__)
    assert liked_items(state) == expected


def test_an_answer_is_recorded_with_its_follow_up():
    s = record_system(DialogueState(turn=3), Action("recommend", items=("10", "11", "12")))
    ask = Action("ask", attribute="genres=horror")
    asked = record_system(s, Action("answer", items=("11",), follow=ask))
    assert asked.last_action.kind == "answer" and asked.last_action.said == ask  # "yes" answers the question
    assert last_top(asked) == "11" and asked.asked[-1] == "genres=horror"  # "that one" is the answered film
    more = record_system(s, Action("answer", items=("11",), follow=Action("recommend", items=("20", "21"))))
    assert more.last_action == Action("recommend", items=("20", "21")) and more.recommended[-2:] == ("20", "21")
    assert record_system(s, Action("answer", items=("11",))).last_action.said.kind == "answer"
