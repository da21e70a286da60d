"""Throughput of the natural-language simulator against a random scripted system."""

from __future__ import annotations

import random
import time
from typing import Any

from crs.types import Action
from simulators.natural import NaturalSimulator


def bench_natural(sim: NaturalSimulator, episodes: int = 2000, seed: int = 0, k: int = 10) -> dict[str, Any]:
    """Episodes/s and turns/s of `sim` answering random ask / recommend(k items) / wait actions.

    Actions are drawn before timing, so the figure is the simulator's own cost.
    """
    rng = random.Random(seed)
    ids = sim.catalog.ids
    askable = [a for a in (sim.vocab.genre_attr, *sim.vocab.person_attrs) if a] or list(sim.catalog.schema.names)
    actions = [Action("ask", attribute=a) for a in askable] + [Action("wait")]
    actions += [Action("recommend", items=tuple(rng.sample(ids, min(k, len(ids))))) for _ in range(200)]
    plan = [actions[rng.randrange(len(actions))] for _ in range(4096)]
    turns, t0 = 0, time.perf_counter()
    for ep in range(episodes):
        turn = sim.reset(seed=seed + ep)
        while not turn.done:
            turn = sim.respond(plan[turns % len(plan)])
            turns += 1
    dt = time.perf_counter() - t0
    return {"episodes": episodes, "seconds": dt, "episodes_per_s": episodes / dt, "turns_per_s": turns / dt,
            "turns_per_episode": turns / episodes, "grammar": sim.grammar.source}
