"""Stage 1 of a turn, reading the message: the one place in the dialogue manager that reads user text.

`clean_text` coerces and trims whatever arrived; `read` runs the NLU (`crs.protocols.NLU`) and
adds what the agent must route itself from surface cues:

- a short yes/no right after a value question ("in the mood for some drama?") becomes an
  include/exclude of that value;
- a short reaction to the item on the table ("not that one", "thanks, I'll watch it") becomes a
  reject/accept mention of it;
- year ranges the NLU derived from vague words with no number ("a classic", "something new") are
  dropped (the words stay in the preference phrase the ranker reads);
- a person named right after "any director you'd like?" is read as that attribute (`Elicitor.reattribute`);
- the agent's routing intent (`Intent`), the attribute a question is about, and the user's
  opinion (polarity and aspects) for review alignment.

Everything after this stage works on the `Reading`, never on the raw text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

from crs.dialogue.elicit import Elicitor
from crs.dialogue.track import intent_kind, last_top
from crs.nlg.questions import question_attribute
from crs.protocols import NLU
from crs.reviews import Opinion, find_aspects, read_opinion
from crs.types import Catalog, Constraint, DialogueState, Mention, ParsedTurn, Speaker

Intent = Literal["greet", "question", "request", "accept", "reject", "off_topic", "chitchat", "inform", "empty"]
"""How the agent routes a turn (built on the NLU's IARD intent plus the surface cues below)."""

_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}
_GREET = re.compile(r"^\s*(hi+|hello|hey+|hiya|howdy|good (morning|afternoon|evening)|greetings|yo)\b", re.IGNORECASE)
_REQUEST = re.compile(r"\b(give|show|suggest|recommend|find|pick)\b.*\b(me|something|anything|one|movies?|films?)\b|"
                      r"\bsurprise me\b|\bwhat should i watch\b|\bjust (give|pick|recommend)\b|\bany (ideas|suggestions)\b|"
                      r"\bsomething else\b|\banother one\b", re.IGNORECASE)
_YES = re.compile(r"^\s*(yes|yeah|yep|yup|sure|ok(ay)?|definitely|of course|absolutely|sounds good|why not)\b", re.IGNORECASE)
_NO = re.compile(r"^\s*(no|nope|nah|not really|not at all|never)\b", re.IGNORECASE)
_REJECT = re.compile(r"^\s*(no|nope|nah|not (that|this)( one)?|seen it|already seen|something else|another one|"
                     r"i don'?t like (that|it)|not for me|boring)\b", re.IGNORECASE)
_ACCEPT = re.compile(r"^\s*(thanks?|thank you|great|perfect|awesome|sounds (good|great)|i'?ll (watch|check)|"
                     r"love it|that works|yes)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\b((19|20)\d\d|'?\d0s|(19|20)\d0s|(nine|eigh|seven|six|fif)ties)\b", re.IGNORECASE)
_NUMERIC_OPS = ("ge", "le", "gt", "lt", "eq")

YES_NO_WORDS = 8
"""Longest reply still read as a yes/no to a value question ("in the mood for some drama?")."""
REACTION_WORDS = 8
"""Longest reply still read as a reaction (accept / reject) to the item on the table."""


@dataclass(frozen=True)
class Reading:
    """What the agent understood of one message."""

    text: str
    parsed: ParsedTurn
    intent: Intent
    question: str | None = None
    """The attribute a question about an item asks for ("who directed it?" → director)."""


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


def read(text: str, state: DialogueState, nlu: NLU, catalog: Catalog, elicitor: Elicitor) -> Reading:
    """Parse `text` (already cleaned) in the context of `state` and decide how to route it."""
    parsed = _parse(text, state, nlu, elicitor)
    question = question_attribute(text, catalog.schema) if text else None
    return Reading(text, parsed, _intent(text, parsed, state, question), question)


def opinion_of(state: DialogueState, text: str = "") -> Opinion:
    """The user's stance for review alignment, from the latest preference phrases and `text`.
    Recommended items are explained with positive, aspect-aligned snippets."""
    op = read_opinion(" ".join((*state.preferences[-3:], text)))
    return Opinion(1, op.aspects)


def drop_vague_years(parsed: ParsedTurn, text: str) -> ParsedTurn:
    """Drop year ranges the NLU derived from vague words when the text names no year or decade.

    A critique about an item ("something more recent than that") keeps its relative year."""
    if parsed.critique is not None or _NUMBER.search(text):
        return parsed
    add = tuple(c for c in parsed.add if not (c.attribute == "year" and c.op in _NUMERIC_OPS))
    return parsed if len(add) == len(parsed.add) else replace(parsed, add=add)


def _parse(text: str, state: DialogueState, nlu: NLU, elicitor: Elicitor) -> ParsedTurn:
    parsed = drop_vague_years(nlu.parse(text, state), text) if text else ParsedTurn(text="", intent="empty")
    parsed = elicitor.reattribute(parsed, state.last_action)
    last = state.last_action
    if last is not None and last.kind == "ask" and last.attribute and "=" in last.attribute \
            and not parsed.add and not parsed.remove and _short_answer(text, parsed):
        name, value = last.attribute.split("=", 1)
        if _YES.search(text):
            parsed = replace(parsed, intent="inform", add=(Constraint(name, "include", value),))
        elif _NO.search(text):
            parsed = replace(parsed, intent="inform", add=(Constraint(name, "exclude", value),))
    elif last is not None and last.kind in ("recommend", "answer") and intent_kind(parsed.intent) is None \
            and not parsed.add and len(text.split()) <= REACTION_WORDS:  # a reaction to the item on the table
        reaction = "reject" if _REJECT.search(text) else "accept" if _ACCEPT.search(text) else None
        target = last_top(state)
        if reaction and target:
            named = any(m.kind == "item" for m in parsed.mentions)
            extra = () if named else (Mention(target, "item", state.turn + 1, Speaker.USER,
                                              -1 if reaction == "reject" else 1, text=text),)
            parsed = replace(parsed, intent=reaction, mentions=tuple(parsed.mentions) + extra)
    return parsed


def _intent(text: str, parsed: ParsedTurn, state: DialogueState, question: str | None) -> Intent:
    """Built on the NLU's intent (IARD taxonomy: ask_rec, add_details, accept, reject, critique,
    seen, ask_about_item, neutral, chitchat, other) with a few surface cues for the turns the
    agent must route itself (greetings, "just give me something", questions about an item)."""
    if not text:
        return "empty"
    name = (parsed.intent or "").lower()
    kind = intent_kind(name)
    last_rec = state.last_action is not None and state.last_action.kind in ("recommend", "answer")
    if kind and last_rec:
        return kind
    has_item = bool(parsed.mentions) or bool(state.recommended)
    answered = state.last_action is not None and state.last_action.kind == "ask" and bool(parsed.add)
    if has_item and not answered and (question or name == "ask_about_item"):
        return "question"  # (a reply to our question that names what the user wants is an answer)
    informative = parsed.mentions or parsed.add or parsed.remove or parsed.preferences or parsed.critique
    if _REQUEST.search(text) or (name == "ask_rec" and not informative):
        return "request"
    if informative or find_aspects(text):
        return "inform"
    if _GREET.search(text):
        return "greet"
    if name in ("chitchat", "other", "unknown", "neutral", ""):
        return "off_topic" if len(text.split()) >= 3 and not _YES.search(text) else "chitchat"
    return "inform"


def _short_answer(text: str, parsed: ParsedTurn) -> bool:
    """A reply that can be a yes/no to the last value question: short and naming no item ("Yes!",
    "sure, why not"). "Definitely! I loved Up" answers with a movie, not about the asked value."""
    return len(text.split()) <= YES_NO_WORDS and not any(m.kind == "item" for m in parsed.mentions)
