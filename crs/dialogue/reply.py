"""Stage 6 of a turn, the reply: the generator's context, `TurnReply` and the JSON view of a turn.

The template generator (`crs.nlg`) renders the chosen action grounded in the catalog; review
snippets aligned with the user's opinion explain recommendations; an optional LLM paraphrase
keeps every title (`crs.nlg.Paraphraser`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crs.dialogue.observe import ValueCounts
from crs.dialogue.read import Reading, opinion_of
from crs.nlg import RenderContext, Reply
from crs.protocols import Reviews
from crs.reviews import film_opinion, is_opinion, polarity_of
from crs.store import state_to_dict
from crs.types import Action, Catalog, DialogueState, liked_items


@dataclass(frozen=True)
class TurnReply(Reply):
    """A `Reply` plus what the side panel shows: candidate count, alternatives, notices."""

    candidates: int = -1
    alternatives: tuple[tuple[str, float], ...] = ()
    notices: tuple[str, ...] = ()
    policy: str = ""
    """Name of the policy that chose this turn (`dqn-natural`, `bayes`, ...)."""
    q_values: tuple[tuple[str, float], ...] = ()
    """The policy's score for every candidate action of the turn, best first (Q values for a DQN)."""
    follow_up: str = ""
    """For an answer: the policy's move said after it (`ask genres=drama`, `recommend`), "" for none."""


QUOTE_POOL = 3
"""Best-aligned snippets looked at per film; the first that is an opinion (`is_opinion`) is quoted."""


def render_context(catalog: Catalog, reviews: Reviews, state: DialogueState, reading: Reading, action: Action,
                   counts: ValueCounts, noun: str) -> RenderContext:
    """Everything the generator needs besides the action and the state."""
    snippets = {}
    answer_item = (action.items[0] if action.items else None) if action.kind == "answer" else None
    follow = action.follow if action.kind == "answer" else None
    shown = action.items if action.kind == "recommend" else (answer_item,) if answer_item else ()
    if follow is not None and follow.kind == "recommend":
        shown = tuple(dict.fromkeys(shown + follow.items))
    if shown:
        opinion = opinion_of(state, reading.text)
        for i in shown:
            best = [s for s in reviews.retrieve(i, opinion, k=QUOTE_POOL) if is_opinion(s.text)]
            if best:
                snippets[i] = best[0]
    echoes = []
    stances = dict(reading.parsed.stances)
    for m in reading.parsed.mentions:  # "I hated how slow Drive was": someone who agrees, if anyone does
        # the review reader's stance (hears more dislikes); a polarity the read stage made negative stays so
        stance = stances.get(m.entity, m.polarity) if m.polarity > 0 else m.polarity
        if stance < 0 < m.polarity and polarity_of(reading.text) >= 0:
            continue  # "I watched Titanic": the readers disagree and the words say nothing against it
        if m.kind == "item" and stance and m.entity in catalog:
            best = [s for s in reviews.retrieve(m.entity, film_opinion(reading.text, stance), k=QUOTE_POOL)
                    if is_opinion(s.text)]
            if best and agrees(best[0].polarity, best[0].text, stance) and best[0].source != "chat":
                echoes.append(best[0])
    options: tuple[str, ...] = ()
    asked = action if action.kind == "ask" else follow if follow is not None and follow.kind == "ask" else None
    if asked is not None and asked.attribute and "=" not in asked.attribute:
        options = tuple(str(v) for v, _ in counts.get(asked.attribute, [])[:3])
    parsed = reading.parsed
    return RenderContext(
        catalog=catalog, noun=noun, intent=reading.intent, snippets=snippets, echoes=tuple(echoes),
        liked=tuple(liked_items(state)), options=options, answer_item=answer_item,
        answer_attribute=reading.question if action.kind == "answer" else None,
        suggestions=tuple(parsed.suggestions), changes=tuple(parsed.add), removed=tuple(parsed.remove),
        clarify=reading.clarify)


def agrees(polarity: int, text: str, stance: int) -> bool:
    """Whether a snippet may be quoted as "some agree with you": its stored polarity is the user's
    stance and its words do not say the opposite. ReDial snippets take the speaker's post-chat label,
    which is sometimes wrong ("one of the best ... can't beat out Black Panther" labelled disliked);
    claiming agreement needs the text's own reading (VADER) not to contradict it."""
    return polarity == stance and polarity_of(text) != -stance


def turn_payload(reply: TurnReply, state: DialogueState) -> dict[str, Any]:
    """The JSON view of a turn (what `crs chat --json` prints and the store keeps)."""
    d = state_to_dict(state)
    return {
        "reply": reply.text, "action": reply.action, "strategies": list(reply.strategies),
        "recommendations": [c.to_json() for c in reply.cards],
        "candidates": reply.candidates, "alternatives": [list(a) for a in reply.alternatives],
        "policy": reply.policy, "q_values": [list(a) for a in reply.q_values], "follow_up": reply.follow_up,
        "notices": list(reply.notices),
        "state": {"preferences": d["preferences"], "constraints": d["constraints"], "mentions": d["mentions"],
                  "accepted": d["accepted"], "rejected": d["rejected"], "turn": d["turn"],
                  "session_id": d["session_id"], "user_id": d["user_id"]},
    }
