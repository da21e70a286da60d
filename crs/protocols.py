"""The seams of crs: small Protocols, 1-3 methods each.

Implementations live in their packages (`crs.retrieval`, `crs.ranking`, `crs.policy`, ...);
`crs.dialogue.build` wires them into an agent and `ui/cli/` picks them by name. Simulators see the
agent only through `Agent`. Contract tests: `tests/*/test_contract.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from crs.types import Action, DialogueState, ParsedTurn, Results

if TYPE_CHECKING:
    from crs.policy.observation import PolicyObservation
    from crs.reviews import Opinion, Snippet


@runtime_checkable
class Retriever(Protocol):
    """Corpus search. `allow` is a boolean mask over catalog rows (hard filter applied inside)."""

    def search(self, query: str, k: int = 10, allow: np.ndarray | None = None) -> Results: ...


@runtime_checkable
class Ranker(Protocol):
    """Scores candidate item rows for the current dialogue state (higher is better)."""

    def score(self, state: DialogueState, rows: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class Policy(Protocol):
    """Chooses the system's next action from an observation of the dialogue.

    The one policy interface: the chat rules, the DQN and the chat-trained DQN all implement it
    (`crs.dialogue.decide.POLICIES` names them)."""

    name: str
    """Shown with every turn (`crs chat --json` `policy`, the demo's side panel)."""

    def choose(self, observation: PolicyObservation) -> Action: ...


@runtime_checkable
class NLU(Protocol):
    """Turns user text into a parsed turn (mentions, intent, constraints, critique)."""

    def parse(self, text: str, state: DialogueState) -> ParsedTurn: ...


@runtime_checkable
class Reviews(Protocol):
    """Review snippets aligned with the user's opinion (`crs.reviews.ReviewStore` and its read-only view)."""

    def add_opinion(self, item_id: str, text: str, polarity: int, user_id: str = "", session_id: str = "") -> object: ...

    def retrieve(self, item_id: str, opinion: Opinion | None = None, k: int = 1) -> list[Snippet]: ...

    def evidence(self, item_ids: Sequence[str], opinion: Opinion) -> list[float]: ...

    def read_only(self) -> Reviews:
        """The same snippets; `add_opinion` records nothing (simulated users write no reviews)."""
        ...


@runtime_checkable
class Generator(Protocol):
    """Renders a system action as text, grounded in the catalog."""

    def render(self, action: Action, state: DialogueState, context: Mapping[str, Any]) -> Any: ...


@runtime_checkable
class LLM(Protocol):
    """A text generator backend (local model or OpenAI-compatible endpoint)."""

    def complete(self, prompt: str, max_tokens: int = 128) -> str: ...


@runtime_checkable
class Agent(Protocol):
    """What simulators and front ends talk to: one text turn in, one reply out."""

    def step(self, state: DialogueState, text: str) -> tuple[DialogueState, Any]: ...


@runtime_checkable
class Simulator(Protocol):
    """A simulated user. The agent is a black box: it only sees the simulator's utterances/answers."""

    def reset(self, seed: int | None = None) -> Any:
        """Start an episode; returns the user's opening turn."""
        ...

    def respond(self, action: Action) -> Any:
        """React to a system action; returns the user's next turn (with ground-truth labels)."""
        ...


Ids = Sequence[str]
