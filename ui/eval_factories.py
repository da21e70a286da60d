"""Picklable component factories for full-pipeline evaluation runs (part of the composition root).

`crs.eval.natural.EpisodeJob` receives `functools.partial(natural_components, ...)`; process and
Ray workers call it to rebuild the agent and the simulator (once per worker process). Only this
module and `ui/cli/` know both `crs.dialogue` and `simulators`.
"""

from __future__ import annotations

from typing import Any

from crs.dialogue.agent import Agent
from crs.types import Catalog

SIMULATORS = ("natural", "replay")


def build_eval_agent(catalog: Catalog, data_dir: str | None, nlu: str = "learned", policy: str = "bayes",
                     policy_path: str | None = None, k: int = 3) -> Agent:
    """The chatbot as `crs chat` builds it, with an in-memory store (no files written) and,
    optionally, a DQN checkpoint loaded from `policy_path`."""
    from crs.dialogue.build import AgentConfig, build_agent
    from crs.store import Store

    name = "bayes" if policy_path else policy
    agent = build_agent(AgentConfig(catalog=catalog.name, data_dir=data_dir, nlu=nlu, policy=name, k=k),
                        catalog=catalog, store=Store(":memory:"))
    if policy_path:  # the DQN with the belief observation it was trained on (chat ask-space ids)
        from crs.dialogue.build import with_policy

        agent = with_policy(agent, "dqn", path=policy_path)
    return agent


def natural_components(catalog: str, data_dir: str | None, nlu: str = "learned", policy: str = "bayes",
                       policy_path: str | None = None, k: int = 3, sim_seed: int = 0,
                       sim_config: dict | None = None) -> tuple[Any, Any, Catalog]:
    """(agent, NaturalSimulator, catalog) for `crs eval simulate --simulator natural`."""
    from crs.catalog import load_catalog
    from simulators.latent import NaturalConfig
    from simulators.natural import build_natural

    cat = load_catalog(catalog, data_dir=data_dir)
    sim = build_natural(cat, data_dir, NaturalConfig.from_dict(sim_config or {}), seed=sim_seed)
    return build_eval_agent(cat, data_dir, nlu, policy, policy_path, k), sim, cat


def replay_components(catalog: str, data_dir: str | None, dialogues: str, nlu: str = "learned",
                      policy: str = "bayes", policy_path: str | None = None, k: int = 3) -> tuple[Any, Any, Catalog]:
    """(agent, ReplaySimulator over the dialogue file, catalog) for replayed real dialogues."""
    from crs.catalog import load_catalog
    from simulators.replay import ReplaySimulator, load_replay_dialogues

    cat = load_catalog(catalog, data_dir=data_dir)
    sim = ReplaySimulator(load_replay_dialogues(dialogues, cat), cat)
    return build_eval_agent(cat, data_dir, nlu, policy, policy_path, k), sim, cat


def natural_target(sim: Any) -> str | None:
    """The current episode's target item of a NaturalSimulator (to explain failures)."""
    return sim.state.latents.target if sim.state is not None else None
