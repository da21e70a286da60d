"""Typed, immutable turns produced by the simulators (text + ground-truth labels)."""

from __future__ import annotations

from dataclasses import dataclass, field

from crs.types import Act

ACTS = ("state_attribute", "mention_liked", "mention_disliked", "critique", "ask_rec", "accept", "reject",
        "chitchat")
"""Turn-level acts of the natural-language simulator."""


@dataclass(frozen=True)
class TurnLabels:
    """What the simulated user said, as ground truth for scoring the agent's understanding."""

    attributes: tuple[tuple[str, str, int], ...] = ()
    """(attribute name, value, polarity) with polarity +1 (wants) / -1 (does not want)."""
    entities: tuple[tuple[str, int], ...] = ()
    """(catalog item id, polarity) for every item mentioned in the text, in order."""


@dataclass(frozen=True)
class Reference:
    """The human recommender's next message in a replayed dialogue (for offline evaluation)."""

    text: str
    items: tuple[str, ...] = ()
    """Movies the human recommender mentioned (catalog ids for ReDial, titles where unlinked)."""


@dataclass(frozen=True)
class SimTurn:
    """One user turn: the text, its act and labels, and whether the episode is over."""

    text: str
    act: Act
    labels: TurnLabels = field(default_factory=TurnLabels)
    done: bool = False
    success: bool = False
    reference: Reference | None = None
    """Only for replayed dialogues: what the human recommender answered next."""
