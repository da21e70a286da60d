"""Critique → preference rewriting: "too scary" → exclude horror/thriller + "light-hearted fun".

Rules come from the lexicon data file (`critiques`): a regex, genre-like values to include or
exclude (mapped through the schema, case-insensitively), or a *relative* constraint resolved
against the item being discussed ("more recent" → year > that item's year). The item discussed
is one named in the critique ("newer than X", "less like X"), else the last recommendation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crs.nlu.entities import Link
from crs.nlu.lexicon import SchemaLexicon
from crs.nlu.numbers import newest_year
from crs.nlu.text import about_time, open_to, said_of_a_film
from crs.types import AttrValue, Catalog, Constraint, Critique, DialogueState, Item

_LESS_LIKE = re.compile(r"\b(less like|not like|unlike|different from|other than|than|instead of)\s*$")
_GENERIC = re.compile(r"\s+(movies|films|ones|stuff|classics|titles|movie|film)\b", re.IGNORECASE)
_THAN_NUMBER = re.compile(r"\s+than\s+(?:the\s+)?(?:(?:19|20)\d\d|'?(?:19|20)?\d0'?s|\d{1,3}\s*(?:min|minutes|hours?|hrs?)\b)",
                          re.IGNORECASE)
"""A comparative measured against a number ("older than 2005", "longer than 2 hours") is the
number reader's, not a critique relative to the film being discussed."""
_MORE_LIKE = re.compile(r"\b(more like|closer to|like|similar to)\s*$")
_NEG = r"(?:\bnot|\bnothing|n't|\bnever|\bno)\s+(?:be\s+|being\s+|get\s+|getting\s+)?"
_DEG = r"(?:too|overly|that|so|very|super|all that)"
MODERATED = re.compile(_NEG + _DEG + r"\s+$", re.IGNORECASE)
"""A negation right before a degree word: "not too scary", "nothing too silly", "wasn't that scary".
The user asks for less of something, not for none of it: a soft preference, never a genre ban."""
LET_DOWN = re.compile(r"(?:\bnot\s+(?:as|so|that)|n't\s+(?:as|so|that)|\bless)\s+([a-z]+)\b(?:\s+[\w']+){0,4}?\s+"
                      r"(?:as|than)\s+(?:i|we)(?:\s+had|'d)?\s+(?:hoped|expected|thought|wanted|imagined|would have liked)\b",
                      re.IGNORECASE)
"""A film that fell short of a hope ("not as scary as I hoped", "less funny than I expected"): the user
wants *more* of the trait, not less; read as "more <trait>"."""
_NEGATION_BEFORE = re.compile(_NEG + "$", re.IGNORECASE)
_DEGREE = re.compile(_DEG + r"\b", re.IGNORECASE)
_OPPOSITE = {"gt": "le", "ge": "lt", "lt": "ge", "le": "gt"}


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    include: tuple[tuple[str, str], ...] = ()
    exclude: tuple[tuple[str, str], ...] = ()
    relative: tuple[str, str] | None = None  # (attribute, op) against the discussed item
    preference: str = ""
    fallback: tuple[str, float] | None = None  # (op, value) when the relative reference is unknown


@dataclass(frozen=True)
class CritiqueResult:
    """A critique plus the text spans its rules consumed (their words are not read again as values)."""

    critique: Critique
    consumed: tuple[tuple[int, int], ...] = ()
    polarity: dict[str, int] = field(default_factory=dict)  # item id → -1/+1 from "less like X, more like Y"


def compile_rules(lexicon: SchemaLexicon, newest_year: int | None = None) -> tuple[Rule, ...]:
    rules = []
    for raw in lexicon.raw.get("critiques", []):
        inc = tuple((a, v) for a, vals in raw.get("include", {}).items() for v in lexicon.canonical(a, vals))
        exc = tuple((a, v) for a, vals in raw.get("exclude", {}).items() for v in lexicon.canonical(a, vals))
        rel = raw.get("relative")
        relative = (rel["attribute"], rel["op"]) if rel and rel["attribute"] in lexicon.schema else None
        if inc or exc or relative:
            rules.append(Rule(re.compile(raw["pattern"], re.IGNORECASE), inc, exc, relative, raw.get("preference", ""),
                              _fallback(raw.get("fallback"), newest_year)))
    return tuple(rules)


def item_value(item: Item, attribute: str) -> float | None:
    """A numeric attribute of an item (year falls back to `Item.year`)."""
    v: AttrValue = item.attributes.get(attribute)
    if v is None and attribute == "year":
        v = item.year
    if v is None or isinstance(v, tuple):  # float(tuple) is a TypeError: no number
        return None
    try:
        return float(v)
    except ValueError:
        return None


def discussed_item(state: DialogueState) -> str | None:
    """The item a relative critique refers to when none is named: the last recommendation."""
    if state.last_action is not None and state.last_action.items:
        return state.last_action.items[0]
    return state.recommended[-1] if state.recommended else None


class CritiqueRules:
    """The default, offline critique rewriter (rules + lexicon)."""

    def __init__(self, catalog: Catalog, lexicon: SchemaLexicon) -> None:
        self.catalog, self.lexicon = catalog, lexicon
        self.rules = compile_rules(lexicon, newest_year(catalog))

    def rewrite(self, text: str, state: DialogueState, links: Sequence[Link],
                scopes: Sequence[tuple[int, int]] = ()) -> CritiqueResult | None:
        """The critique of `text`, or None. A rule matched after a negation cue of `scopes` is read
        as negated ("I don't like newer movies": a relative bound turns round, includes and excludes
        are dropped); one right after "not"/"nothing" ("not too scary") keeps only its preference, and a
        relative one there ("not too long") is left to the absolute reading of its word under the
        negation (`runtime < 140`), except on the year ("not too old" stays a soft wish)."""
        items = [lk for lk in links if lk.kind == "item" and lk.entity in self.catalog]
        against = [lk for lk in items if _LESS_LIKE.search(text[: lk.span[0]].lower())]
        toward = [lk for lk in items if lk not in against and _MORE_LIKE.search(text[: lk.span[0]].lower())]
        rejected = [lk for lk in items if any(s <= lk.span[0] < e for s, e in scopes)]  # "not Interstellar, too long"
        about = against[0].entity if against else rejected[0].entity if rejected else discussed_item(state)
        if about is not None and about not in self.catalog:
            about = None
        add: list[Constraint] = []
        prefs: list[str] = []
        consumed: list[tuple[int, int]] = []
        read, let_down = text, []
        for m in LET_DOWN.finditer(text):  # the same length, so the spans of `text` still hold
            start, end = m.span()
            lead = " " if start and text[start - 1].isalnum() else ""  # "wasn't": "n't" follows a letter
            read = read[:start] + f"{lead}more {m.group(1)}".ljust(end - start) + read[end:]
            let_down.append(m.span())
        consumed += let_down
        for rule in self.rules:
            for m in rule.pattern.finditer(read):
                if (rule.relative and _THAN_NUMBER.match(text, m.end())) or open_to(text, m.start()) or about_time(text, m.span()):
                    continue  # "older than 2000" is a number; "open to older movies" is accepted, not asked for;
                    # "I watched that not too long ago" is when
                if not rule.relative and m.group(0).lower().startswith("more ") and said_of_a_film(text, m.start()):
                    continue  # "@X is more action": a film described, not a wish for more action
                before = text[max(0, m.start() - 30):m.start()]
                moderated = MODERATED.search(before) is not None or (
                    _DEGREE.match(m.group(0)) is not None and _NEGATION_BEFORE.search(before) is not None)
                if moderated and rule.relative and rule.relative[0] != "year":
                    continue  # "not too long" = not long: the absolute word under the negation (runtime < 140, as
                    # "I don't want anything long"); "not too old" stays a soft wish (vague year words set no range)
                negated = not moderated and any(s < m.start() < e for s, e in scopes) \
                    and not any(s <= m.start() < e for s, e in let_down)
                got = [] if moderated or negated else [Constraint(a, "include", v) for a, v in rule.include]
                got += [] if moderated or negated else [Constraint(a, "exclude", v) for a, v in rule.exclude]
                if rule.relative and not moderated:
                    generic = _GENERIC.match(text, m.end()) is not None  # "older movies": absolute, not "than that one"
                    ref = item_value(self.catalog.item(about), rule.relative[0]) if about is not None and not generic else None
                    if ref is not None:
                        got.append(_turned(Constraint(rule.relative[0], rule.relative[1], _num(ref)), negated))
                    elif rule.fallback is not None:  # "too long" about an item with no runtime: "short"
                        got.append(_turned(Constraint(rule.relative[0], rule.fallback[0], _num(rule.fallback[1])), negated))
                if got or moderated or negated:
                    consumed.append(m.span())
                    add += got
                    prefs += [rule.preference] if rule.preference and not negated else []
        polarity: dict[str, int] = {}
        if against and toward:  # "less like X, more like Y"
            add += self._contrast(against[0].entity, toward[0].entity)
            prefs.append("more like " + self.catalog.item(toward[0].entity).display)
            polarity = {against[0].entity: -1, toward[0].entity: 1}
        if not add and not polarity and not prefs:
            return None
        add = list(dict.fromkeys(add))
        crit = Critique(text, tuple(add), (), "; ".join(dict.fromkeys(prefs)), about)
        return CritiqueResult(crit, tuple(consumed), polarity)

    def _contrast(self, worse: str, better: str) -> list[Constraint]:
        """Genre-like values of the worse item that the better item lacks are excluded."""
        out: list[Constraint] = []
        attr = "genres" if "genres" in self.catalog.schema else None
        if attr is None:
            return out
        keep = {v.lower() for v in self.catalog.item(better).values(attr)}
        for v in self.catalog.item(worse).values(attr):
            if v.lower() not in keep:
                out.append(Constraint(attr, "exclude", v))
        return out


def _fallback(raw: Mapping[str, Any] | None, newest_year: int | None) -> tuple[str, float] | None:
    """(op, value) of a lexicon fallback; `relative_to_max` counts back from the newest catalog year."""
    if not raw:
        return None
    if "relative_to_max" in raw:
        return (raw["op"], float(newest_year + int(raw["relative_to_max"]))) if newest_year else None
    return (raw["op"], float(raw["value"]))


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else float(x)


def _turned(c: Constraint, negated: bool) -> Constraint:
    """`c` with its bound turned round when the critique was negated ("not newer" → year ≤)."""
    return Constraint(c.attribute, _OPPOSITE.get(c.op, c.op), c.value) if negated else c
