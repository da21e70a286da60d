"""Part of stage 4, observation: the turn's signals beyond the candidate summary.

The policy reads what the other stages understood (`crs.policy.observation.TurnSignals`): the
critique rewriting (critiques and the wishes they became), the polarity of the user's last
message, the review alignment and margin of the films it would show (`candidates.Shortlist`), the
order-aware timeline (do the latest liked films agree on a genre?), and the user's pace (said more
than asked: mid-thought, a moment to hand the initiative back with `wait`).
"""

from __future__ import annotations

from collections import Counter

from crs.dialogue.candidates import Shortlist
from crs.dialogue.elicit import Elicitor
from crs.dialogue.observe import evidence
from crs.dialogue.read import Reading
from crs.policy.observation import TurnSignals
from crs.types import Catalog, DialogueState, Speaker, liked_items

RECENT = 3
"""Latest liked films whose agreement is measured."""


def recent_agreement(state: DialogueState, catalog: Catalog, attribute: str = "genres") -> float:
    """Share of the latest liked films (most recent mentions) holding their commonest `attribute` value."""
    liked = [i for i in liked_items(state) if i in catalog][-RECENT:]
    if len(liked) < 2 or attribute not in catalog.schema:
        return 0.0
    counts = Counter(v for i in liked for v in set(catalog.item(i).values(attribute)))
    return counts.most_common(1)[0][1] / len(liked) if counts else 0.0


def new_pieces(before: DialogueState, new: DialogueState) -> int:
    """What the user told the agent between two states: new constraints, wishes and liked films."""
    liked_before = set(liked_items(before))
    return (len(set(new.constraints) - set(before.constraints))
            + len(set(new.preferences) - set(before.preferences))
            + len([i for i in liked_items(new) if i not in liked_before]))


def volunteered(before: DialogueState, new: DialogueState) -> bool:
    """The user said more than was asked: several new pieces after a question, or new ones unprompted."""
    n = new_pieces(before, new)
    asked = before.last_action is not None and before.last_action.said.kind == "ask"
    return n >= 2 or (n >= 1 and not asked and before.turn > 0)


def turn_signals(before: DialogueState, new: DialogueState, reading: Reading, short: Shortlist,
                 catalog: Catalog, open_questions: Elicitor, k: int) -> TurnSignals:
    """The `TurnSignals` of one understood user turn."""
    pol = [m.polarity for m in reading.parsed.mentions if m.polarity and m.speaker is Speaker.USER]
    return TurnSignals(
        critique=float(reading.parsed.critique is not None),
        wishes=len(new.preferences),
        excludes=sum(1 for c in new.constraints if c.op == "exclude"),
        polarity=float(sum(pol) / len(pol)) if pol else 0.0,
        review_alignment=float(max(0.0, min(1.0, short.alignment))),
        rank_margin=float(short.margin),
        recent_agreement=recent_agreement(new, catalog),
        volunteered=float(volunteered(before, new)),
        people_named=float(open_questions.people_named(new)),
        evidence=evidence(new),
        open_asked=open_questions.asked(new),
        rounds_rejected=len(new.recommended) // max(1, k),
        requested=float(reading.intent in ("request", "reject")),
    )
