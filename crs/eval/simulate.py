"""A full-pipeline natural-language simulation run over any backend (`crs eval simulate --simulator natural`).

The caller passes a picklable `factory() -> (agent, simulator, catalog)` (the `crs` command builds it
from names: it knows the simulators, this module does not); `run_natural` builds the components
once in this process (process-pool workers inherit them), plays `episodes` seeded episodes on the
chosen backend and returns the report (`crs.eval.natural.aggregate`) and the timing of the two phases.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from crs.dialogue.agent import Agent
from crs.errors import CRSError
from crs.eval.natural import EpisodeJob, aggregate, components, episode_seeds
from crs.types import Catalog


def run_natural(factory: Callable[[], tuple[Agent, Any, Catalog]], key: str, episodes: int, seed: int,
                backend: str = "local", workers: int | None = None, address: str | None = None,
                max_turns: int = 15, target_of: Callable[[Any], str | None] | None = None,
                oracle_constraints: bool = False, progress: bool = False,
                leak_check: Callable[[Agent, Any], dict[str, Any]] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(report, timing): `episodes` episodes of the agent against the simulator, seeds from `seed`.
    `leak_check(agent, simulator)` adds the report's `leak_check` (goal dialogues found in what the
    agent and the simulator learned from)."""
    from crs.eval.backends import iter_progress, run_tasks

    if episodes < 1:
        raise CRSError(f"--episodes must be positive, got {episodes}")
    if max_turns < 1:
        raise CRSError(f"--max-turns must be positive, got {max_turns}")
    job = EpisodeJob(factory, key=key, max_turns=max_turns, target_of=target_of, oracle_constraints=oracle_constraints)
    t0 = time.perf_counter()
    if backend in ("local", "process"):
        components(job)  # built once here; forked process-pool workers inherit it
    build_s = time.perf_counter() - t0
    seeds = episode_seeds(seed, episodes)
    update, close = iter_progress(episodes, "episodes") if progress else (None, lambda: None)
    t1 = time.perf_counter()
    try:
        results = run_tasks(job, seeds, backend=backend, workers=workers, address=address, progress=update)
    finally:
        close()
    run_s = time.perf_counter() - t1
    timing = {"build_s": round(build_s, 2), "run_s": round(run_s, 2),
              "episodes_per_s": round(len(results) / run_s, 3) if run_s > 0 else None}
    report = aggregate(results, max_turns)
    if leak_check is not None:
        agent, sim, _pop = components(job)  # this process's copy (built above, or now for ray)
        report["leak_check"] = leak_check(agent, sim)
    return report, timing
