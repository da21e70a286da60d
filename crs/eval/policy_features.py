"""Which observation features the trained policy uses (`crs eval policy-features`).

Play episodes with the policy through the chat agent (`ChatEnv`), record every encoded observation,
then neutralise one feature group at a time (set to its mean over the recorded turns) and count
how often the policy's choice changes. A group the policy ignores changes nothing; the shares say
what the decision reads: the candidate summary, the turn, critiques, the last message's polarity,
review alignment, the ranking's margin, the order-aware timeline, the user's pace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from crs.dialogue.chat_env import ChatEnv
from crs.policy.features import KINDS, encode, slot_kind
from crs.policy.policy import DQNPolicy

GROUPS: Mapping[str, tuple[int, ...]] = {
    "turn and patience (turns used / left)": (0, 1),
    "candidate summary (count, spread, top-k mass)": (2, 3, 4, 5),
    "answers so far (accepted, rejected, shown)": (7, 8, 9, 13),
    "last system action": (10, 11, 12),
    "critiques (this turn; wishes and exclusions so far)": (14, 15, 16),
    "polarity of the last message": (17,),
    "review alignment of the shown films": (18,),
    "ranking margin of the shown films": (19,),
    "order-aware timeline (latest liked films agree)": (20,),
    "pace (user volunteered more than asked)": (21,),
    "people named, open questions asked": (22, 24),
    "evidence count": (23,),
    "rounds of recommendations shown": (25,),
}
"""Global feature indices (`crs.policy.features.encode`) per group."""


def record(env: ChatEnv, policy: DQNPolicy, episodes: int, seed: int = 0) -> list[dict[str, np.ndarray]]:
    """Encoded observations of `episodes` episodes played by `policy` (its own choices)."""
    out = []
    for e in range(episodes):
        obs = env.reset_episode(seed + e)
        done = False
        while not done:
            out.append(encode(obs, policy.n_ask, policy.top_k))
            obs, _, done, _ = env.act(policy.choose(obs))
    return out


def ablate(policy: DQNPolicy, observations: list[dict[str, np.ndarray]]) -> dict[str, Any]:
    """Share of decisions that change when each feature group is set to its mean."""
    if not observations:
        return {"turns": 0, "groups": {}}
    q = policy.q_encoded  # the numpy forward pass the chat uses
    base = [int(np.argmax(q(o))) for o in observations]
    mean = np.mean([o["global"] for o in observations], axis=0)
    groups = {}
    for name, idx in GROUPS.items():
        changed = 0
        for o, b in zip(observations, base):
            g = o["global"].copy()
            g[list(idx)] = mean[list(idx)]
            changed += int(np.argmax(q({**o, "global": g}))) != b
        groups[name] = round(changed / len(observations), 4)
    kinds = dict.fromkeys(KINDS, 0)
    for b in base:
        kinds[slot_kind(b, policy.n_ask)] += 1
    return {"turns": len(observations), "choices": kinds,
            "decisions_changed": dict(sorted(groups.items(), key=lambda kv: -kv[1]))}
