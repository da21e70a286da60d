"""`crs eval simulate --simulator attribute --workers N`: the MCR evaluation over a process pool.

The episode order of the split is the simulator's seeded permutation; it is cut into fixed chunks
of `CHUNK` episodes, each played by a fresh simulator seeded with (seed, chunk index). Chunks do
not depend on the worker count, so any `--workers N` gives the same report (it differs from the
single-process path only in the noise / opening draws).

The components (catalog, episodes, ask space, policy, item prior, simulator factory) come from a
picklable `ComponentSource` the caller builds (the `crs` command: it knows the simulators, this
module does not). They are built once per process on first use, in the parent before forking, and
never changed afterwards; forked workers inherit them, Ray workers build their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from crs.policy.env import DialogueEnv, EnvConfig
from crs.policy.policy import DialoguePolicy
from crs.policy.space import AskSpace
from crs.protocols import Simulator
from crs.types import Catalog

CHUNK = 100


@dataclass(frozen=True)
class AttributeComponents:
    catalog: Catalog
    episodes: Sequence[Any]
    """The split's episodes (objects with `.user` and `.target`), in file order."""
    space: AskSpace
    policy: DialoguePolicy
    prior: str
    """Item prior of the env (`crs.policy.prior.PRIORS`)."""
    simulator: Callable[[Sequence[Any], int], Simulator]
    """(episodes of one chunk, seed) -> a simulator playing them."""


class ComponentSource(Protocol):
    """A picklable recipe for the components of a run (e.g. names of catalog, split and policy)."""

    @property
    def seed(self) -> int: ...

    def key(self) -> Hashable: ...

    def build(self) -> AttributeComponents: ...


@dataclass(frozen=True)
class _Built:
    components: AttributeComponents
    item_prior: Callable[[str], np.ndarray] | None


_BUILT: dict[Hashable, _Built] = {}


def _built(source: ComponentSource) -> _Built:
    """The source's components for this process, built on first use and never changed afterwards."""
    key = source.key()
    if key not in _BUILT:
        from crs.policy.prior import build_prior

        c = source.build()
        _BUILT[key] = _Built(c, build_prior(c.catalog, c.prior))
    return _BUILT[key]


def components(source: ComponentSource) -> AttributeComponents:
    return _built(source).components


@dataclass(frozen=True)
class ChunkJob:
    """`job((chunk, episode indices)) -> outcomes`: a picklable task function for `run_tasks`."""

    source: ComponentSource

    def __call__(self, task: tuple[int, list[int]]) -> dict[str, Any]:
        from crs.policy.episodes import run_episodes

        chunk, idx = task
        b = _built(self.source)
        c, seed = b.components, self.source.seed
        sim = c.simulator([c.episodes[i] for i in idx], seed)
        env = DialogueEnv(c.catalog, c.space, sim, EnvConfig(belief=c.policy.belief), prior=b.item_prior)
        outs = run_episodes(env, c.policy, len(idx), seed=seed * 100_003 + chunk)
        return {"outcomes": [(o.success, o.turns, o.rank, o.actions) for o in outs]}


def evaluate_parallel(source: ComponentSource, episodes: int, workers: int, backend: str = "process") -> dict[str, Any]:
    """MCR metrics of the first `episodes` episodes of the seeded order, played in chunks on `workers` processes."""
    from crs.eval.backends import run_tasks
    from crs.policy.episodes import EpisodeOutcome, mcr_metrics

    c = components(source)  # built before forking
    n = len(c.episodes)
    order = np.random.default_rng(source.seed).permutation(n)
    picks = [int(order[i % n]) for i in range(episodes)]
    tasks = [(k, picks[s : s + CHUNK]) for k, s in enumerate(range(0, len(picks), CHUNK))]
    t0 = time.perf_counter()
    results = run_tasks(ChunkJob(source), tasks, backend=backend, workers=workers)
    dt = time.perf_counter() - t0
    outcomes = [EpisodeOutcome(bool(s), int(t), r, dict(a)) for res in results for (s, t, r, a) in res["outcomes"]]
    m = mcr_metrics(outcomes)
    m["episodes_per_s"] = len(outcomes) / dt if dt > 0 else float("inf")
    m["workers"] = workers
    m["prior"] = c.prior
    return m
