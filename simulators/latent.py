"""Session-level latent variables of the natural-language simulator, and where goals come from.

`NaturalConfig` holds every distribution the simulator samples from (typed, validated, unknown
keys are errors via `crs.config.from_dict`). `GoalPool` holds real goals: for each ReDial train
dialogue, the movie the seeker accepted (target) and the movies the seeker said they liked or
disliked. `sample_latents` draws one session's `SessionLatents` from a config and a pool.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from crs.catalog.dialogues import Dialogue
from crs.types import Catalog
from simulators.errors import SimulatorError

REGISTERS = ("casual", "neutral", "formal")
MENTION_FORMATS = ("title", "redial")


@dataclass(frozen=True)
class NaturalConfig:
    """Distributions of the natural-language simulator. Beta(a, b) pairs give per-session traits."""

    patience: tuple[int, int] = (6, 15)
    """Uniform range of turns the user stays (a recommendation of the target succeeds within it)."""
    verbosity: tuple[float, float] = (2.0, 3.0)
    """Beta(a, b): chance to say two things (two liked movies, two genres) instead of one."""
    critique_propensity: tuple[float, float] = (1.5, 4.0)
    """Beta(a, b): chance to critique a wrong recommendation instead of just rejecting it."""
    initiative: tuple[float, float] = (2.0, 2.0)
    """Beta(a, b): chance to volunteer a preference when the system waits."""
    title_knowledge: tuple[float, float] = (8.0, 2.0)
    """Beta(a, b): chance to write a title exactly (else a sloppy partial title)."""
    register: Mapping[str, float] = field(default_factory=lambda: {"casual": 0.3, "neutral": 0.6, "formal": 0.1})
    """Probabilities of the writing register (casual: lower case, no final punctuation)."""
    opening: Mapping[str, float] = field(default_factory=lambda: {
        "chitchat": 0.55, "state_attribute": 0.2, "mention_liked": 0.15, "ask_rec": 0.1})
    """Act of the opening utterance."""
    volunteer: Mapping[str, float] = field(default_factory=lambda: {
        "state_attribute": 0.35, "mention_liked": 0.55, "mention_disliked": 0.1})
    """What a user with initiative volunteers when the system waits."""
    p_chitchat: float = 0.4
    """Chance of a chit-chat turn when the system waits and the user has nothing to volunteer."""
    wait_mid_thought: float = 0.4
    """Added to the chance to volunteer when the system waits right after the user volunteered
    (mid-thought: listing preferences, or answering with more than was asked)."""
    wait_impatience: int = 2
    """Turns of patience lost when the system waits right after the user asked for recommendations."""
    p_reply_chitchat: float = 0.3
    """Chance to answer a wrong recommendation with chit-chat ("what is it about?") instead of a
    reject or critique (the items still count as rejected: `act.slots['rejected']`)."""
    p_answer_movie: float = 0.2
    """Chance to answer a question about an attribute by naming a liked movie instead."""
    p_indifferent: float = 0.1
    """Chance of answering 'I don't mind' to a question about an attribute."""
    p_closing: float = 0.4
    """Chance to add thanks/bye when accepting."""
    p_name_item: float = 0.3
    """Chance that a reject/accept names the recommended movie."""
    typo_rate: float = 0.02
    """Per-utterance chance of one character-swap typo (outside titles and names)."""
    paraphrase_prob: float = 0.0
    """Chance to rephrase an utterance with the LLM backend (when one is given)."""
    n_liked: int = 3
    """Most liked movies a session knows about besides the target."""
    mention_format: str = "title"
    """How titles are written: 'title' (plain text) or 'redial' (@id, as in ReDial messages)."""
    genre_attr: str | None = None
    """The genre-like attribute whose values fill {genre} slots (None: `genres`, else the first
    multi-valued attribute of the schema). A name missing from the schema is an error."""
    person_attrs: tuple[str, ...] | None = None
    """Attributes whose values fill {person} slots (None: those of `stars`, `director` the catalog
    has). A name missing from the schema is an error."""

    def __post_init__(self) -> None:
        lo, hi = self.patience
        if not 1 <= lo <= hi:
            raise SimulatorError(f"NaturalConfig.patience must be 1 <= min <= max, got {self.patience}")
        for name in ("verbosity", "critique_propensity", "initiative", "title_knowledge"):
            a, b = getattr(self, name)
            if a <= 0 or b <= 0:
                raise SimulatorError(f"NaturalConfig.{name} needs positive Beta parameters, got {(a, b)}")
        for name in ("p_chitchat", "p_reply_chitchat", "p_answer_movie", "p_indifferent", "p_closing", "p_name_item", "typo_rate", "paraphrase_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise SimulatorError(f"NaturalConfig.{name} must be a probability, got {getattr(self, name)}")
        _check_dist("register", self.register, REGISTERS)
        _check_dist("opening", self.opening, ("chitchat", "state_attribute", "mention_liked", "ask_rec"))
        _check_dist("volunteer", self.volunteer, ("state_attribute", "mention_liked", "mention_disliked"))
        if self.mention_format not in MENTION_FORMATS:
            raise SimulatorError(f"NaturalConfig.mention_format must be one of {MENTION_FORMATS}, "
                                 f"got {self.mention_format!r}")

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> NaturalConfig:
        """Build from a plain dict; unknown keys are a SimulatorError listing the valid ones."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise SimulatorError(f"unknown NaturalConfig keys {unknown}; valid: {sorted(known)}")
        conv: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
        return cls(**conv)


def _check_dist(name: str, dist: Mapping[str, float], valid: Sequence[str]) -> None:
    bad = sorted(set(dist) - set(valid))
    if bad:
        raise SimulatorError(f"NaturalConfig.{name} has unknown keys {bad}; valid: {list(valid)}")
    if any(p < 0 for p in dist.values()) or sum(dist.values()) <= 0:
        raise SimulatorError(f"NaturalConfig.{name} needs non-negative weights with a positive sum: {dict(dist)}")


@dataclass(frozen=True)
class Goal:
    """A real user's goal: a target item, items they liked and disliked (catalog ids)."""

    target: str
    liked: tuple[str, ...] = ()
    disliked: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionLatents:
    """Hidden session variables; also the ground truth the agent's behaviour can be scored against."""

    target: str
    liked: tuple[str, ...]
    disliked: tuple[str, ...]
    patience: int
    verbosity: float
    critique_propensity: float
    initiative: float
    title_knowledge: float
    register: str


@dataclass(frozen=True)
class GoalPool:
    """Goals validated against a catalog; never empty."""

    goals: tuple[Goal, ...]
    source: str

    @classmethod
    def from_goals(cls, catalog: Catalog, goals: Iterable[Goal], source: str = "given") -> GoalPool:
        """Validate explicit goals: a target missing from the catalog is a SimulatorError."""
        out = []
        for g in goals:
            if g.target not in catalog:
                raise SimulatorError(f"target item {g.target!r} is not in catalog {catalog.name!r}")
            out.append(Goal(g.target, tuple(i for i in g.liked if i in catalog and i != g.target),
                            tuple(i for i in g.disliked if i in catalog)))
        if not out:
            raise SimulatorError(f"empty goal pool ({source}): no (user, target) goals to simulate")
        return cls(tuple(out), source)

    @classmethod
    def from_dialogues(cls, catalog: Catalog, dialogues: Iterable[Dialogue]) -> GoalPool:
        """Goals of real seekers: target = a suggested movie they liked, else a movie they liked."""
        goals = []
        for d in dialogues:
            liked = [m for m, q in d.seeker_labels.items() if q.get("liked") == 1 and m in catalog]
            disliked = [m for m, q in d.seeker_labels.items()
                        if q.get("liked") == 0 and q.get("seen") == 1 and m in catalog]
            accepted = [m for m in liked if d.seeker_labels[m].get("suggested") == 1]
            if not liked:
                continue
            target = accepted[-1] if accepted else liked[-1]
            goals.append(Goal(target, tuple(m for m in liked if m != target), tuple(disliked)))
        return cls.from_goals(catalog, goals, "dialogues")

    @classmethod
    def from_catalog(cls, catalog: Catalog, n: int = 500, seed: int = 0) -> GoalPool:
        """No dialogues: popular items as targets, liked items sharing an attribute value."""
        if len(catalog) == 0:
            raise SimulatorError(f"catalog {catalog.name!r} has no items to draw goals from")
        pop = sorted(range(len(catalog)), key=lambda r: -catalog.items[r].popularity)[: max(n * 4, 50)]
        rng = random.Random(seed)
        goals = []
        for _ in range(n):
            t = catalog.items[rng.choice(pop)]
            liked = tuple(catalog.items[r].id for r in rng.sample(pop, min(3, len(pop))) if catalog.items[r].id != t.id)
            goals.append(Goal(t.id, liked))
        return cls.from_goals(catalog, goals, "catalog")


def beta(rng: random.Random, ab: tuple[float, float]) -> float:
    return rng.betavariate(ab[0], ab[1])


def choose(rng: random.Random, dist: Mapping[str, float]) -> str:
    keys = list(dist)
    return rng.choices(keys, weights=[dist[k] for k in keys])[0]


def sample_latents(rng: random.Random, config: NaturalConfig, pool: GoalPool) -> SessionLatents:
    """Draw one session: a real goal and the user's traits."""
    g = pool.goals[rng.randrange(len(pool.goals))]
    liked = tuple(rng.sample(g.liked, min(config.n_liked, len(g.liked))))
    return SessionLatents(
        target=g.target, liked=liked, disliked=g.disliked[:2],
        patience=rng.randint(*config.patience),
        verbosity=beta(rng, config.verbosity),
        critique_propensity=beta(rng, config.critique_propensity),
        initiative=beta(rng, config.initiative),
        title_knowledge=beta(rng, config.title_knowledge),
        register=choose(rng, config.register),
    )
