"""Gymnasium environment: a simulator + belief tracker + candidate summary + top-k ranking.

The simulator is passed in (crs never imports `simulators/`); it must follow
`crs.protocols.Simulator` and speak `crs.types.Act` turns: `inform` (slot `attribute`),
`affirm` / `deny` (slot `attribute`), `choose` (slots `values`, `rejected`: the answer to a
multi-choice question, `EnvConfig.choices` > 1), `accept` (slots `item`, `rank`), `reject`, `none`.
The reward of a successful recommendation is its hDCG@(15,10) gain, so the return of an
episode is its hDCG; failures earn 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import gymnasium as gym
import numpy as np

from crs.policy.belief import Belief, BeliefConfig
from crs.policy.choices import offer
from crs.policy.features import ACTION_DIM, GLOBAL_DIM, encode, n_slots, slot_action
from crs.policy.observation import PolicyObservation, observe
from crs.policy.space import AskSpace, PolicyError
from crs.protocols import Simulator
from crs.types import Act, Action, Catalog


@dataclass(frozen=True)
class EnvConfig:
    """Episode and observation settings (the MCR protocol: 15 turns, top-10)."""

    max_turns: int = 15
    top_k: int = 10
    n_ask: int = 10
    """Ask slots of the Gymnasium action space (the units closest to a half split)."""
    n_observe: int = 10
    """Units summarised in each PolicyObservation (at least `n_ask`)."""
    choices: int = 1
    """Values offered per question: 1 is the binary protocol (yes/no on one value); more is the
    multi-choice protocol (`crs.policy.choices`; needs the env's `types`)."""
    belief: BeliefConfig = field(default_factory=BeliefConfig)


def hdcg_gain(turn: int, rank: int) -> float:
    """UNICORN's hDCG term for a success at system turn `turn` (1-based) and list rank `rank` (1-based)."""
    a = 1.0 / math.log2(turn + 2)
    b = 1.0 / math.log2(turn + 1) - a
    return a + b / math.log2(rank + 1)


def popularity_prior(catalog: Catalog) -> np.ndarray:
    """log(1 + popularity): the default item prior (the rule baselines' ranking)."""
    return np.log1p(catalog.popularity().astype(np.float64))


class DialogueEnv(gym.Env):
    """One MCR dialogue per episode; actions are slots (see `crs.policy.features`)."""

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012  (gymnasium declares it an instance attribute)

    def __init__(
        self,
        catalog: Catalog,
        space: AskSpace,
        simulator: Simulator,
        config: EnvConfig | None = None,
        prior: Callable[[str], np.ndarray] | None = None,
        types: np.ndarray | None = None,
    ) -> None:
        self.catalog, self.space, self.sim = catalog, space, simulator
        self.config = config or EnvConfig()
        if self.config.choices > 1 and (types is None or len(types) != space.n_units):
            raise PolicyError("multi-choice questions need the type of every unit (crs.policy.choices.value_types)")
        self.types = types
        self._default_prior = popularity_prior(catalog)
        self._prior = prior
        self._ids = catalog.ids
        j, c = n_slots(self.config.n_ask), self.config
        self.action_space = gym.spaces.Discrete(j)
        self.observation_space = gym.spaces.Dict(
            {
                "global": gym.spaces.Box(-10.0, 10.0, (GLOBAL_DIM,), np.float32),
                "actions": gym.spaces.Box(-10.0, 10.0, (j, ACTION_DIM), np.float32),
                "mask": gym.spaces.MultiBinary(j),
                "units": gym.spaces.Box(0, space.n_units, (j,), np.int64),
                "items": gym.spaces.Box(0, space.n_items, (c.top_k,), np.int64),
            }
        )
        self.belief: Belief | None = None
        self.obs: PolicyObservation | None = None
        self.turn = 0
        self.history: list[str] = []

    # --- structured interface (used by the evaluator and rule policies) ----------------------
    def reset_episode(self, seed: int | None = None) -> PolicyObservation:
        opening = self.sim.reset(seed)
        user = str(opening.slots.get("user", "")) if isinstance(opening, Act) else ""
        prior = self._prior(user) if self._prior is not None else self._default_prior
        self.belief = Belief(self.space, self.config.belief, prior)
        self.turn, self.history = 0, []
        self._absorb(opening)
        self.obs = self._observe()
        return self.obs

    def act(self, action: Action) -> tuple[PolicyObservation, float, bool, dict[str, Any]]:
        """Play one system action; returns (observation, reward, done, info)."""
        if self.belief is None or self.obs is None:
            raise PolicyError("call reset_episode() before act()")
        self.turn += 1
        self.history.append(action.kind)
        reply = self.sim.respond(self._question(action))
        success = reply.name == "accept"
        rank = int(reply.slots.get("rank", 1)) if success else None
        if action.kind == "recommend" and not success:
            self.belief.reject(np.fromiter((self.catalog.row(i) for i in action.items), dtype=np.int64))
        self._absorb(reply)
        done = success or self.turn >= self.config.max_turns or bool(reply.slots.get("done", False))
        reward = hdcg_gain(self.turn, rank) if success and rank is not None else 0.0
        self.obs = self._observe()
        return self.obs, reward, done, {"success": success, "rank": rank, "turn": self.turn, "kind": action.kind}

    def _question(self, action: Action) -> Action:
        """The action as said: under the multi-choice protocol an `ask(name=value)` offers that value
        and the most informative other values of its type (`attribute` "a=x|a=y")."""
        if self.config.choices <= 1 or action.kind != "ask" or action.attribute not in self.space.index:
            return action
        assert self.belief is not None and self.types is not None
        units = offer(self.belief, self.types, self.space.index[action.attribute], self.config.choices)
        return replace(action, attribute="|".join(self.space.labels[u] for u in units))

    def _absorb(self, reply: Act) -> None:
        assert self.belief is not None
        attr = reply.slots.get("attribute")
        if reply.name == "choose":  # a multi-choice answer (`Belief.choose`)
            idx = self.space.index
            self.belief.choose([idx[u] for u in reply.slots.get("values", ()) if u in idx],
                               [idx[u] for u in reply.slots.get("rejected", ()) if u in idx])
        elif reply.name in ("affirm", "deny") and attr in self.space.index:
            self.belief.answer(self.space.index[attr], reply.name == "affirm")
        elif reply.name == "inform":
            for unit in reply.slots.get("values", (attr,)):
                if unit in self.space.index:
                    self.belief.inform(self.space.index[unit])

    def _observe(self) -> PolicyObservation:
        assert self.belief is not None
        c = self.config
        n = max(c.n_ask, c.n_observe)
        return observe(self.belief, self._ids, self.turn, c.max_turns, n, c.top_k, tuple(self.history[-3:]))

    # --- Gymnasium interface ------------------------------------------------------------------
    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        obs = self.reset_episode(seed)
        return encode(obs, self.config.n_ask, self.config.top_k), {}

    def step(self, action: int) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        assert self.obs is not None
        act = slot_action(self.obs, int(action), self.config.n_ask)
        obs, reward, done, info = self.act(act)
        terminated = bool(info["success"])
        truncated = bool(done and not terminated)
        return encode(obs, self.config.n_ask, self.config.top_k), reward, terminated, truncated, info
