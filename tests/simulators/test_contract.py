"""Contract every `crs.protocols.Simulator` implementation passes (one parametrised test per property).

Implementations: `simulators.attribute.AttributeSimulator` and `simulators.multichoice.MultiChoiceSimulator`
(LastFM*), `simulators.natural.NaturalSimulator`,
`simulators.profile.ProfileSimulator` and `simulators.replay.ReplaySimulator` (ReDial). Each is driven by a seeded random system policy
(ask / recommend / wait, as the agent would send them). The documented turn fields:

- attribute: a `crs.types.Act` whose slots carry `turn` and `done` (the opening also `attribute`, `user`);
- natural / profile / replay: a `simulators.types.SimTurn` (text, act, labels, done, success; replay
  adds the human recommender's `reference`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from crs.protocols import Simulator
from crs.types import Act, Action
from simulators.types import ACTS, SimTurn, TurnLabels


@dataclass
class Case:
    make: Callable[[], Any]
    """A fresh simulator (same construction every call)."""
    max_turns: Callable[[Any], int]
    """Most system actions one episode of this simulator answers."""
    action: Callable[[random.Random, Any], Action]
    """A valid system action for the simulator's current episode."""


def _done(turn: Any) -> bool:
    return bool(turn.slots["done"]) if isinstance(turn, Act) else bool(turn.done)


def _view(turn: Any) -> tuple:
    """Everything a turn says, comparable across runs."""
    if isinstance(turn, Act):
        return (turn.name, tuple(sorted((k, repr(v)) for k, v in turn.slots.items())))
    return (turn.text, turn.act.name, turn.labels, turn.done, turn.success, turn.reference)


def _check_turn(turn: Any, opening: bool) -> None:
    if isinstance(turn, Act):  # attribute simulator
        assert isinstance(turn.name, str) and turn.name
        assert {"turn", "done"} <= set(turn.slots)
        assert isinstance(turn.slots["turn"], int) and isinstance(turn.slots["done"], bool)
        if opening:
            assert turn.name == "inform" and turn.slots["turn"] == 0 and turn.slots["done"] is False
            assert "=" in turn.slots["attribute"] and turn.slots["user"] is not None
        return
    assert isinstance(turn, SimTurn)
    assert isinstance(turn.text, str) and isinstance(turn.act, Act) and isinstance(turn.labels, TurnLabels)
    assert isinstance(turn.done, bool) and isinstance(turn.success, bool)
    for name, value, polarity in turn.labels.attributes:
        assert isinstance(name, str) and isinstance(value, str) and polarity in (-1, 1)
    for item, polarity in turn.labels.entities:
        assert isinstance(item, str) and polarity in (-1, 0, 1)


# --- the implementations ----------------------------------------------------------------------

def _attribute_action(rng: random.Random, sim: Any) -> Action:
    k = rng.random()
    if k < 0.5:
        unit = rng.choice(sim.target_units(sim.episode.target) + (f"{sim.attributes[0]}=zzz-no-such-value",))
        return Action("ask", attribute=unit if rng.random() < 0.8 else unit.split("=")[0])
    if k < 0.85:
        ids = sim.catalog.ids
        items = tuple(rng.sample(ids, 5)) + ((sim.episode.target,) if rng.random() < 0.1 else ())
        return Action("recommend", items=items)
    return Action("wait")


def _multi_choice_action(rng: random.Random, sim: Any) -> Action:
    k = rng.random()
    if k < 0.5:
        units = sorted(sim.target_units(rng.choice(sim.episode.targets))) + [f"{sim.attributes[0]}=zzz-no-such-value"]
        return Action("ask", attribute="|".join(rng.sample(units, min(len(units), rng.choice([1, 2, 3])))))
    if k < 0.85:
        items = tuple(rng.sample(sim.catalog.ids, 5)) + ((sim.episode.targets[-1],) if rng.random() < 0.1 else ())
        return Action("recommend", items=items)
    return Action("wait")


def _natural_action(rng: random.Random, sim: Any) -> Action:
    k = rng.random()
    if k < 0.35:
        return Action("ask", attribute=rng.choice(["genres", "stars", "director", "decade", "year"]))
    if k < 0.8:
        items = tuple(rng.sample(sim.catalog.ids[:3000], 3))
        return Action("recommend", items=items + ((sim.state.latents.target,) if rng.random() < 0.1 else ()))
    return Action("wait")


def _profile_action(rng: random.Random, sim: Any) -> Action:
    k = rng.random()
    if k < 0.35:
        return Action("ask", attribute=rng.choice(["genres", "stars", "director", "decade", "year"]))
    if k < 0.8:
        items = tuple(rng.sample(sim.catalog.ids[:3000], 3))
        return Action("recommend", items=items + (sim.acceptable[:1] if rng.random() < 0.1 else ()))
    return Action("wait")


def _replay_action(rng: random.Random, sim: Any) -> Action:
    k = rng.random()
    if k < 0.3:
        return Action("ask", attribute=rng.choice(["genres", "stars", "director"]))
    if k < 0.8:
        liked = tuple(sorted(sim.liked))[:1] if rng.random() < 0.3 else ()
        return Action("recommend", items=tuple(rng.sample(sim.catalog.ids[:3000], 3)) + liked)
    return Action("wait")


@pytest.fixture(scope="module")
def cases(data_dir, lastfm_catalog, redial_catalog, natural_sim):  # type: ignore[no-untyped-def]
    from crs.catalog.dialogues import read_dialogues
    from simulators.attribute import AttributeSimConfig, AttributeSimulator, load_episodes
    from simulators.latent import NaturalConfig
    from simulators.multichoice import MultiChoiceSimulator, multi_interest_episodes
    from simulators.natural import NaturalSimulator
    from simulators.profile import ProfileConfig, ProfileSimulator, build_profile
    from simulators.profile_goals import read_entities
    from simulators.replay import ReplaySimulator, turns_of

    episodes = load_episodes(data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_valid.json",
                             lastfm_catalog)[:200]
    multi = multi_interest_episodes(lastfm_catalog, episodes, ("tags",), seed=0)
    goal_file = data_dir / "redial" / "train_subset_1000_annotated.jsonl"
    dialogues = read_dialogues(goal_file).dialogues[:20]
    profile_config = ProfileConfig(natural=NaturalConfig(mention_format="redial", typo_rate=0.0))

    def natural() -> NaturalSimulator:  # a fresh simulator sharing the mined grammar, goals and vocabulary
        return NaturalSimulator(redial_catalog, natural_sim.config, seed=0, grammar=natural_sim.grammar,
                                goals=natural_sim.goals, vocab=natural_sim.vocab)

    first = build_profile(redial_catalog, read_dialogues(goal_file).dialogues[:100], profile_config, seed=0,
                          data_dir=data_dir, entities=read_entities(goal_file))

    def profile() -> ProfileSimulator:  # a fresh simulator on the same goals, grammar and vocabulary
        return ProfileSimulator(redial_catalog, first.profiles, profile_config, 0, grammar=first.grammar,
                                vocab=first.vocab)

    return {
        "attribute": Case(lambda: AttributeSimulator(lastfm_catalog, episodes, AttributeSimConfig(max_turns=15, seed=0)),
                          lambda sim: sim.config.max_turns, _attribute_action),
        "multi-choice": Case(lambda: MultiChoiceSimulator(lastfm_catalog, multi, AttributeSimConfig(max_turns=15, seed=0)),
                             lambda sim: sim.config.max_turns, _multi_choice_action),
        "natural": Case(natural, lambda sim: sim.config.patience[1], _natural_action),
        "profile": Case(profile, lambda sim: sim.config.patience[1], _profile_action),
        "replay": Case(lambda: ReplaySimulator(dialogues, redial_catalog),
                       lambda sim: sum(t.role == "seeker" for t in turns_of(sim.dialogue)) - 1, _replay_action),
    }


@pytest.fixture(params=["attribute", "multi-choice", "natural", "profile", "replay"])
def case(request, cases):  # type: ignore[no-untyped-def]
    return cases[request.param]


def _episode(case: Case, sim: Any, seed: int) -> list[tuple]:
    """One episode from `reset(seed)`, the system's actions drawn from `seed` too: the turns seen."""
    rng = random.Random(seed)
    turn = sim.reset(seed=seed)
    _check_turn(turn, opening=True)
    seen, limit = [_view(turn)], case.max_turns(sim)
    actions = 0
    while not _done(turn):
        assert actions < limit, f"episode longer than {limit} system actions"
        turn = sim.respond(case.action(rng, sim))
        actions += 1
        _check_turn(turn, opening=False)
        seen.append(_view(turn))
    assert actions <= limit
    return seen


def test_is_a_simulator(case):  # type: ignore[no-untyped-def]
    assert isinstance(case.make(), Simulator)


def test_turns_have_the_documented_fields_and_episodes_end_in_time(case):  # type: ignore[no-untyped-def]
    sim = case.make()
    lengths = [len(_episode(case, sim, seed)) for seed in range(12)]
    assert all(n >= 1 for n in lengths)


def test_same_seed_same_episode(case):  # type: ignore[no-untyped-def]
    a, b = case.make(), case.make()
    first = [_episode(case, a, seed) for seed in (3, 4, 5)]
    assert [_episode(case, b, seed) for seed in (3, 4, 5)] == first  # another instance
    assert _episode(case, a, 4) == first[1]  # the same instance, after other episodes


def test_respond_after_the_end_is_an_error(case):  # type: ignore[no-untyped-def]
    from simulators.errors import SimulatorError

    sim = case.make()
    _episode(case, sim, 7)
    with pytest.raises(SimulatorError):
        sim.respond(Action("wait"))


def test_natural_acts_are_the_documented_ones_and_success_ends(cases):  # type: ignore[no-untyped-def]
    sim, rng = cases["natural"].make(), random.Random(0)
    for seed in range(10):
        turn = sim.reset(seed=seed)
        names = [turn.act.name]
        while not turn.done:
            turn = sim.respond(_natural_action(rng, sim))
            names.append(turn.act.name)
            assert not turn.success or turn.done  # an accepted recommendation ends the episode
        assert set(names) <= set(ACTS)
