"""Content words that are not catalog attributes → soft preference phrases for the retriever.

"not too gory", "nothing with swearing", "a clever twist", "too slow", "something feel-good",
"well rated", "a hidden gem": none of these is a genre, so none becomes a genre ban. Each becomes a
positive natural-language phrase ("suspenseful, atmospheric horror with little gore") that the
dense/lexical retriever and the review aligner read, plus hard constraints only where the lexicon
names a schema attribute the catalog has (no swearing → no R / NC-17 rating where `mpaa` exists).

The words and phrases are data (`lexicon.json`, `content_words`); this module only decides whether a
word is wanted or negated: inside a negation scope, or right after "too", "less", "little", "no",
"without", "not much", ... (see `NEGATED_BEFORE`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crs.nlu.lexicon import SchemaLexicon
from crs.nlu.text import inside
from crs.types import Constraint

NEGATED_BEFORE = re.compile(
    r"\b(too|so|overly|less|little|no|without|not|n't|minimal|light on|not much|not a lot of|avoid|hate|fewer|"
    r"zero|any)\W+(?:\w+\W+)?$", re.IGNORECASE)
"""A content word right after one of these (at most one word between) is what the user does not want."""


@dataclass(frozen=True)
class ContentRule:
    name: str
    pattern: re.Pattern[str]
    negative: str
    positive: str
    exclude: tuple[tuple[str, str], ...] = ()
    always_negative: bool = False


@dataclass(frozen=True)
class Content:
    """Soft preference phrases, hard constraints (where the schema has the attribute) and spans read."""

    preferences: tuple[str, ...] = ()
    add: tuple[Constraint, ...] = ()
    consumed: tuple[tuple[int, int], ...] = ()
    negated: tuple[str, ...] = ()
    """Names of the rules that matched negated ("gore" for "not too gory")."""


def compile_content(lexicon: SchemaLexicon) -> tuple[ContentRule, ...]:
    """The lexicon's content-word rules, their `exclude` values mapped onto the schema (absent ones dropped)."""
    raw: Mapping[str, Any] = lexicon.raw.get("content_words", {})
    out = []
    for r in raw.get("rules", []):
        exc = tuple((a, v) for a, vals in r.get("exclude", {}).items() for v in lexicon.canonical(a, vals))
        out.append(ContentRule(r["name"], re.compile(r["pattern"], re.IGNORECASE), r.get("negative", ""),
                               r.get("positive", ""), exc, bool(r.get("always_negative", False))))
    return tuple(out)


def read_content(text: str, rules: Sequence[ContentRule], scopes: Sequence[tuple[int, int]],
                 skip: Sequence[tuple[int, int]], genre: str = "") -> Content:
    """Every content word of `text` outside `skip` (titles, spans other rules read), as phrases."""
    prefs: list[str] = []
    add: list[Constraint] = []
    consumed: list[tuple[int, int]] = []
    negated: list[str] = []
    for rule in rules:
        for m in rule.pattern.finditer(text):
            if inside(m.span(), list(skip)) or inside(m.span(), consumed):
                continue
            neg = rule.always_negative or inside(m.span(), list(scopes)) \
                or bool(NEGATED_BEFORE.search(text[max(0, m.start() - 30): m.start()]))
            phrase = rule.negative if neg else rule.positive
            consumed.append(m.span())
            if neg:
                negated.append(rule.name)
                add += [Constraint(a, "exclude", v) for a, v in rule.exclude]
            if phrase:
                prefs.append(" ".join(phrase.format(genre=genre or "film").split()))
            break  # one phrase per rule and message
    return Content(tuple(dict.fromkeys(prefs)), tuple(dict.fromkeys(add)), tuple(consumed), tuple(negated))
