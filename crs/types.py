"""Typed, immutable data shared by every layer of crs.

Nothing in this module does I/O. Later layers extend these types by composition, not by
mutating them: the dialogue state is a frozen dataclass passed explicitly through the pipeline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp


class AttributeKind(str, Enum):
    """How an attribute's values behave."""

    CATEGORICAL = "categorical"  # one value per item (e.g. mpaa, decade)
    MULTI = "multi-valued"  # several values per item (e.g. genres, stars)
    ORDINAL = "ordinal"  # ordered categories
    NUMERIC = "numeric"  # numbers with ranges (year, runtime, rating)


AttrValue = str | float | int | tuple[str, ...] | None


@dataclass(frozen=True)
class Attribute:
    """One attribute of the catalog schema."""

    name: str
    kind: AttributeKind
    values: tuple[str, ...] = ()
    """Known values for categorical / multi-valued / ordinal attributes (ordered for ordinal)."""
    description: str = ""

    @property
    def is_numeric(self) -> bool:
        return self.kind is AttributeKind.NUMERIC


@dataclass(frozen=True)
class AttributeSchema:
    """The typed attribute schema of a catalog; attribute names are used as-is everywhere."""

    attributes: tuple[Attribute, ...]

    def __post_init__(self) -> None:
        names = [a.name for a in self.attributes]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate attribute names in schema: {names}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attributes)

    def __contains__(self, name: object) -> bool:
        return any(a.name == name for a in self.attributes)

    def __iter__(self) -> Iterator[Attribute]:
        return iter(self.attributes)

    def get(self, name: str) -> Attribute:
        for a in self.attributes:
            if a.name == name:
                return a
        raise KeyError(f"unknown attribute {name!r}; valid attributes: {', '.join(self.names)}")


@dataclass(frozen=True)
class Item:
    """One catalog item. `attributes` maps schema names to raw values (multi-valued → tuple)."""

    id: str
    title: str
    year: int | None = None
    text: str = ""
    attributes: Mapping[str, AttrValue] = field(default_factory=dict)
    popularity: float = 0.0

    @property
    def display(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def values(self, name: str) -> tuple[str, ...]:
        """Values of a categorical/multi-valued attribute as a tuple of strings (empty if absent)."""
        v = self.attributes.get(name)
        if v is None:
            return ()
        if isinstance(v, tuple):
            return v
        return (str(v),)


@dataclass(frozen=True, eq=False)
class Catalog:
    """Items, their typed schema, and (optionally) a users × items interaction matrix.

    `interactions` is a scipy.sparse CSR matrix with rows = users and columns = item rows in
    `items` order (one orientation everywhere). `meta` holds loader-specific extras (e.g. id maps).
    """

    name: str
    items: tuple[Item, ...]
    schema: AttributeSchema
    interactions: sp.csr_matrix | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self._index:
            self._index.update({it.id: i for i, it in enumerate(self.items)})

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._index

    def row(self, item_id: str) -> int:
        """Row position of an item id; KeyError with a clear message if unknown."""
        try:
            return self._index[item_id]
        except KeyError:
            raise KeyError(f"unknown item id {item_id!r} in catalog {self.name!r}") from None

    def item(self, item_id: str) -> Item:
        return self.items[self.row(item_id)]

    @property
    def ids(self) -> list[str]:
        return [it.id for it in self.items]

    def popularity(self) -> np.ndarray:
        return np.array([it.popularity for it in self.items], dtype=np.float32)

    def fingerprint(self) -> str:
        """Stable hash of ids, titles and texts: keys every cache derived from this catalog."""
        h = hashlib.sha256(self.name.encode())
        for it in self.items:
            h.update(it.id.encode())
            h.update(b"\x00")
            h.update(it.title.encode())
            h.update(b"\x00")
            h.update(it.text.encode())
            h.update(b"\x01")
        return h.hexdigest()[:16]


@dataclass(frozen=True)
class Results:
    """Batch-first typed search/ranking result: item row ids (int64) with their scores, best first."""

    ids: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


# --- dialogue ------------------------------------------------------------------------------


class Speaker(str, Enum):
    USER = "user"
    SYSTEM = "system"


@dataclass(frozen=True)
class Mention:
    """One mention of an entity in the dialogue, in the order it happened."""

    entity: str
    """Item id, or `attribute=value` for attribute values, or `person:Name`."""
    kind: MentionKind
    turn: int
    speaker: Speaker
    polarity: int = 0  # -1 dislike, 0 neutral/unknown, +1 like
    span: tuple[int, int] = (0, 0)
    text: str = ""


@dataclass(frozen=True)
class Constraint:
    """A hard constraint on the candidate set.

    op: "include" / "exclude" (attribute value membership) or "ge" / "le" / "gt" / "lt" / "eq"
    (numeric ranges).
    """

    attribute: str
    op: str
    value: str | float

    OPS = ("include", "exclude", "ge", "le", "gt", "lt", "eq")

    def __post_init__(self) -> None:
        if self.op not in self.OPS:
            raise ValueError(f"unknown constraint op {self.op!r}; valid: {', '.join(self.OPS)}")


@dataclass(frozen=True)
class Critique:
    """A critique rewritten into typed constraint changes and a positive preference query."""

    text: str
    add: tuple[Constraint, ...] = ()
    remove: tuple[Constraint, ...] = ()
    preference: str = ""
    about_item: str | None = None


@dataclass(frozen=True)
class Act:
    """A dialogue act (intent) with its slots, as heard from the user or produced by a simulator."""

    name: str
    slots: Mapping[str, Any] = field(default_factory=dict)


ActionKind = Literal["ask", "recommend", "wait", "answer"]
"""What the system does in a turn: ask a question, recommend items, wait (hand the initiative back),
answer a question about an item."""
MentionKind = Literal["item", "attribute", "person"]


@dataclass(frozen=True)
class Action:
    """A system action chosen by the policy."""

    kind: ActionKind
    attribute: str | None = None
    """For `ask`: an attribute ("director", an open question) or a unit "attribute=value" (yes/no)."""
    items: tuple[str, ...] = ()
    score: float = 0.0
    alternatives: tuple[tuple[str, float], ...] = ()
    """Top alternative actions as (label, score), for explanations in the UI."""
    follow: Action | None = None
    """For `answer`: the policy's own move said after the answer in the same reply (a question or
    more recommendations); None when the policy chose to wait."""

    @property
    def said(self) -> Action:
        """What the reply ended with: an answer's follow-up when it has one, else the action itself
        (what a "yes" answers and what a simulated user reacts to)."""
        return self.follow if self.kind == "answer" and self.follow is not None else self


@dataclass(frozen=True)
class ParsedTurn:
    """What the NLU heard in one user message; consumed by the pure tracker `update`."""

    text: str
    intent: str = "unknown"
    mentions: tuple[Mention, ...] = ()
    add: tuple[Constraint, ...] = ()
    """Constraints to add (from stated preferences, negations and critiques)."""
    remove: tuple[Constraint, ...] = ()
    """Constraints to drop ("forget horror")."""
    preferences: tuple[str, ...] = ()
    """Positive preference phrases for retrieval (critiques rewritten as what the user wants)."""
    critique: Critique | None = None
    suggestions: tuple[str, ...] = ()
    """"Did you mean" titles for unknown titles."""
    notices: tuple[str, ...] = ()
    """Notes for the user, e.g. that a very long message was truncated."""
    stances: tuple[tuple[str, int], ...] = ()
    """(film id, +1/-1): the user's stance on each film named, as review alignment reads it (the
    sentiment model at its balanced-accuracy threshold, which hears more dislikes than the tracker's
    polarity in `mentions`); absent films fall back to their mention's polarity."""


@dataclass(frozen=True)
class DialogueState:
    """Everything the agent knows about one conversation. Immutable; updated by the tracker."""

    session_id: str = ""
    user_id: str = ""
    turn: int = 0
    mentions: tuple[Mention, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    preferences: tuple[str, ...] = ()
    """Positive preference phrases (including rewritten critiques), oldest first."""
    accepted: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    recommended: tuple[str, ...] = ()
    asked: tuple[str, ...] = ()
    last_action: Action | None = None
    candidate_handle: str | None = None


# --- derived views of the ordered timeline (the tracker writes it; rankers and the policy read it) ---


def _polarity_timeline(state: DialogueState, kind: str) -> tuple[dict[str, int], dict[str, int]]:
    """Latest non-neutral polarity per entity, and the position of its latest non-neutral mention."""
    polarity: dict[str, int] = {}
    position: dict[str, int] = {}
    for i, m in enumerate(state.mentions):
        if m.kind != kind or m.polarity == 0:
            continue
        polarity[m.entity] = 1 if m.polarity > 0 else -1
        position[m.entity] = i
    return polarity, position


def liked_items(state: DialogueState, kind: str = "item") -> list[str]:
    """Entities whose latest non-neutral mention is positive, ordered by that mention (oldest first)."""
    polarity, position = _polarity_timeline(state, kind)
    return sorted((e for e, p in polarity.items() if p > 0), key=position.__getitem__)


def disliked_items(state: DialogueState, kind: str = "item") -> list[str]:
    """Entities whose latest non-neutral mention is negative, ordered by that mention (oldest first)."""
    polarity, position = _polarity_timeline(state, kind)
    return sorted((e for e, p in polarity.items() if p < 0), key=position.__getitem__)


def mentioned_items(state: DialogueState) -> list[str]:
    """Every item mentioned so far (either speaker, any polarity), in order of first mention."""
    return list(dict.fromkeys(m.entity for m in state.mentions if m.kind == "item"))
