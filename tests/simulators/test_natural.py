"""NaturalSimulator: protocol rules, label consistency, determinism, bad config."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from crs.protocols import Simulator
from crs.types import Action
from simulators.errors import SimulatorError
from simulators.latent import Goal, GoalPool, NaturalConfig
from simulators.natural import NaturalSimulator, build_natural
from simulators.types import ACTS


def _random_action(rng: random.Random, sim: NaturalSimulator, ids: list[str]) -> Action:
    k = rng.random()
    if k < 0.3:
        return Action("ask", attribute=rng.choice(["genres", "stars", "director", "decade", "year"]))
    if k < 0.75:
        items = (sim.state.latents.target,) if rng.random() < 0.15 else tuple(rng.sample(ids, 3))
        return Action("recommend", items=items)
    return Action("wait")


def _episodes(sim: NaturalSimulator, n: int, seed: int):  # type: ignore[no-untyped-def]
    rng, ids = random.Random(seed), sim.catalog.ids[:3000]
    for ep in range(n):
        turn = sim.reset(seed=seed * 1000 + ep)
        yield None, turn
        while not turn.done:
            action = _random_action(rng, sim, ids)
            turn = sim.respond(action)
            yield action, turn


def test_is_a_simulator(natural_sim):  # type: ignore[no-untyped-def]
    assert isinstance(natural_sim, Simulator)
    assert natural_sim.grammar.source == "redial-mined" and natural_sim.grammar.size() > 1000


def test_labels_match_what_was_said(redial_catalog, data_dir):  # type: ignore[no-untyped-def]
    sim = build_natural(redial_catalog, data_dir, NaturalConfig(mention_format="redial", typo_rate=0.0), seed=1)
    seen_acts = set()
    for _, turn in _episodes(sim, 150, seed=1):
        seen_acts.add(turn.act.name)
        assert turn.act.name in ACTS
        said_ids = list(dict.fromkeys(re.findall(r"@(\d+)", turn.text)))  # a template may repeat its slot
        assert said_ids == [i for i, _ in turn.labels.entities], turn
        low = turn.text.lower()
        for name, value, pol in turn.labels.attributes:
            assert pol in (1, -1)
            if name == "genres":
                forms = sim.vocab.value_forms[value].values()
                assert any(f in low for f in forms), (turn.text, value)
            else:
                assert value.lower() in low, (turn.text, name, value)
        found = {s.value for s in sim.vocab.find(turn.text) if s.kind == "genre"}
        assert found <= {v for n, v, _ in turn.labels.attributes if n == "genres"}, turn
        if turn.act.name in ("mention_liked", "accept"):
            assert all(p == 1 for _, p in turn.labels.entities)
        if turn.act.name in ("mention_disliked", "reject"):
            assert all(p == -1 for _, p in turn.labels.entities)
    assert {"state_attribute", "mention_liked", "critique", "accept", "reject", "chitchat", "ask_rec"} <= seen_acts


def test_liked_mentions_come_from_the_session(natural_sim):  # type: ignore[no-untyped-def]
    for _, turn in _episodes(natural_sim, 60, seed=2):
        lat = natural_sim.state.latents
        for item, pol in turn.labels.entities:
            if turn.act.name == "mention_liked":
                assert item in lat.liked and pol == 1
            if turn.act.name == "accept":
                assert item == lat.target


def test_deterministic_under_seed(redial_catalog, data_dir):  # type: ignore[no-untyped-def]
    a = build_natural(redial_catalog, data_dir, seed=7)
    b = build_natural(redial_catalog, data_dir, seed=7)
    ta = [(t.text, t.act, t.labels, t.done) for _, t in _episodes(a, 20, seed=3)]
    tb = [(t.text, t.act, t.labels, t.done) for _, t in _episodes(b, 20, seed=3)]
    assert ta == tb
    tc = [(t.text, t.act, t.labels, t.done) for _, t in _episodes(a, 20, seed=4)]
    assert tc != ta


def test_recommendation_rules_and_patience(natural_sim):  # type: ignore[no-untyped-def]
    natural_sim.reset(seed=11)
    lat = natural_sim.state.latents
    wrong = next(i for i in natural_sim.catalog.ids if i != lat.target)
    turn = natural_sim.respond(Action("recommend", items=(wrong,)))
    assert not turn.success and turn.act.name in ("reject", "critique", "chitchat")
    turn = natural_sim.respond(Action("recommend", items=(wrong, lat.target)))
    assert turn.done and turn.success and turn.act.name == "accept"
    with pytest.raises(SimulatorError, match="reset"):
        natural_sim.respond(Action("wait"))

    natural_sim.reset(seed=12)
    patience = natural_sim.state.latents.patience
    turns = 0
    turn = None
    while turn is None or not turn.done:
        turn = natural_sim.respond(Action("recommend", items=(wrong,)) if turns % 2 else Action("wait"))
        turns += 1
    assert turns == patience and not turn.success


def test_answers_questions_with_target_values(natural_sim):  # type: ignore[no-untyped-def]
    answered = 0
    for seed in range(40):
        natural_sim.reset(seed=100 + seed)
        target = natural_sim.catalog.item(natural_sim.state.latents.target)
        turn = natural_sim.respond(Action("ask", attribute="genres"))
        for name, value, pol in turn.labels.attributes:
            assert name == "genres" and value in target.values("genres") and pol == 1
            answered += 1
    assert answered >= 20


def test_bad_input_is_a_clear_error(redial_catalog, natural_sim):  # type: ignore[no-untyped-def]
    natural_sim.reset(seed=1)
    with pytest.raises(SimulatorError, match="unknown attribute 'colour'"):
        natural_sim.respond(Action("ask", attribute="colour"))
    with pytest.raises(SimulatorError, match="unknown system action"):
        natural_sim.respond(Action("dance"))
    with pytest.raises(SimulatorError, match="unknown NaturalConfig keys"):
        NaturalConfig.from_dict({"patiense": (1, 2)})
    with pytest.raises(SimulatorError, match="patience"):
        NaturalConfig(patience=(5, 2))
    with pytest.raises(SimulatorError, match="unknown attribute 'mood'"):
        NaturalSimulator(redial_catalog, NaturalConfig(genre_attr="mood"))
    with pytest.raises(SimulatorError, match="target item 'nope' is not in catalog"):
        GoalPool.from_goals(redial_catalog, [Goal("nope")])
    with pytest.raises(SimulatorError, match="empty goal pool"):
        GoalPool.from_goals(redial_catalog, [])


def test_fallback_templates_without_data(default_catalog, lastfm_catalog):  # type: ignore[no-untyped-def]
    for cat in (default_catalog, lastfm_catalog):
        sim = NaturalSimulator(cat, NaturalConfig(), seed=0)
        assert sim.grammar.source == "fallback"
        for _, turn in _episodes_generic(sim, 30):
            assert turn.text.strip() and "{" not in turn.text


def _episodes_generic(sim: NaturalSimulator, n: int):  # type: ignore[no-untyped-def]
    rng, ids = random.Random(0), sim.catalog.ids[:2000]
    attrs = list(sim.catalog.schema.names)
    for ep in range(n):
        turn = sim.reset(seed=ep)
        yield None, turn
        while not turn.done:
            k = rng.random()
            action = Action("ask", attribute=rng.choice(attrs)) if k < 0.3 else (
                Action("recommend", items=tuple(rng.sample(ids, 2))) if k < 0.8 else Action("wait"))
            turn = sim.respond(action)
            yield action, turn


def test_paraphrase_keeps_titles_or_falls_back(redial_catalog, data_dir):  # type: ignore[no-untyped-def]
    class Echo:  # an LLM that drops everything but the first word: must be rejected when titles vanish
        def complete(self, prompt: str, max_tokens: int = 128) -> str:
            return "Sure"

    sim = build_natural(redial_catalog, data_dir, NaturalConfig(paraphrase_prob=1.0, mention_format="redial"),
                        seed=0, llm=Echo())
    for _, turn in _episodes(sim, 20, seed=5):
        assert re.findall(r"@(\d+)", turn.text) == [i for i, _ in turn.labels.entities]


def test_throughput(natural_sim):  # type: ignore[no-untyped-def]
    import time

    t0, n = time.perf_counter(), 0
    for _action, turn in _episodes(natural_sim, 200, seed=9):
        n += turn.done
    rate = n / (time.perf_counter() - t0)
    assert n == 200 and rate > 50, f"{rate:.0f} episodes/s"


def test_waiting_on_a_request_costs_patience_and_waiting_mid_thought_pays(natural_sim):  # type: ignore[no-untyped-def]
    """`wait` has consequences: a user who asked for films loses patience when told "tell me more";
    one who was volunteering preferences goes on more often than one who was chatting."""
    from simulators.natural import replace as replace_state

    natural_sim.reset(3)
    natural_sim.state = replace_state(natural_sim.state, last_act="ask_rec")
    natural_sim.respond(Action("wait"))
    assert natural_sim.state.impatience == natural_sim.config.wait_impatience

    def volunteers(last_act: str) -> float:
        n = 0
        for seed in range(150):
            natural_sim.reset(seed)
            natural_sim.state = replace_state(natural_sim.state, last_act=last_act,
                                              latents=dataclasses.replace(natural_sim.state.latents, patience=15))
            n += natural_sim.respond(Action("wait")).act.name in ("state_attribute", "mention_liked", "mention_disliked")
        return n / 150

    mid, idle = volunteers("state_attribute"), volunteers("chitchat")
    assert mid > idle + 0.2, (mid, idle)
