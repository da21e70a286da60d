"""What one chat turn returns and how it is shown: `TurnReply`, input cleaning, the JSON view.

Re-exported by `crs.agent`, whose dialogue manager produces these.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from crs.nlg import Reply
from crs.types import Action, DialogueState

_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}


@dataclass(frozen=True)
class TurnReply(Reply):
    """A `Reply` plus what the side panel shows: candidate count, alternatives, notices."""

    candidates: int = -1
    alternatives: tuple[tuple[str, float], ...] = ()
    notices: tuple[str, ...] = ()


def clean_text(text: object, max_chars: int = 2000) -> tuple[str, tuple[str, ...]]:
    """Coerce to str, drop control/format characters, collapse whitespace, truncate."""
    s = text if isinstance(text, str) else ("" if text is None else str(text))
    s = s.encode("utf-8", "replace").decode("utf-8")
    s = "".join(ch if unicodedata.category(ch) not in _CONTROL else " " for ch in s[: max_chars * 2])
    s = " ".join(s.split())
    notices: tuple[str, ...] = ()
    if len(s) > max_chars:
        s = s[:max_chars]
        notices = (f"Your message was long, so I read only the first {max_chars} characters.",)
    return s, notices


def last_top(state: DialogueState) -> str | None:
    """The top item of the most recent recommendation (the one "it" refers to)."""
    if state.last_action is not None and state.last_action.kind in ("recommend", "answer") and state.last_action.items:
        return state.last_action.items[0]
    shown = [m for m in state.mentions if m.kind == "item" and m.speaker.value == "system"]
    if shown:
        last_turn = shown[-1].turn
        return next(m.entity for m in shown if m.turn == last_turn)
    return state.recommended[-1] if state.recommended else None


def label_of(action: Action) -> str:
    return f"ask {action.attribute}" if action.kind == "ask" else action.kind


def turn_payload(reply: TurnReply, state: DialogueState) -> dict[str, Any]:
    """The JSON view of a turn (what `crs chat --json` prints and the store keeps)."""
    from crs.store import state_to_dict

    d = state_to_dict(state)
    return {
        "reply": reply.text, "action": reply.action, "strategies": list(reply.strategies),
        "recommendations": [c.to_json() for c in reply.cards],
        "candidates": reply.candidates, "alternatives": [list(a) for a in reply.alternatives],
        "state": {"preferences": d["preferences"], "constraints": d["constraints"], "mentions": d["mentions"],
                  "accepted": d["accepted"], "rejected": d["rejected"], "turn": d["turn"],
                  "session_id": d["session_id"], "user_id": d["user_id"]},
    }
