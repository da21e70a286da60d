"""References to films the system showed: "the second one", "the last one you said", "that one",
"the one with Tom Hanks", "the comedy one", resolved against the ordered timeline of shown items.

`find_references(text, state, catalog)` returns `Reference`s (span, item id or None when nothing was
shown or nothing matches) in text order. Positions ("first", "second", "last") count within the most
recent recommendation, in the order it was shown; "that one" / "this one" / "it" after a verb, and a
clause opening with "it was" / "that was", is the item on the table (`on_the_table`: the item last
recommended or answered about, else the newest film on the timeline, the user's included); "the one
with X" picks the shown film (newest recommendation first) whose people, genres, title or text
contain X's words. Pure: the state is read, never changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crs.nlu.text import normalise
from crs.types import Catalog, DialogueState, Speaker

_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
             "fifth": 4, "5th": 4, "last": -1, "final": -1, "latter": -1, "former": 0, "middle": 1}
_NOUN = r"(?:one|movie|film|option|suggestion|pick|recommendation|title)"
_ORD = r"(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|final|middle)"
_ORDINAL = re.compile(r"\b(?:the\s+)?" + _ORD + r"\s+" + _NOUN
                      + r"\b(?!\s+(?:i|we)\s+(?:ever\s+)?(?:saw|watched|seen|remember)|\s+(?:of|in)\s+(?:the|my|all)\b)"
                      r"|\bthe\s+(latter|former)\b|\bthe\s+" + _ORD + r"(?=\s*(?:[,.;!?]|$|\band\b|\bbut\b|\bis\b|\bwas\b|\bsounds?\b|\blooks?\b))",
                      re.IGNORECASE)
_SEVERAL = re.compile(r"\b(?:the\s+first\s+(2|two|3|three)|(?:them\s+)?(?<!\bwe\s)(?<!\bus\s)(?<!\byou\s)"
                      r"both(?!\s+of\s+(?:us|you))(?:\s+of\s+them)?|all\s+(?:of\s+them|three|3)|"
                      r"(?:seen|watched|saw|like|liked|loved)\s+(?:them|those)(?:\s+(?:all|both|movies|films))?)\b", re.IGNORECASE)
_THAT = re.compile(r"\b(?:that|this)\s+(?:one|movie|film)\b|\b(?:seen|watched|saw|about|for|like|liked|loved|hated|"
                   r"take|try|watch)\s+(?:that|this|it)\b(?!\s+(?:one|movie|film|is|was|kind|type|genre|sort))"
                   r"|(?:^|(?<=[.!?,;]\s)|(?<=\band\s)|(?<=\bbut\s)|(?<=\boh\s)|(?<=\bwell\s)|(?<=\bhonestly\s))"
                   r"(?:it|that)(?=\s+(?:was|seemed|looked|sounded)\b)",
                   re.IGNORECASE)
_WITH = re.compile(r"\bthe\s+(?:one|movie|film)\s+(?:with|about|by|starring|from|where|set in)\s+"
                   r"([^,.;!?]{2,40}?)(?=\s*(?:[,.;!?]|$|\band\b|\bor\b|\bplease\b))", re.IGNORECASE)
_KIND = re.compile(r"\bthe\s+([a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)\s+one\b", re.IGNORECASE)
_SKIP_KIND = frozenset(["first", "second", "third", "fourth", "fifth", "last", "final", "middle", "other", "same", "next",
                        "previous", "new", "only", "right", "wrong", "1st", "2nd", "3rd", "4th", "5th"])
_STOP = frozenset(["the", "a", "an", "and", "of", "in", "on", "with", "guy", "girl", "actor", "actress", "that", "this", "who",
                   "is", "was", "it", "one", "movie", "film", "about"])


@dataclass(frozen=True)
class Reference:
    """One reference to a shown film; `item` is None when it cannot be resolved."""

    span: tuple[int, int]
    item: str | None
    text: str
    kind: str = "position"
    """"position" ("the second one"), "description" ("the one with X"), "that" ("that one", "seen it")."""


def shown_lists(state: DialogueState) -> list[tuple[str, ...]]:
    """The films the system showed, one tuple per turn, oldest turn first, in the order shown."""
    by_turn: dict[int, list[str]] = {}
    for m in state.mentions:
        if m.kind == "item" and m.speaker is Speaker.SYSTEM:
            by_turn.setdefault(m.turn, []).append(m.entity)
    lists = [tuple(dict.fromkeys(v)) for _, v in sorted(by_turn.items())]
    if not lists and state.recommended:
        lists = [tuple(state.recommended)]
    return lists


def on_the_table(state: DialogueState) -> str | None:
    """The film "it" / "that one" means: the item the system last recommended or answered about,
    else the newest film on the timeline — the top of the system's newest list, or the film the user
    named after it ("I saw The Notebook" → "Drama?" → "hated it" is about The Notebook)."""
    last = state.last_action
    if last is not None and last.kind in ("recommend", "answer") and last.items:
        return last.items[0]
    for i in range(len(state.mentions) - 1, -1, -1):
        m = state.mentions[i]
        if m.kind != "item":
            continue
        if m.speaker is Speaker.USER:
            return m.entity
        first = i  # the top of that turn's list: its first system mention
        while first > 0 and state.mentions[first - 1].kind == "item" and state.mentions[first - 1].turn == m.turn \
                and state.mentions[first - 1].speaker is Speaker.SYSTEM:
            first -= 1
        return state.mentions[first].entity
    return state.recommended[0] if state.recommended else None


def find_references(text: str, state: DialogueState, catalog: Catalog) -> list[Reference]:
    """Every reference to a shown film in `text`, in text order (see the module doc)."""
    lists = shown_lists(state)
    last = lists[-1] if lists else ()
    if state.last_action is not None and state.last_action.kind == "recommend" and state.last_action.items:
        last = tuple(state.last_action.items)
    out: list[Reference] = []
    for m in _ORDINAL.finditer(text):
        word = (m.group(1) or m.group(2) or m.group(3)).lower()
        pos = _ORDINALS[word]
        item = last[pos] if last and -len(last) <= pos < len(last) else None
        out.append(Reference(m.span(), item, m.group(0)))
    for m in _SEVERAL.finditer(text):
        if any(_overlap(m.span(), r.span) for r in out) or not last:
            continue
        n = {"2": 2, "two": 2, "3": 3, "three": 3}.get((m.group(1) or "").lower(), len(last))
        out += [Reference(m.span(), item, m.group(0), "that") for item in last[:n]]
    for m in _WITH.finditer(text):
        out.append(Reference(m.span(), _matching(m.group(1), lists, catalog), m.group(0), "description"))
    for m in _KIND.finditer(text):
        words = m.group(1).lower().split()
        if words[0] in _SKIP_KIND or any(_overlap(m.span(), r.span) for r in out):
            continue
        item = _matching(m.group(1), lists, catalog)
        if item is not None:
            out.append(Reference(m.span(), item, m.group(0), "description"))
    for m in _THAT.finditer(text):
        if not any(_overlap(m.span(), r.span) for r in out):
            out.append(Reference(m.span(), on_the_table(state), m.group(0), "that"))
    return sorted(out, key=lambda r: r.span)


def _matching(query: str, lists: list[tuple[str, ...]], catalog: Catalog) -> str | None:
    """The shown film (newest list first, then shown order) whose words best cover the query's."""
    words = [w for w in normalise(query).split() if w not in _STOP and len(w) >= 3]
    if not words:
        return None
    best, best_score = None, 0
    for shown in reversed(lists):
        for item_id in shown:
            if item_id not in catalog:
                continue
            it = catalog.item(item_id)
            values = [v for name in catalog.schema.names for v in it.values(name)]
            bag = set(normalise(" ".join([it.title, it.text[:500], *values])).split())
            score = sum(w in bag for w in words)
            if score > best_score:
                best, best_score = item_id, score
        if best is not None:
            return best
    return None


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]
