"""Pluggable episode runner and MCR metrics (SR@k, average turns, hDCG@(15,10)).

The runner takes an episode environment (anything with `reset_episode(seed)` and
`act(action) -> (obs, reward, done, info)`, e.g. `crs.policy.env.DialogueEnv` around an attribute
simulator, or a natural-language environment around the full agent) and a policy-like object with
`choose(obs) -> Action`. It never imports a simulator.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from crs.errors import CRSError
from crs.types import Action


class EpisodeEnv(Protocol):
    def reset_episode(self, seed: int | None = None) -> Any: ...

    def act(self, action: Action) -> tuple[Any, float, bool, dict[str, Any]]: ...


class ChoosesActions(Protocol):
    def choose(self, obs: Any) -> Action: ...


@dataclass(frozen=True)
class EpisodeOutcome:
    success: bool
    turns: int
    """System turns played (the success turn, or the last turn)."""
    rank: int | None
    actions: dict[str, int] = field(default_factory=dict)


def hdcg(turn: int, rank: int) -> float:
    """hDCG@(15,10) term of UNICORN: 1/log2(t+2) + (1/log2(t+1) − 1/log2(t+2))·1/log2(k+1)."""
    a = 1.0 / math.log2(turn + 2)
    return a + (1.0 / math.log2(turn + 1) - a) / math.log2(rank + 1)


def run_episodes(
    env: EpisodeEnv,
    policy: ChoosesActions,
    episodes: int,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> list[EpisodeOutcome]:
    """Play `episodes` episodes (the first reset gets `seed`, later ones continue its order)."""
    if episodes < 1:
        raise CRSError(f"--episodes must be positive, got {episodes}")
    out = []
    for e in range(episodes):
        obs = env.reset_episode(seed if e == 0 else None)
        kinds: Counter[str] = Counter()
        done = False
        info: dict[str, Any] = {"success": False, "rank": None, "turn": 0}
        while not done:
            action = policy.choose(obs)
            kinds[action.kind] += 1
            obs, _, done, info = env.act(action)
        out.append(EpisodeOutcome(bool(info["success"]), int(info["turn"]), info.get("rank"), dict(kinds)))
        if progress is not None:
            progress(e + 1)
    return out


def mcr_metrics(outcomes: list[EpisodeOutcome], max_turns: int = 15) -> dict[str, Any]:
    """SR@5/10/15, average turns (failures count `max_turns`), hDCG, action counts."""
    n = max(len(outcomes), 1)
    sr = {k: sum(o.success and o.turns <= k for o in outcomes) / n for k in (5, 10, 15)}
    turns = sum(o.turns if o.success else max_turns for o in outcomes) / n
    h = sum(hdcg(o.turns, o.rank) for o in outcomes if o.success and o.rank) / n
    actions: Counter[str] = Counter()
    for o in outcomes:
        actions.update(o.actions)
    return {
        "sr_at_5": sr[5],
        "sr_at_10": sr[10],
        "sr_at_15": sr[max_turns] if max_turns in sr else sum(o.success for o in outcomes) / n,
        "avg_turns": turns,
        "hdcg": h,
        "episodes": len(outcomes),
        "actions": {k: actions.get(k, 0) for k in ("ask", "recommend", "wait")},
    }


def evaluate(env: EpisodeEnv, policy: ChoosesActions, episodes: int, seed: int = 0, max_turns: int = 15) -> dict[str, Any]:
    """Run and score; adds `episodes_per_s` (wall clock of the whole run)."""
    t0 = time.perf_counter()
    outcomes = run_episodes(env, policy, episodes, seed)
    dt = time.perf_counter() - t0
    metrics = mcr_metrics(outcomes, max_turns)
    metrics["episodes_per_s"] = len(outcomes) / dt if dt > 0 else float("inf")
    return metrics
