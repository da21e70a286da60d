"""Order-aware dialogue state tracking: pure functions from (state, parsed turn) to a new state.

The timeline `DialogueState.mentions` is append-only: every mention the NLU heard (and every item
the system showed) is added in the order it happened and is never dropped or reordered. Whether an
item is currently liked or disliked is *derived* from the timeline (the latest non-neutral mention
of an entity wins), so accept/reject and changes of mind are themselves mentions.

Rules (documented in docs/chatbot.md):
- `update` increments `turn`, stamps the turn's mentions with the new turn number, appends them.
- `remove` constraints are dropped first (exact match; value "*" matches every value of that
  attribute and op), then `add` constraints are applied: an include/exclude on an attribute value
  replaces its opposite; a numeric lower bound (ge/gt) replaces earlier lower bounds on the same
  attribute, an upper bound (le/lt) earlier upper bounds, `eq` replaces every numeric bound.
- `preferences` (and a critique's preference) are appended, skipping exact repeats within the turn;
  earlier phrases naming an include the turn dropped ("actually horror instead") are removed.
- accept/reject intents apply to the items of the last recommendation that the user named in this
  turn; if none was named, accept takes the top item of the last recommendation and reject takes
  all of it, unless the turn changes constraints ("not a war movie": the new filter does the
  rejecting, and the films that meet it are not disliked for it). Each becomes a +1/-1 mention and
  enters `accepted` / `rejected`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Literal

from crs.types import (
    Action,
    Constraint,
    DialogueState,
    Mention,
    ParsedTurn,
    Speaker,
    disliked_items,
    liked_items,
    mentioned_items,
)

LOWER = ("ge", "gt")
UPPER = ("le", "lt")
NUMERIC = LOWER + UPPER + ("eq",)
OPPOSITE = {"include": "exclude", "exclude": "include"}


def intent_kind(intent: str) -> Literal["accept", "reject"] | None:
    """Map an intent label to "accept" / "reject" / None (accepts IARD's ACC / REJ codes too)."""
    name = (intent or "").strip().lower().replace("-", "_")
    if name in ("acc", "accept") or name.startswith("accept"):
        return "accept"
    if name in ("rej", "reject") or name.startswith("reject"):
        return "reject"
    return None


def _dedupe_last(items: Iterable[str]) -> tuple[str, ...]:
    """Keep each id once, at its last position."""
    seq = list(items)
    last = {x: i for i, x in enumerate(seq)}
    return tuple(x for i, x in enumerate(seq) if last[x] == i)


def _matches(rule: Constraint, c: Constraint) -> bool:
    if rule.attribute != c.attribute or rule.op != c.op:
        return False
    return rule.value == "*" or rule.value == c.value


def _supersedes(new: Constraint, old: Constraint) -> bool:
    """True when adding `new` makes `old` obsolete (same key, opposite, or a replaced bound)."""
    if new.attribute != old.attribute:
        return False
    if new.op in OPPOSITE:
        return old.op in (new.op, OPPOSITE[new.op]) and old.value == new.value
    if new.op == "eq":
        return old.op in NUMERIC
    if new.op in LOWER:
        return old.op in LOWER or old.op == "eq"
    if new.op in UPPER:
        return old.op in UPPER or old.op == "eq"
    return False


def apply_constraints(
    current: Sequence[Constraint], add: Sequence[Constraint] = (), remove: Sequence[Constraint] = ()
) -> tuple[Constraint, ...]:
    """Constraint bookkeeping shared by `update`: removals first, then additions (see module doc)."""
    out = [c for c in current if not any(_matches(r, c) for r in remove)]
    for new in add:
        out = [c for c in out if not _supersedes(new, c)]
        out.append(new)
    return tuple(out)


def _last_recommendation(state: DialogueState) -> tuple[str, ...]:
    if state.last_action is not None and state.last_action.kind == "recommend" and state.last_action.items:
        return tuple(state.last_action.items)
    return state.recommended[-1:]


_TABLE = re.compile(r"\b(?:it|that|this|those|these|them)\b(?!\s*\()", re.IGNORECASE)
"""A word for the films on the table ("I'll take it, I loved Titanic too"); "It (2017)" is a title."""


def _feedback_targets(state: DialogueState, parsed: ParsedTurn, kind: str) -> tuple[str, ...]:
    last = _last_recommendation(state)
    named = [m.entity for m in parsed.mentions if m.kind == "item" and (m.entity in last or m.entity in state.recommended)]
    if parsed.critique is not None and parsed.critique.about_item and not named:
        named = [parsed.critique.about_item] if kind == "reject" else []
    if named:
        return _dedupe_last(named)
    if any(m.kind == "item" and m.speaker is Speaker.USER for m in parsed.mentions) and not _TABLE.search(parsed.text):
        return ()  # "Yes i good It (2017) is*": the stance is on the film named, not on the one shown
    if not last or (kind == "reject" and (parsed.add or parsed.remove)):
        return ()  # "not a war movie": the new constraint filters; the shown films are not disliked for it
    return last[:1] if kind == "accept" else last


def update(state: DialogueState, parsed: ParsedTurn) -> DialogueState:
    """Fold one parsed user turn into the state. Pure: `state` is not changed, a new one is returned."""
    turn = state.turn + 1
    new_mentions = [replace(m, turn=turn) for m in parsed.mentions]
    add, remove = tuple(parsed.add), tuple(parsed.remove)
    prefs = list(parsed.preferences)
    if parsed.critique is not None:
        add += tuple(c for c in parsed.critique.add if c not in add)
        remove += tuple(c for c in parsed.critique.remove if c not in remove)
        prefs.append(parsed.critique.preference)
    turn_prefs: list[str] = []
    for p in prefs:
        p = (p or "").strip()
        if p and p not in turn_prefs:
            turn_prefs.append(p)

    accepted, rejected = state.accepted, state.rejected
    kind = intent_kind(parsed.intent)
    if kind is not None:
        targets = _feedback_targets(state, parsed, kind)
        polarity = 1 if kind == "accept" else -1
        new_mentions += [
            Mention(item, "item", turn, Speaker.USER, polarity, text=f"({kind}ed)") for item in targets
        ]
        if kind == "accept":
            accepted = _dedupe_last(accepted + targets)
            rejected = tuple(x for x in rejected if x not in targets)
        else:
            rejected = _dedupe_last(rejected + targets)
            accepted = tuple(x for x in accepted if x not in targets)

    constraints = apply_constraints(state.constraints, add, remove)
    return replace(
        state,
        turn=turn,
        mentions=state.mentions + tuple(new_mentions),
        constraints=constraints,
        preferences=_without_dropped(state.preferences, state.constraints, constraints) + tuple(turn_prefs),
        accepted=accepted,
        rejected=rejected,
    )


def _without_dropped(preferences: Sequence[str], before: Sequence[Constraint],
                     after: Sequence[Constraint]) -> tuple[str, ...]:
    """Earlier preference phrases naming a value the user no longer wants included ("actually a horror
    instead" once they went back to comedy) are dropped, so the retriever stops searching for it."""
    gone = {str(c.value).lower() for c in before if c.op == "include" and c not in after and isinstance(c.value, str)}
    if not gone:
        return tuple(preferences)
    pattern = re.compile(r"\b(" + "|".join(re.escape(v) for v in sorted(gone)) + r")\b", re.IGNORECASE)
    return tuple(p for p in preferences if not pattern.search(p))


def record_system(state: DialogueState, action: Action, shown_items: Sequence[str] = ()) -> DialogueState:
    """Record the system's turn: shown items (or the action's items), asked attribute, last action.

    Shown items become neutral SYSTEM mentions at the current turn and are appended to
    `recommended` (once each). `turn` is not incremented: the system answers the user's turn. An
    answer followed by recommendations (`Action.follow`) is recorded as those recommendations, the
    last thing shown ("the second one" points into them); an answer followed by a question stays
    the last action with its question (`Action.said`: "yes" answers the question, "that one" is
    still the answered film).
    """
    if action.kind == "answer" and action.follow is not None and action.follow.kind == "recommend":
        action = replace(action.follow, alternatives=action.alternatives)
    shown = tuple(shown_items) or (tuple(action.items) if action.kind == "recommend" else ())
    if shown and action.kind == "recommend":
        action = replace(action, items=shown)
    mentions = tuple(Mention(item, "item", state.turn, Speaker.SYSTEM, 0, text="(shown)") for item in shown)
    recommended = state.recommended + tuple(x for x in dict.fromkeys(shown) if x not in state.recommended)
    asked = state.asked
    if action.said.kind == "ask" and action.said.attribute:
        asked = asked + (action.said.attribute,)
    return replace(state, mentions=state.mentions + mentions, recommended=recommended, asked=asked, last_action=action)


def last_top(state: DialogueState) -> str | None:
    """The film "it" refers to: the top of the most recent recommendation or answer, else the film the
    user took up last if that came after the last films shown ("the second one sounds good" → "who is
    in it?" asks about the second), else the top of the last films shown."""
    if state.last_action is not None and state.last_action.kind in ("recommend", "answer") and state.last_action.items:
        return state.last_action.items[0]
    films = [m for m in state.mentions if m.kind == "item"]
    newest = next((m for m in reversed(films) if m.speaker is Speaker.SYSTEM or m.polarity >= 0), None)
    if newest is not None and newest.speaker is not Speaker.SYSTEM:
        return newest.entity
    shown = [m for m in films if m.speaker is Speaker.SYSTEM]
    if shown:
        last_turn = shown[-1].turn
        return next(m.entity for m in shown if m.turn == last_turn)
    return state.recommended[-1] if state.recommended else None


__all__ = [
    "apply_constraints",
    "disliked_items",
    "intent_kind",
    "last_top",
    "liked_items",
    "mentioned_items",
    "record_system",
    "update",
]
