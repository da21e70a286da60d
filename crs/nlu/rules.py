"""Small rule helpers of the pipeline: years, absolute attribute words, removals, positive text."""

from __future__ import annotations

import re
from collections.abc import Sequence

from crs.nlu.entities import Link
from crs.nlu.lexicon import SchemaLexicon
from crs.nlu.text import inside
from crs.types import AttributeSchema, Catalog, Constraint, DialogueState

_YEARS = (
    (re.compile(r"\b(?:after|since|newer than|later than|post)\s+((?:19|20)\d\d)\b", re.IGNORECASE), "gt"),
    (re.compile(r"\b(?:before|older than|earlier than|pre)\s+((?:19|20)\d\d)\b", re.IGNORECASE), "lt"),
    (re.compile(r"\b(?:from|in|released in|made in)\s+((?:19|20)\d\d)\b", re.IGNORECASE), "eq"),
)
_INVERT = {"ge": "lt", "gt": "le", "le": "gt", "lt": "ge"}
_REMOVE = re.compile(r"\b(forget|never ?mind|drop|ignore|scratch|remove|doesn'?t matter|don'?t care about|fine with|ok with|okay with)\b", re.IGNORECASE)
_STOP = frozenset(["i", "me", "my", "a", "an", "the", "and", "or", "to", "of", "for", "with", "in", "on", "is", "it", "that", "this", "something", "some", "movie", "movies", "film", "films", "want", "would", "like", "please", "can", "you", "could", "maybe", "anything", "really", "just", "one", "any", "also", "show", "me", "give", "find", "see", "watch"])


def year_constraints(text: str, links: Sequence[Link], schema: AttributeSchema) -> list[Constraint]:
    """'after 2010' → year > 2010, 'before 1990' → year < 1990, 'from 1999' → year = 1999."""
    if "year" not in schema:
        return []
    item_spans = [lk.span for lk in links if lk.kind == "item"]
    out = []
    for pattern, op in _YEARS:
        for m in pattern.finditer(text):
            if not any(s <= m.start(1) < e for s, e in item_spans):
                out.append(Constraint("year", op, int(m.group(1))))
    return out


def absolute_constraints(text: str, lexicon: SchemaLexicon, catalog: Catalog, scopes: list[tuple[int, int]],
                         consumed: Sequence[tuple[int, int]]) -> list[Constraint]:
    """Lexicon `absolute` words: "recent" → year ≥ newest − 5, "short" → runtime ≤ 100; negated → inverted."""
    out = []
    for rule in lexicon.raw.get("absolute", []):
        attr = rule["attribute"]
        if attr not in catalog.schema:
            continue
        for m in re.finditer(rule["pattern"], text, re.IGNORECASE):
            if inside(m.span(), list(consumed)):
                continue
            value = rule.get("value")
            if "relative_to_max" in rule:
                years = [it.year for it in catalog.items if it.year]
                value = (max(years) + int(rule["relative_to_max"])) if years else None
            if value is None:
                continue
            op = _INVERT.get(rule["op"], rule["op"]) if inside(m.span(), scopes) else rule["op"]
            out.append(Constraint(attr, op, value))
            break
    return out


def removals(text: str, links: Sequence[Link], add: Sequence[Constraint], state: DialogueState) -> list[Constraint]:
    """Constraints to drop: the opposite of each new include/exclude, and values the user lets go of
    ("forget horror", "horror doesn't matter")."""
    out: list[Constraint] = []
    flip = {"include": "exclude", "exclude": "include"}
    for c in add:
        if c.op in flip:
            opposite = Constraint(c.attribute, flip[c.op], c.value)
            if opposite in state.constraints:
                out.append(opposite)
    windows = removal_windows(text)
    for lk in links:
        if lk.kind in ("attribute", "person") and inside(lk.span, windows):
            out += [c for c in state.constraints if c.attribute == lk.attribute and str(c.value).lower() == lk.value.lower()]
    return list(dict.fromkeys(out))


def removal_windows(text: str) -> list[tuple[int, int]]:
    """Spans where the user lets a value go ("forget horror", "horror doesn't matter")."""
    out = []
    for m in _REMOVE.finditer(text):
        out.append((max(0, m.start() - 25), m.end() + 40) if m.group(1).lower().startswith(("doesn", "fine", "ok"))
                   else (m.start(), m.end() + 40))
    return out


def positive_text(text: str, scopes: list[tuple[int, int]], consumed: Sequence[tuple[int, int]]) -> str:
    """The message without negated or critiqued parts, for retrieval; '' when nothing content-ful is left."""
    cut = sorted(list(scopes) + list(consumed))
    keep, pos = [], 0
    for s, e in cut:
        if s > pos:
            keep.append(text[pos:s])
        pos = max(pos, e)
    keep.append(text[pos:])
    out = re.sub(r"@\d+\s*(<[^>]*>)?", " ", " ".join(keep))
    out = re.sub(r"\s+", " ", out).strip(" ,.;:!?-")
    out = re.sub(r"(?i)(\s+(but|and|or|though|however|so))+$", "", out)
    words = re.findall(r"[a-z0-9']+", out.lower())
    return out[:200] if any(w not in _STOP for w in words) else ""
