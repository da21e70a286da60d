"""Open questions when recommendations keep missing: "Any particular actor you'd like?".

The policy chooses among value questions of low-cardinality attributes ("in the mood for some
drama?") and recommending. While the candidate set is large, genres alone do not pin down what the
user wants; a human recommender asks an open question about people ("any actor you like?"), whose
answer narrows thousands of candidates to a few dozen. The `Elicitor` turns the policy's
recommendation into such a question: the first one before the `ELICIT_AFTER`-th round of
recommendations, the next after `ELICIT_EVERY` more rounds turned down, at most
`MAX_OPEN_QUESTIONS` a session, each attribute once, never when the user asked for a
recommendation, asked about an item or accepted one, and not when the user already named people.
Timing tuned on NL-simulator seeds 1-2 (docs/EVALUATION.md). A rule on top of the policy, listed in docs/chatbot.md.

Which attributes: the people attributes the NLU links in user text
(`crs.nlu.entities.PERSON_ATTRIBUTES`) that the catalog has, the most covered first, excluding
attributes nobody names in conversation (writers). No attribute names of a domain are needed
beyond what the NLU already links.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from crs.types import Action, Catalog, Constraint, DialogueState, ParsedTurn, Speaker

ELICIT_AFTER = 0
"""Rounds of recommendations (k items each) turned down before the first open question (0: ask first)."""
ELICIT_EVERY = 1
"""Further rounds turned down before the next open question."""
ELICIT_MIN_CANDIDATES = 50
"""Only ask while at least this many candidates remain (a small set is better shown than narrowed)."""
MAX_OPEN_QUESTIONS = 2
"""Open questions per session."""
_NOT_ASKED = frozenset({"writers"})
"""People attributes users do not name in conversation (ReDial seekers name actors and directors)."""


@dataclass(frozen=True)
class Elicitor:
    """Decides whether this turn's recommendation becomes an open question about an attribute."""

    attributes: tuple[str, ...]
    k: int = 3
    people: tuple[str, ...] = ()
    """Every people attribute of the schema (answers are re-attributed among these)."""
    known: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """The values of each people attribute."""

    @classmethod
    def for_catalog(cls, catalog: Catalog, k: int = 3) -> Elicitor:
        from crs.nlu.entities import PERSON_ATTRIBUTES

        people = tuple(a for a in PERSON_ATTRIBUTES if a in catalog.schema)
        names = [a for a in people if a not in _NOT_ASKED]
        cover = {a: sum(1 for it in catalog.items if it.values(a)) for a in names}
        known = {a: frozenset(catalog.schema.get(a).values) for a in people}
        return cls(tuple(sorted(names, key=lambda a: -cover[a])), k, people, known)

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

    def __call__(self, action: Action, intent: str, state: DialogueState, n_candidates: int) -> Action:
        if action.kind != "recommend" or intent in ("request", "reject", "question", "accept") or not self.attributes:
            return action
        attr = self.next_attribute(state, n_candidates)
        if attr is None:
            return action
        return Action("ask", attr, score=1.0, alternatives=(("policy: recommend", action.score), *action.alternatives[:2]))

    def next_attribute(self, state: DialogueState, n_candidates: int) -> str | None:
        """The attribute to ask about now, or None."""
        done = [a for a in state.asked if a in self.attributes]
        rounds = len(state.recommended) // max(1, self.k)
        if (len(done) >= MAX_OPEN_QUESTIONS or n_candidates < ELICIT_MIN_CANDIDATES
                or rounds < ELICIT_AFTER + ELICIT_EVERY * len(done)):
            return None
        constrained = {c.attribute for c in state.constraints}
        talked = any(m.kind == "person" and m.speaker is Speaker.USER for m in state.mentions)
        if not done and (talked or constrained & set(self.attributes)):
            return None  # the user already talks about people: no need to ask
        return next((a for a in self.attributes if a not in done and a not in constrained), None)
