"""`crs eval simulate --simulator attribute --workers N`: the MCR evaluation over a process pool.

The episode order of the split is the simulator's seeded permutation; it is cut into fixed chunks
of `CHUNK` episodes, each played by a fresh simulator seeded with (seed, chunk index). Chunks do
not depend on the worker count, so any `--workers N` gives the same report (it differs from the
single-process path only in the noise / opening draws). Components (catalog, ask space, policy,
prior) are built once in the parent and inherited by the forked workers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

CHUNK = 100
_COMPONENTS: dict[tuple, dict[str, Any]] = {}


@dataclass(frozen=True)
class AttributeJob:
    catalog: str
    data_dir: str | None
    split: str
    policy: str
    answer_noise: float
    initiative: float
    seed: int
    prior: str | None = None

    def key(self) -> tuple:
        return (self.catalog, self.data_dir, self.split, self.policy, self.prior)

    def __call__(self, task: tuple[int, list[int]]) -> dict:
        return _play_chunk(self, task)


def components(job: AttributeJob) -> dict[str, Any]:
    """Catalog, episodes, ask space, policy and item prior of a job (cached per process)."""
    if job.key() not in _COMPONENTS:
        from crs.catalog import load_catalog
        from crs.dialogue.observe import chat_ask_space
        from crs.policy import load_policy
        from crs.policy.prior import build_prior
        from simulators.attribute import load_episodes

        cat = load_catalog(job.catalog, data_dir=job.data_dir)
        space = chat_ask_space(cat)
        pol = load_policy(cat, job.policy, space=space) if job.policy == "dqn" else load_policy(cat, job.policy)
        prior = job.prior or getattr(pol, "prior", "popularity")
        _COMPONENTS[job.key()] = {"catalog": cat, "episodes": load_episodes(Path(job.split), cat), "space": space,
                                  "policy": pol, "prior": build_prior(cat, prior), "prior_name": prior}
    return _COMPONENTS[job.key()]


def _play_chunk(job: AttributeJob, task: tuple[int, list[int]]) -> dict:
    from crs.dialogue.observe import askable
    from crs.policy.env import DialogueEnv, EnvConfig
    from crs.policy.episodes import run_episodes
    from simulators.attribute import AttributeSimConfig, AttributeSimulator

    chunk, idx = task
    c = components(job)
    eps = [c["episodes"][i] for i in idx]
    sim = AttributeSimulator(c["catalog"], eps, AttributeSimConfig(answer_noise=job.answer_noise,
                                                                  initiative=job.initiative, seed=job.seed,
                                                                  attributes=askable(c["catalog"])))
    env = DialogueEnv(c["catalog"], c["space"], sim, EnvConfig(belief=c["policy"].belief), prior=c["prior"])
    outs = run_episodes(env, c["policy"], len(eps), seed=job.seed * 100_003 + chunk)
    return {"outcomes": [(o.success, o.turns, o.rank, o.actions) for o in outs]}


def evaluate_parallel(job: AttributeJob, episodes: int, workers: int, backend: str = "process") -> dict[str, Any]:
    """MCR metrics of the first `episodes` episodes of the seeded order, played in chunks on `workers` processes."""
    from crs.eval.backends import run_tasks
    from crs.policy.episodes import EpisodeOutcome, mcr_metrics

    c = components(job)  # built before forking
    n = len(c["episodes"])
    order = np.random.default_rng(job.seed).permutation(n)
    picks = [int(order[i % n]) for i in range(episodes)]
    tasks = [(k, picks[s : s + CHUNK]) for k, s in enumerate(range(0, len(picks), CHUNK))]
    t0 = time.perf_counter()
    results = run_tasks(job, tasks, backend=backend, workers=workers)
    dt = time.perf_counter() - t0
    outcomes = [EpisodeOutcome(bool(s), int(t), r, dict(a)) for res in results for (s, t, r, a) in res["outcomes"]]
    m = mcr_metrics(outcomes)
    m["episodes_per_s"] = len(outcomes) / dt if dt > 0 else float("inf")
    m["workers"] = workers
    m["prior"] = c["prior_name"]
    return m
