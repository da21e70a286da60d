"""Gymnasium environment around the whole chat agent, driven by a text simulator.

Each system turn the policy chooses ask / recommend / wait; everything else is the chatbot as
shipped: the simulator's utterance goes through NLU → tracker → candidate set → ranker
(`Agent.understand`), the policy's observation is the agent's own (`crs.dialogue.observe.BeliefObserver`
over the chat ask space, so ask-unit ids are the ones the DQN embeds), then the user's initiative may
override the choice and the generator replies (`Agent.respond`). The simulator hears the action the
agent recorded (`to_simulator`). Reward as in `crs.policy.env.DialogueEnv`: the
hDCG@(15,10) gain of the turn the user accepts a recommendation (return = the episode's hDCG).

crs never imports `simulators/`: the simulator is passed in (any object with `reset(seed)` and
`respond(Action)` returning turns with `text`, `done`, `success` and `act.slots["item"]`, e.g.
`simulators.natural.NaturalSimulator`), and so is the agent (`crs.dialogue.build.build_agent`).

The env exposes both interfaces the trainer and the evaluator use: Gymnasium `reset` / `step` on
encoded features, and structured `reset_episode` / `act(Action)` (`crs.policy.episodes.run_episodes`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from crs.dialogue.agent import Agent, PendingTurn
from crs.dialogue.build import for_simulation
from crs.dialogue.observe import BeliefObserver, CandidateObserver, Observer, chat_ask_space
from crs.dialogue.read import clean_text
from crs.policy.belief import BeliefConfig
from crs.policy.env import hdcg_gain
from crs.policy.features import ACTION_DIM, GLOBAL_DIM, action_slot, encode, n_slots, slot_action
from crs.policy.observation import PolicyObservation
from crs.policy.rules import RULES
from crs.policy.space import AskSpace, PolicyError
from crs.types import Action, DialogueState

log = logging.getLogger(__name__)


class TextTurn(Protocol):
    """A simulated user's turn (read-only: `simulators.types.SimTurn` is frozen)."""

    @property
    def text(self) -> str: ...

    @property
    def done(self) -> bool: ...

    @property
    def success(self) -> bool: ...

    @property
    def act(self) -> Any: ...


def to_simulator(action: Action) -> Action:
    """The action as a simulated user hears it: `ask genres=drama` ("in the mood for drama?") is a
    question about `genres` (the user answers with the values it wants)."""
    action = action.said  # after an answer the user reacts to the follow-up question or films
    if action.kind == "ask" and action.attribute and "=" in action.attribute:
        return Action("ask", action.attribute.split("=", 1)[0], (), action.score)
    return Action(action.kind, action.attribute, tuple(action.items), action.score)


class TextSimulator(Protocol):
    """What the env needs of a simulated user (`simulators.natural.NaturalSimulator` fits)."""

    def reset(self, seed: int | None = None) -> TextTurn: ...

    def respond(self, action: Action) -> TextTurn: ...


@dataclass(frozen=True)
class ChatEnvConfig:
    """Episode and observation settings (the MCR protocol: 15 system turns; top-10 item features)."""

    max_turns: int = 15
    n_ask: int = 10
    """Ask slots of the Gymnasium action space (the observer's units closest to a half split)."""
    top_k: int = 10
    """Items of the belief's recommendation embedded in the features (the agent shows its own k)."""
    belief: BeliefConfig = field(default_factory=lambda: BeliefConfig(prior_weight=0.2))
    prior: str = "collaborative"
    """Item prior of the agent's belief: collaborative (from the items the user liked) | popularity."""
    observation: str = "candidates"
    """What the policy reads: `candidates` (the agent's candidate summary and turn signals, as the shipped
    chat policies) | `belief` (a Bayesian belief over the ask space, as on the attribute simulator)."""
    guide: str = "bayes"
    """Rule (`crs.policy.rules.RULES`) that demonstrates and guides exploration (`guide_slot`)."""


def observation_space(space: AskSpace, n_ask: int, top_k: int) -> gym.spaces.Dict:
    """The encoded-feature space shared with `crs.policy.env.DialogueEnv`."""
    j = n_slots(n_ask)
    return gym.spaces.Dict({
        "global": gym.spaces.Box(-10.0, 10.0, (GLOBAL_DIM,), np.float32),
        "actions": gym.spaces.Box(-10.0, 10.0, (j, ACTION_DIM), np.float32),
        "mask": gym.spaces.MultiBinary(j),
        "units": gym.spaces.Box(0, space.n_units, (j,), np.int64),
        "items": gym.spaces.Box(0, space.n_items, (top_k,), np.int64),
    })


class ChatEnv(gym.Env):
    """One simulated conversation with the full chatbot per episode; actions are policy slots."""

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012  (gymnasium declares it an instance attribute)

    def __init__(self, agent: Agent, simulator: TextSimulator, config: ChatEnvConfig | None = None) -> None:
        self.config = c = config or ChatEnvConfig()
        self.sim = simulator
        self.space = chat_ask_space(agent.catalog)
        observer: Observer
        if c.observation == "belief":
            observer = BeliefObserver(agent.catalog, self.space, c.belief, c.prior, max(c.n_ask, 10), c.top_k, c.max_turns)
        elif c.observation == "candidates":
            observer = CandidateObserver(agent.catalog, self.space, c.max_turns)
        else:
            raise PolicyError(f"unknown observation {c.observation!r}; valid: candidates, belief")
        self.agent = replace(for_simulation(agent), observer=observer)  # independent episodes, the observation as deployed
        self.guide = RULES[c.guide]()
        self.action_space = gym.spaces.Discrete(n_slots(c.n_ask))
        self.observation_space = observation_space(self.space, c.n_ask, c.top_k)
        self.pending: PendingTurn | None = None
        self.state: DialogueState | None = None
        self.turn, self.episodes = 0, 0

    # --- structured interface (evaluator, rule policies) ----------------------------------------
    def reset_episode(self, seed: int | None = None) -> PolicyObservation:
        self._drop_handle()
        opening = self.sim.reset(seed)
        self.episodes += 1
        sid = f"chatenv-{seed if seed is not None else 'x'}-{self.episodes}"
        self.state = DialogueState(session_id=sid, user_id=sid)
        self.turn = 0
        return self._understand(opening.text).obs

    def act(self, action: Action) -> tuple[PolicyObservation, float, bool, dict[str, Any]]:
        """Play one system turn with `action` as the policy's choice; (observation, reward, done, info)."""
        if self.pending is None:
            raise PolicyError("call reset_episode() before act()")
        self.turn += 1
        try:
            self.state, _reply = self.agent.respond(self.pending, action)  # pending is set above
            done_action = self.state.last_action or Action("wait")
            turn = self.sim.respond(to_simulator(done_action))
        except Exception:
            if self.agent.strict:
                raise
            log.exception("chat env: turn failed; the episode ends without reward")
            self._drop_handle()
            return self.pending.obs, 0.0, True, {"success": False, "rank": None, "turn": self.turn, "kind": "error",
                                                 "chosen": action.kind, "terminal": True}
        success = bool(turn.done and turn.success)
        rank = None
        if success:
            item = turn.act.slots.get("item") if turn.act is not None else None
            rank = done_action.items.index(item) + 1 if item in done_action.items else 1
        done = bool(turn.done) or self.turn >= self.config.max_turns
        reward = hdcg_gain(self.turn, rank) if rank is not None else 0.0
        pending = self.pending
        if done:
            self._drop_handle()
        else:
            pending = self._understand(turn.text)
        info = {"success": success, "rank": rank, "turn": self.turn, "kind": done_action.kind, "chosen": action.kind,
                "terminal": bool(turn.done)}
        return pending.obs, reward, done, info

    def _understand(self, text: str) -> PendingTurn:
        assert self.state is not None
        clean, notices = clean_text(text, self.agent.max_chars)
        self.pending = self.agent.understand(self.state, clean, notices)
        return self.pending

    def _drop_handle(self) -> None:
        """Free the finished conversation's candidate set (the agent keeps one handle per session)."""
        handles = {self.state.candidate_handle if self.state else None, self.pending.handle if self.pending else None}
        for h in handles:
            if h and h in self.agent.candidates:
                self.agent.candidates.drop(h)

    def guide_slot(self) -> int:
        """The guiding rule's choice for the pending turn, as an action slot (demonstrations, exploration)."""
        if self.pending is None:
            raise PolicyError("call reset_episode() before guide_slot()")
        return action_slot(self.pending.obs, self.guide.choose(self.pending.obs), self.config.n_ask)

    # --- Gymnasium interface ------------------------------------------------------------------
    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        obs = self.reset_episode(seed)
        return encode(obs, self.config.n_ask, self.config.top_k), {}

    def step(self, action: int) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        assert self.pending is not None
        act = slot_action(self.pending.obs, int(action), self.config.n_ask)
        obs, reward, done, info = self.act(act)
        terminated = bool(info["terminal"])  # accepted, or the user left: nothing follows
        truncated = bool(done and not terminated)  # the 15-turn limit
        return encode(obs, self.config.n_ask, self.config.top_k), reward, terminated, truncated, info
