"""Open questions about people ("any particular actor you'd like?"): what the policy may ask.

The policy's action space has `ask_open(attribute)` slots (`crs.policy.features.N_OPEN`); this
module says which attributes fill them and reads the answers. Which attributes: the people
attributes the NLU links in user text (`crs.nlu.entities.PERSON_ATTRIBUTES`) that the catalog has,
the most covered first, excluding attributes nobody names in conversation (writers); one that was
asked or that the user already constrained is not offered again. When to ask is the policy's
decision (the `bayes` baseline keeps the former hand-set timing, `crs.policy.rules.open_question_due`).

`reattribute` reads the answer: a person named right after "any director you'd like?" is that
attribute's value when the catalog has them there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from crs.types import Action, Catalog, Constraint, DialogueState, ParsedTurn, Speaker

_NOT_ASKED = frozenset({"writers"})
"""People attributes users do not name in conversation (ReDial seekers name actors and directors)."""


@dataclass(frozen=True)
class Elicitor:
    """The open attributes of a catalog (most covered first) and how answers to them are read."""

    attributes: tuple[str, ...]
    k: int = 3
    people: tuple[str, ...] = ()
    """Every people attribute of the schema (answers are re-attributed among these)."""
    known: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """The values of each people attribute."""
    coverage: Mapping[str, float] = field(default_factory=dict)
    """Share of catalog items with a value of each asked attribute."""
    kinds: tuple[str, ...] = ()
    """Low-cardinality attributes asked openly too ("what kind of movies do you like?": genres, decade)."""

    @classmethod
    def for_catalog(cls, catalog: Catalog, k: int = 3) -> Elicitor:
        from crs.nlu.entities import PERSON_ATTRIBUTES

        people = tuple(a for a in PERSON_ATTRIBUTES if a in catalog.schema)
        names = [a for a in people if a not in _NOT_ASKED]
        cover = {a: sum(1 for it in catalog.items if it.values(a)) for a in names}
        from crs.dialogue.observe import askable

        known = {a: frozenset(catalog.schema.get(a).values) for a in people}
        kinds = tuple(a for a in askable(catalog) if a not in people)
        share = {a: sum(1 for it in catalog.items if it.values(a)) / max(1, len(catalog)) for a in (*names, *kinds)}
        return cls(tuple(sorted(names, key=lambda a: -cover[a])), k, people, known, share, kinds)

    def reattribute(self, parsed: ParsedTurn, last: Action | None) -> ParsedTurn:
        """A person named right after "any director you'd like?" is that attribute's value when the
        catalog has them there (the NLU alone picks the person's most frequent role, often `stars`)."""
        asked = last.attribute if last is not None and last.kind == "ask" else None
        if asked not in self.people:
            return parsed

        def move(c: Constraint) -> Constraint:
            if c.attribute == asked or c.attribute not in self.people:
                return c
            return Constraint(asked, c.op, c.value) if c.value in self.known.get(asked, ()) else c

        add = tuple(move(c) for c in parsed.add)
        return parsed if add == tuple(parsed.add) else replace(parsed, add=add)

    def open_units(self, state: DialogueState) -> tuple[str, ...]:
        """Open attributes the policy may ask about now, people first: not asked before, not already
        constrained (a kind attribute: no include yet)."""
        constrained = {c.attribute for c in state.constraints}
        included = {c.attribute for c in state.constraints if c.op == "include"}
        people = tuple(a for a in self.attributes if a not in state.asked and a not in constrained)
        return people + tuple(a for a in self.kinds if a not in state.asked and a not in included)

    def is_people(self, attribute: str) -> bool:
        return attribute in self.attributes

    def cover(self, attribute: str) -> float:
        return self.coverage.get(attribute, 0.0)

    def asked(self, state: DialogueState) -> int:
        """Open questions asked so far this session."""
        return sum(1 for a in state.asked if a in self.attributes)

    def people_named(self, state: DialogueState) -> bool:
        """The user already talks about people (named one, or a people constraint exists)."""
        constrained = {c.attribute for c in state.constraints}
        return bool(constrained & {*self.people, *self.attributes}) or any(
            m.kind == "person" and m.speaker is Speaker.USER for m in state.mentions)
