"""The DQN trained through the whole chat agent (`crs train policy --simulator natural`).

Double DQN (`crs.policy.dqn.train`, arguments `crs.policy.dqn.natural_args`) on
`crs.dialogue.chat_env.ChatEnv`: one shared agent, one simulator per env from the caller's
`simulator(seed)` (the `crs` command draws its goals from the train part of the ReDial train
dialogues), periodic evaluations on other episodes of the same goals, so the dev part stays unseen.
It lives here, above the dialogue package, because the env is the agent itself (crs/policy does not
import crs/dialogue). Checkpoint: `crs.dialogue.decide.dqn_checkpoint(catalog, chat_ask_space(catalog), "natural")`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from crs.dialogue.agent import Agent
from crs.dialogue.chat_env import ChatEnv, ChatEnvConfig, TextSimulator
from crs.policy.dqn import Args, TrainResult, train
from crs.types import Catalog


def train_through_chat(agent: Agent, catalog: Catalog, simulator: Callable[[int], TextSimulator], args: Args,
                       cache: str | Path | None = None, progress: bool = True,
                       goal_conversations: Iterable[str] = (), observation: str = "candidates",
                       provenance: Mapping[str, Any] | None = None) -> TrainResult:
    """Train and save the chat-trained DQN; `cache` overrides the cache directory of the checkpoint.
    `goal_conversations` (the simulated users' goal dialogues) is recorded in the checkpoint."""
    cfg = ChatEnvConfig(n_ask=args.n_ask, top_k=args.top_k, belief=args.belief, prior=args.prior,
                        observation=observation)

    def make(noise: float, seed: int) -> ChatEnv:
        return ChatEnv(agent, simulator(seed), cfg)

    from crs.config import cache_dir

    return train(args, catalog, make, make, cache=cache_dir(cache) / "natural", progress=progress,
                 provenance={**(provenance or {}), "observation": observation,
                             "goal_conversations": sorted(set(goal_conversations))})
