"""What the demo shows beside the chat: recommendation cards with the aligned review snippet (its
polarity and where it came from), the side panel with the user's stance per aspect, and the
one-click critiques a card offers (each is a message sent through `Agent.step`, the same critique
path as typed text, so it shows up in the chat and the timeline)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crs.dialogue.agent import Agent
from crs.dialogue.reply import TurnReply
from crs.nlg import Card
from crs.reviews import wish_opinion
from crs.types import Catalog, DialogueState

ORIGINS = {"redial": "ReDial conversation", "redial-recommender": "ReDial conversation",
           "movielens": "MovieLens tags", "ratings": "MovieLens ratings", "tags": "catalog tags",
           "chat": "typed in this chat"}
"""Where a snippet came from, as the card names it."""
POLARITY = {1: "👍 positive", -1: "👎 negative", 0: "· mixed"}


@dataclass(frozen=True)
class Critique:
    """A one-click critique: button label, the attribute the schema needs, and the message it sends."""

    label: str
    needs: str | None
    message: Callable[[str], str]


CRITIQUES = (
    Critique("More like this", None, lambda t: f"more like {t}"),
    Critique("Not this", None, lambda t: f"less like {t}"),
    Critique("Newer", "year", lambda t: f"something newer than {t}"),
    Critique("Shorter", "runtime", lambda t: f"something shorter than {t}"),
    Critique("Lighter", "genres", lambda _t: "something lighter"),
)


def critiques_for(catalog: Catalog) -> tuple[Critique, ...]:
    """The critiques the catalog's schema supports (year, runtime, genres; always more/less like)."""
    names = set(catalog.schema.names)
    return tuple(c for c in CRITIQUES if c.needs is None or c.needs in names)


def snippet_markdown(c: Card) -> str:
    if not c.snippet:
        return ""
    origin = ORIGINS.get(c.snippet_source, c.snippet_source or "unknown")
    return (f"\n\n> {c.snippet}\n>\n> — {POLARITY.get(c.snippet_polarity, '·')} · {c.snippet_attribution} "
            f"· _from {origin}_")


def cards_markdown(reply: TurnReply | None) -> str:
    if reply is None or not reply.cards:
        return "_No recommendations yet._"
    blocks = []
    for c in reply.cards:
        attrs = " · ".join(f"{k}: {', '.join(map(str, v[:3])) if isinstance(v, tuple) else v}"
                           for k, v in list(c.attributes.items())[:4])
        blocks.append(f"#### {c.title} ({c.year or '?'})\n{attrs}\n\n**Why:** {c.reason or '—'}{snippet_markdown(c)}")
    return "\n\n---\n\n".join(blocks)


def stance_markdown(state: DialogueState) -> str:
    """The user's stance per aspect (latest wins) and the aspects they asked about."""
    op = wish_opinion(state.preferences)
    lines = [f"- {a}: {'👍 wants' if s > 0 else '👎 avoids'}" for a, s in op.aspects]
    lines += [f"- {a}: ❓ asked about (honest opinions, negatives included)" for a in op.questions]
    return "\n".join(lines) or "- none yet"


def panel_markdown(state: DialogueState, last: TurnReply | None, agent: Agent) -> str:
    cat = agent.catalog

    def name(m: Any) -> str:
        return cat.item(m.entity).display if m.kind == "item" and m.entity in cat else m.entity
    timeline = "\n".join(f"{n}. {'👍' if m.polarity > 0 else '👎' if m.polarity < 0 else '·'} {name(m)} "
                         f"({m.speaker.value}, turn {m.turn})" for n, m in enumerate(state.mentions[-12:], 1))
    cons = "\n".join(f"- {c.attribute} **{c.op}** {c.value}" for c in state.constraints) or "- none"
    prefs = "\n".join(f"- {p}" for p in state.preferences) or "- none"
    action = "—"
    if last is not None:
        alts = ", ".join(f"{a} ({s:.2f})" for a, s in last.alternatives) or "none"
        scores = "\n".join(f"- {a}: {s:.3f}" for a, s in last.q_values) or "- none"
        then = f" then **{last.follow_up}** (the policy's move after the answer)" if last.follow_up else ""
        action = (f"**{last.action}**{then} · strategies: {', '.join(last.strategies)}\n\nalternatives: {alts}\n\n"
                  f"policy **{last.policy or agent.policy.name}**, its score for every action:\n{scores}")
    count = f"{last.candidates:,}" if last is not None and last.candidates >= 0 else "—"
    return (f"### Preferences\n{prefs}\n\n### Your stance per aspect\n{stance_markdown(state)}\n\n"
            f"### Constraints and critiques\n{cons}\n\n"
            f"### Timeline\n{timeline or 'empty'}\n\n### Candidates\n{count} of {len(cat):,}\n\n"
            f"### Action\n{action}\n\n<small>session {state.session_id}</small>")
