"""Open questions about people (`crs.dialogue.elicit`): when, which attribute, how often."""

from __future__ import annotations

from crs.dialogue.elicit import MAX_OPEN_QUESTIONS, Elicitor
from crs.types import Action, Constraint, DialogueState, Mention, Speaker


def test_people_attributes_come_from_the_schema(redial_catalog, default_catalog):  # type: ignore[no-untyped-def]
    el = Elicitor.for_catalog(redial_catalog)
    assert set(el.attributes) <= {"stars", "director"} and el.attributes  # writers are not asked about
    assert all(a in default_catalog.schema for a in Elicitor.for_catalog(default_catalog).attributes)


def test_recommendation_becomes_an_open_question_once_per_attribute(redial_catalog):  # type: ignore[no-untyped-def]
    el = Elicitor(("stars", "director"), k=3)
    rec = Action("recommend", items=("1", "2", "3"), score=0.7)
    state = DialogueState()
    first = el(rec, "inform", state, 5000)
    assert first.kind == "ask" and first.attribute == "stars"
    assert first.alternatives[0] == ("policy: recommend", 0.7)
    asked = DialogueState(asked=("stars",))
    assert el(rec, "inform", asked, 5000) == rec  # the next one waits for a round of recommendations
    shown = DialogueState(asked=("stars",), recommended=("a", "b", "c"))
    assert el(rec, "inform", shown, 5000).attribute == "director"
    both = DialogueState(asked=("stars", "director")[:MAX_OPEN_QUESTIONS], recommended=tuple("abcdefghi"))
    assert el(rec, "inform", both, 5000) == rec


def test_no_question_when_the_user_leads_or_the_set_is_small():  # type: ignore[no-untyped-def]
    el = Elicitor(("stars", "director"), k=3)
    rec = Action("recommend", items=("1",))
    state = DialogueState()
    for intent in ("request", "reject", "question", "accept"):
        assert el(rec, intent, state, 5000) == rec
    assert el(rec, "inform", state, 10) == rec
    assert el(Action("wait"), "inform", state, 5000) == Action("wait")
    named = DialogueState(mentions=(Mention("person:Tom Hanks", "person", 1, Speaker.USER, 1),))
    assert el(rec, "inform", named, 5000) == rec
    constrained = DialogueState(constraints=(Constraint("stars", "include", "Tom Hanks"),))
    assert el(rec, "inform", constrained, 5000) == rec


def test_agent_asks_about_actors_and_uses_the_answer(fast_agent):  # type: ignore[no-untyped-def]
    state = fast_agent.new_session("u")
    state, reply = fast_agent.step(state, "hi there")
    state, reply = fast_agent.step(state, "I like comedies")
    assert state.asked and state.asked[-1] in ("stars", "director")
    state, reply = fast_agent.step(state, "I really like Jim Carrey")
    assert any(c.attribute == "stars" and c.value == "Jim Carrey" for c in state.constraints)
    assert reply.cards and all("Jim Carrey" in fast_agent.catalog.item(c.id).values("stars") for c in reply.cards)


def test_a_name_answering_a_director_question_is_read_as_director(fast_agent):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    state = replace(fast_agent.new_session("u"), last_action=Action("ask", "director"), asked=("director",))
    state, _ = fast_agent.step(state, "I like Terry Gilliam")
    assert Constraint("director", "include", "Terry Gilliam") in state.constraints


def test_a_reply_to_our_question_naming_a_person_is_an_answer_not_a_question(redial_agent):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    shown = next(it.id for it in redial_agent.catalog.items if it.title == "Superbad")
    state = replace(redial_agent.new_session("u"), last_action=Action("ask", "stars"), asked=("stars",),
                    recommended=(shown,))
    state, reply = redial_agent.step(state, "is that the one with Tom Hanks? I love him")
    assert Constraint("stars", "include", "Tom Hanks") in state.constraints
    assert reply.action != "answer"
