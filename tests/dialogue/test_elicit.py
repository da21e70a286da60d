"""Open questions about people: which attributes (`crs.dialogue.elicit`), the policy's `ask_open` slots, and
the `bayes` baseline's hand-set timing (`crs.policy.rules.open_question_due`)."""

from __future__ import annotations

from crs.dialogue.elicit import Elicitor
from crs.policy.observation import PolicyObservation, TurnSignals
from crs.policy.rules import MAX_OPEN_QUESTIONS, BayesThreshold
from crs.types import Action, Constraint, DialogueState, Mention, Speaker


def test_people_attributes_come_from_the_schema(redial_catalog, default_catalog):  # type: ignore[no-untyped-def]
    el = Elicitor.for_catalog(redial_catalog)
    assert set(el.attributes) <= {"stars", "director"} and el.attributes  # writers are not asked about
    assert all(a in default_catalog.schema for a in Elicitor.for_catalog(default_catalog).attributes)


def _obs(state: DialogueState, el: Elicitor, n_candidates: int = 5000) -> PolicyObservation:
    """A bayes-ready observation (mass over the threshold) with the agent's open units and signals."""
    signals = TurnSignals(open_asked=el.asked(state), rounds_rejected=len(state.recommended) // 3,
                          people_named=float(el.people_named(state)))
    units = el.open_units(state)
    return PolicyObservation(turn=1, max_turns=15, n_items=6000, n_candidates=n_candidates, n_effective=n_candidates,
                             top1_mass=0.3, topk_mass=0.9, noise_estimate=0.0, units=("genres=drama",),
                             unit_columns=(0,), unit_prob=(0.5,), unit_freq=(0.5,), recommend_ids=("1", "2", "3"),
                             recommend_rows=(0, 1, 2), recommend_scores=(0.3, 0.3, 0.3), open_units=units,
                             open_cover=tuple(0.9 for _ in units), signals=signals)


def test_the_open_units_are_the_unasked_unconstrained_people_then_kinds(redial_catalog):  # type: ignore[no-untyped-def]
    el = Elicitor(("stars", "director"), k=3)
    assert el.open_units(DialogueState()) == ("stars", "director")
    assert el.open_units(DialogueState(asked=("stars",))) == ("director",)
    constrained = DialogueState(constraints=(Constraint("director", "include", "Terry Gilliam"),))
    assert el.open_units(constrained) == ("stars",)
    full = Elicitor.for_catalog(redial_catalog)
    units = full.open_units(DialogueState())
    assert set(units[:2]) == {"stars", "director"} and units[2:] == ("genres", "decade")
    comedy = DialogueState(constraints=(Constraint("genres", "include", "comedy"),), asked=("stars",))
    assert full.open_units(comedy) == ("director", "decade") and not full.is_people("decade")


def test_the_bayes_baseline_keeps_the_hand_set_open_question_timing():  # type: ignore[no-untyped-def]
    el, rule = Elicitor(("stars", "director"), k=3), BayesThreshold()
    first = rule.choose(_obs(DialogueState(), el))
    assert first.kind == "ask" and first.attribute == "stars"
    assert rule.choose(_obs(DialogueState(asked=("stars",)), el)).kind == "recommend"  # waits for a round shown
    shown = DialogueState(asked=("stars",), recommended=("a", "b", "c"))
    assert rule.choose(_obs(shown, el)).attribute == "director"
    both = DialogueState(asked=("stars", "director")[:MAX_OPEN_QUESTIONS], recommended=tuple("abcdefghi"))
    assert rule.choose(_obs(both, el)).kind == "recommend"


def test_no_open_question_when_the_set_is_small_or_the_user_named_people():  # type: ignore[no-untyped-def]
    el, rule = Elicitor(("stars", "director"), k=3), BayesThreshold()
    assert rule.choose(_obs(DialogueState(), el, n_candidates=10)).kind == "recommend"
    named = DialogueState(mentions=(Mention("person:Tom Hanks", "person", 1, Speaker.USER, 1),))
    assert rule.choose(_obs(named, el)).kind == "recommend"
    constrained = DialogueState(constraints=(Constraint("stars", "include", "Tom Hanks"),))
    assert rule.choose(_obs(constrained, el)).kind == "recommend"


def test_the_open_slots_are_actions_of_the_learned_policy():  # type: ignore[no-untyped-def]
    from crs.policy.features import N_OPEN, encode, slot_action

    el = Elicitor(("stars", "director"), k=3)
    obs = _obs(DialogueState(), el)
    enc = encode(obs, 10, 10)
    assert enc["mask"][12:12 + N_OPEN].tolist() == [1, 1] + [0] * (N_OPEN - 2)
    assert slot_action(obs, 12, 10) == Action("ask", "stars")
    assert slot_action(obs, 13, 10) == Action("ask", "director")


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
