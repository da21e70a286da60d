"""Stage 5 of a turn, deciding: the policy seam.

`POLICIES` is the one table of policy names the chat knows: each name says how the policy is built
and which observation it reads (`crs.dialogue.observe`): the chat-tuned rules `bayes` and `rules`
read the candidate-set proxy, every other policy a real belief over the chat ask space (as in
training). Every policy implements `crs.protocols.Policy` (`choose(observation) -> Action`).

`decide` applies what remains as rules on top of the policy's choice, each listed in
docs/chatbot.md with its reason: the user's initiative wins (a question about an item is answered,
an explicit request or a rejection gets recommendations, a thank-you for a pick gets a wait), and
the recommendation shows the agent's own ranking (the same the cards show). A question is answered
and the policy's choice follows in the same reply (`Action.follow`: its question or its
recommendations; a wait adds nothing). Open questions about people are the policy's own
`ask_open` actions (no override).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from crs.dialogue.observe import BeliefObserver, CandidateObserver, Observer, chat_ask_space
from crs.dialogue.read import Reading
from crs.dialogue.track import last_top
from crs.policy.policy import DialoguePolicy, DQNPolicy, checkpoint_path, load_policy
from crs.policy.rules import RULES
from crs.policy.space import AskSpace, PolicyError
from crs.types import Action, Catalog, DialogueState, Speaker


@dataclass(frozen=True)
class PolicySpec:
    """How the chat builds and observes one named policy."""

    observation: Literal["candidates", "belief"]
    help: str
    trained_on: Literal["attribute", "natural"] | None = None
    """For a DQN: the simulator it was trained against (its checkpoint lives under that name)."""


DEFAULT_POLICY = "learned"
"""The chat's default: the DQN trained through the chat agent (`dqn-natural`) when a checkpoint for the
catalog exists (the shipped one in data/models/policy, or the user's own in the cache), else the best
hand-set rule (`FALLBACK_POLICY`) with a visible notice."""
FALLBACK_POLICY = "bayes"

POLICIES: dict[str, PolicySpec] = {
    DEFAULT_POLICY: PolicySpec("candidates", "dqn-natural where the catalog has a checkpoint, else bayes with a notice (default)"),
    "dqn-natural": PolicySpec("candidates", "the DQN trained through the chat agent against the target-free user model", "natural"),
    "bayes": PolicySpec("candidates", "recommend once the evidence-based top-k mass reaches 0.5, open questions by a "
                        "hand-set timing (the best rule; baseline)"),
    "rules": PolicySpec("candidates", "max-entropy questions until at most 10 candidates remain (baseline)"),
    "dqn": PolicySpec("belief", "the DQN trained on the attribute simulator", "attribute"),
    **{name: PolicySpec("belief", f"the `{name}` rule over a belief (as on the attribute simulator)")
       for name in RULES if name not in ("bayes", "rules")},
}

SHIPPED_POLICY_DIR = Path(__file__).resolve().parents[2] / "data" / "models" / "policy"
"""Trained chat policies shipped with the project (`crs train policy --simulator natural --ship`)."""


def policy_spec(name: str) -> PolicySpec:
    if name not in POLICIES:
        raise PolicyError(f"unknown policy {name!r}; valid: {', '.join(POLICIES)}")
    return POLICIES[name]


def shipped_checkpoint(catalog: Catalog, space: AskSpace) -> Path:
    """Where the project ships the chat-trained DQN of this catalog and schema."""
    return SHIPPED_POLICY_DIR / f"dqn-natural-{catalog.name}-{space.fingerprint}.pt"


def dqn_checkpoint(catalog: Catalog, space: AskSpace, simulator: str = "attribute",
                   cache: str | Path | None = None) -> Path:
    """Checkpoint of the DQN trained for this catalog and ask space against `simulator` (the cache
    copy a user trained, else, for the chat-trained DQN, the shipped one)."""
    from crs.config import cache_dir

    if simulator not in ("attribute", "natural"):
        raise PolicyError(f"unknown training simulator {simulator!r}; valid: attribute, natural")
    if simulator == "attribute":
        return checkpoint_path(catalog, space, cache)
    own = checkpoint_path(catalog, space, cache_dir(cache) / simulator)  # <cache>/natural/policy/dqn-...pt
    return own if own.is_file() or cache is not None else shipped_checkpoint(catalog, space)


def _foreign_checkpoints(catalog: Catalog) -> list[Path]:
    """Shipped checkpoints named for this catalog but another schema (a mismatch is an error, not a fallback)."""
    return sorted(SHIPPED_POLICY_DIR.glob(f"dqn-natural-{catalog.name}-*.pt")) if SHIPPED_POLICY_DIR.is_dir() else []


def resolve_policy(catalog: Catalog, name: str, space: AskSpace | None = None) -> tuple[str, str]:
    """(policy name, notice): `learned` becomes `dqn-natural` when the catalog has a checkpoint, else
    the fallback rule with a notice saying so; a checkpoint for another schema is a PolicyError."""
    if name != DEFAULT_POLICY:
        policy_spec(name)
        return name, ""
    space = space or chat_ask_space(catalog)
    if dqn_checkpoint(catalog, space, "natural").is_file():
        return "dqn-natural", ""
    foreign = _foreign_checkpoints(catalog)
    if foreign:
        raise PolicyError(f"the shipped policy {foreign[0].name} does not fit catalog {catalog.name!r} (schema "
                          f"{space.fingerprint}): the catalog changed; retrain with `crs train policy --catalog "
                          f"{catalog.name} --simulator natural`, or choose a rule with --policy bayes")
    return FALLBACK_POLICY, (f"No trained dialogue policy for catalog {catalog.name!r}: using the `{FALLBACK_POLICY}` "
                             f"rule. Train one with `crs train policy --catalog {catalog.name}{' --path FILE' if catalog.name == 'jsonl' else ''} "
                             f"--simulator natural`.")


def build_policy(catalog: Catalog, name: str, path: str | Path | None = None,
                 space: AskSpace | None = None) -> DialoguePolicy:
    """The policy by name (`POLICIES`); `path` loads a DQN checkpoint file instead of the catalog's own."""
    if name == DEFAULT_POLICY and path is None:
        name = resolve_policy(catalog, name, space)[0]
    spec = policy_spec("dqn" if path is not None and name not in ("dqn", "dqn-natural") else name)
    if spec.trained_on is None:
        return load_policy(catalog, name)
    space = space or chat_ask_space(catalog)
    ckpt = Path(path) if path else dqn_checkpoint(catalog, space, spec.trained_on)
    if not ckpt.is_file():
        raise PolicyError(f"no trained dialogue policy {name!r} for catalog {catalog.name!r} at {ckpt}; train one with "
                          f"`crs train policy --catalog {catalog.name} --simulator {spec.trained_on}`")
    policy = load_policy(catalog, "dqn", path=ckpt, space=space)
    if isinstance(policy, DQNPolicy) and name == "dqn-natural":
        policy.name = "dqn-natural"
    return policy


def build_observer(catalog: Catalog, name: str, policy: DialoguePolicy, space: AskSpace | None = None) -> Observer:
    """The observation the policy was built for: the candidate summary for the chat rules and the
    chat-trained DQN, a belief otherwise (a DQN says which it was trained on)."""
    space = space or chat_ask_space(catalog)
    kind = policy.observation if isinstance(policy, DQNPolicy) else POLICIES.get(name, POLICIES["dqn"]).observation
    if kind == "candidates":
        return CandidateObserver(catalog, space)
    return BeliefObserver(catalog, space, policy.belief, policy.prior)


def label_of(action: Action) -> str:
    if action.kind == "ask" and action.attribute and "=" not in action.attribute:
        return f"ask_open {action.attribute}"
    return f"ask {action.attribute}" if action.kind == "ask" else action.kind


def decide(choice: Action, reading: Reading, rec_ids: tuple[str, ...], state: DialogueState,
           catalog: Catalog) -> Action:
    """The action of the turn: the policy's `choice` unless the user's initiative overrides it."""
    return _override(choice, reading, rec_ids, state, catalog)


def _override(action: Action, reading: Reading, rec_ids: tuple[str, ...], state: DialogueState,
              catalog: Catalog) -> Action:
    intent = reading.intent
    if intent == "clarify":  # contradictory wishes or a dangling reference: ask back, do not guess
        return Action("wait", score=1.0, alternatives=((f"policy: {label_of(action)}", action.score),))
    if intent == "question":  # answered first; the policy's own move follows in the same reply
        target = _answer_target(state, catalog)
        return Action("answer", items=(target,) if target else (), score=1.0,
                      alternatives=((f"policy: {label_of(action)}", action.score),),
                      follow=_follow_up(action, rec_ids, target))
    if intent in ("request", "reject") and action.kind != "recommend":
        return Action("recommend", items=rec_ids, score=1.0,
                      alternatives=((f"policy: {label_of(action)}", action.score), *action.alternatives[:2]))
    if intent in ("accept", "goodbye"):  # thanks for a film; a farewell gets no more films
        return Action("wait", score=1.0, alternatives=((f"policy: {label_of(action)}", action.score),))
    if action.kind == "recommend" and tuple(action.items) != rec_ids and rec_ids:
        return replace(action, items=rec_ids)  # same ranking the cards show, review evidence included
    return action


def _follow_up(choice: Action, rec_ids: tuple[str, ...], answered: str | None) -> Action | None:
    """What the policy says after an answer: its question, or its recommendations (the agent's own
    ranking without the film just answered about); nothing when it chose to wait."""
    if choice.kind == "ask" and choice.attribute:
        return replace(choice, alternatives=())
    if choice.kind == "recommend":
        items = tuple(i for i in rec_ids if i != answered)
        return Action("recommend", items=items, score=choice.score) if items else None
    return None


def _answer_target(state: DialogueState, catalog: Catalog) -> str | None:
    """The item a question is about: one the user named this turn, else the one on the table."""
    named = [m.entity for m in state.mentions if m.kind == "item" and m.turn == state.turn
             and m.speaker is Speaker.USER and m.entity in catalog]
    return named[-1] if named else last_top(state)
