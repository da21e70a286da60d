"""The unified dialogue policy: ask(attribute=value) / recommend(top-k) / wait, one Q-network.

Public API (lazy imports; nothing heavy at import time):
- `load_policy(catalog, name="dqn"|"rules"|..., cache=None) -> DialoguePolicy` with `choose(obs) -> Action`
- `PolicyObservation`, `observe(belief, item_ids, turn, ...)`, `Belief`, `BeliefConfig`, `build_ask_space`
"""

from __future__ import annotations

from typing import Any

from crs.policy.belief import Belief, BeliefConfig
from crs.policy.observation import PolicyObservation, observe
from crs.policy.space import AskSpace, PolicyError, build_ask_space


def load_policy(catalog: Any, name: str = "dqn", cache: Any = None, **kwargs: Any) -> Any:
    """See `crs.policy.policy.load_policy`."""
    from crs.policy.policy import load_policy as _load

    return _load(catalog, name, cache, **kwargs)


__all__ = ["AskSpace", "Belief", "BeliefConfig", "PolicyError", "PolicyObservation", "build_ask_space", "load_policy", "observe"]
