"""What the generator returns: a reply with its strategies and grounded recommendation cards."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from crs.types import AttrValue


@dataclass(frozen=True)
class Clarification:
    """A short question back to the user instead of a guess: contradictory wishes ("a comedy but not a
    comedy": `value` is the value), or a reference to a shown film when none was shown."""

    kind: Literal["contradiction", "reference"]
    value: str = ""


@dataclass(frozen=True)
class Card:
    """One recommendation as shown to the user: every field comes from the catalog or a review."""

    id: str
    title: str
    year: int | None
    attributes: Mapping[str, AttrValue] = field(default_factory=dict)
    """The catalog schema's names and raw values (e.g. genres, runtime)."""
    reason: str = ""
    snippet: str = ""
    snippet_source: str = ""
    snippet_polarity: int = 0
    """+1 / -1 / 0: the quoted opinion's polarity."""
    snippet_attribution: str = ""
    """Who said it ("a viewer said", "a MovieLens viewer who rated it 2/5 tagged it")."""

    def to_json(self) -> dict[str, Any]:
        attrs = {k: list(v) if isinstance(v, tuple) else v for k, v in self.attributes.items()}
        return {"id": self.id, "title": self.title, "year": self.year, "attributes": attrs,
                "reason": self.reason, "snippet": self.snippet, "snippet_source": self.snippet_source,
                "snippet_polarity": self.snippet_polarity, "snippet_attribution": self.snippet_attribution}


@dataclass(frozen=True)
class Reply:
    """The system's turn: text, the action kind, the sociable strategies used, and cards."""

    text: str
    action: str
    """"ask" | "recommend" | "wait" | "answer"."""
    strategies: tuple[str, ...] = ()
    """INSPIRED sociable strategies the text uses, in order (e.g. credibility, encouragement)."""
    cards: tuple[Card, ...] = ()
    template_text: str = ""
    """The grounded template text (equal to `text` unless an LLM paraphrase passed the check)."""
    paraphrased: bool = False
