"""Numbers read by what they measure: ages, durations, years, decades words, centuries, "recent".

`read_numbers(text, catalog, scopes, items)` returns `Numbers`: hard constraints where the catalog's
schema has the attribute (year, runtime, mpaa, genres), soft preference phrases where it has not,
and the spans it consumed (so "8 year old" is never read as "old", "2 hours" never as a year).

- ages: "my 8 year old", "a 10-year-old", "kids aged 6" → a family/children genre include and a mild
  MPAA rating (under 13: no PG-13/R/NC-17; under 17: no R/NC-17);
- durations: "an hour and a half", "under 2 hours", "90 minutes", "1h45" → runtime ≤ minutes
  (+5 when approximate: "about", "around"); "over/at least/longer than" → runtime ≥;
- years: "after/since 2000", "before 1990", "from 1999", "2000 or later"; a negation scope around
  the phrase inverts it ("nothing made before 2000" → year ≥ 2000); a decade open towards now
  ("since the 90s", "the 80s or later", "from the 90s up till now") → year ≥ its first year;
- "this century" → year ≥ the first year of the newest item's century, "last century" → below it;
  "recent"/"latest" → year ≥ newest − 5 (an explicit wish; "new" alone is too vague to filter).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from crs.nlu.text import inside, open_to
from crs.types import Catalog, Constraint

_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "half": 0.5}
_NUM = r"(\d{1,3}(?:\.\d)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)"
_AGE = re.compile(r"\b" + _NUM + r"[\s-]*(?:years?|yrs?|yo)[\s-]*olds?\b|\b(?:aged?|ages)\s+(\d{1,2})\b|\b(\d{1,2})\s*yo\b",
                  re.IGNORECASE)
_AGES_OF = re.compile(r"\b(?:(?:my|our|the)\s+)?(?:kids?|children|sons?|daughters?|boys?|girls?|grandkids|grandchildren|"
                      r"nephews?|nieces?|they|he|she)\s*(?:'re|'s|are|is)\s+(?:only\s+|just\s+)?(\d{1,2})"
                      r"(?:\s*(?:,|and|&)\s*(\d{1,2}))?(?![\d/%.])(?!\s*(?:hours?|hrs?|h\b|minutes?|mins?|stars?|out of))",
                      re.IGNORECASE)
"""Ages said of people ("my kids are 6 and 8", "they're 6 and 8", "she is 10"): the youngest counts."""
_HOURS = re.compile(r"\b" + _NUM + r"\s*(?:-\s*)?(?:hours?|hrs?|(?<=\d)h)\b(?:\s*(?:and\s+)?(?:(a half)|(\d{1,2})\s*(?:minutes?|mins?|m)\b))?"
                    r"|\b(half an hour)\b|\b(\d{2,3})\s*(?:minutes?|mins?)\b", re.IGNORECASE)
_APPROX = re.compile(r"(about|around|roughly|approximately|ish|~|or so)\W*$", re.IGNORECASE)
_BUDGET = re.compile(r"\b(?:don'?t|do not|doesn'?t|haven'?t|only|just)\s+(?:have|got|get)(?:\s+got)?\s+(?:about\s+|around\s+|like\s+)?$",
                     re.IGNORECASE)
"""The time the user has: a bound from above, negated or not."""
_MORE = re.compile(r"(over|more than|at least|longer than|minimum|min\.?)\W*$", re.IGNORECASE)
_YEARS = (
    (re.compile(r"\b(?:after|since|newer than|later than|post)\s+((?:19|20)\d\d)\b", re.IGNORECASE), "gt"),
    (re.compile(r"\b(?:before|older than|earlier than|pre)\s+((?:19|20)\d\d)\b", re.IGNORECASE), "lt"),
    (re.compile(r"\b((?:19|20)\d\d)\s*(?:or|and)\s*(?:later|newer|after|up|onwards?)\b|\b((?:19|20)\d\d)\s*(?:onwards?|\+)",
                re.IGNORECASE), "ge"),
    (re.compile(r"\b((?:19|20)\d\d)\s*(?:or|and)\s*(?:earlier|older|before)\b", re.IGNORECASE), "le"),
    (re.compile(r"\b(?:from|in|released in|made in|came out in)\s+((?:19|20)\d\d)\b(?!s)", re.IGNORECASE), "eq"),
)
_DECADE_THAN = re.compile(r"\b(?:(after|newer than|later than|more recent than|post)|(before|older than|earlier than|pre))"
                          r"\s+(?:the\s+)?'?((?:19|20)?\d0)'?s\b", re.IGNORECASE)
"""A bound against a decade: "newer than the 90s" → year ≥ 2000, "older than the 80s" → year < 1980."""
_DECADE_ON = re.compile(r"\bsince\s+(?:the\s+)?'?((?:19|20)?\d0)'?s\b|"
                        r"\b(?:the\s+)?'?((?:19|20)?\d0)'?s\s*(?:(?:and|or)\s+(?:later|newer|after|up|on|onwards?|beyond)\b|"
                        r"onwards?\b|\+|(?:up\s+)?(?:un)?till?\s+(?:now|today|the present)\b|(?:up\s+)?to\s+(?:now|today|the present)\b)",
                        re.IGNORECASE)
"""A decade open towards now: "since the 90s", "the 80s or later", "from the 90s up till now" → year ≥ 1990
(the decade's first year), not the decade alone."""
_CENTURY = re.compile(r"\b(this|current|21st|last|previous|20th)\s+century\b", re.IGNORECASE)
RECENT = re.compile(r"\b(recent|latest|newest|(?:came|come|coming) out (?:lately|recently)|lately|these days|"
                    r"recently released|released (?:lately|recently)|"
                    r"new (?:releases?|movies|films|ones)|newer (?:movies|films|ones))\b", re.IGNORECASE)
"""An explicit wish for recent films (not "recently watched"): year ≥ newest − `RECENT_YEARS`."""
_WATCHED = re.compile(r"\b(?:seen|watched|saw|see|watch|watching|seeing|been to the movies)\b(?:\s+[\w']+){0,5}\s+$", re.IGNORECASE)


def watched_lately(text: str, recent: re.Match[str]) -> bool:
    """"Lately" / "these days" said of watching ("what have you seen lately?", "I haven't watched
    anything good lately") is when the user watched, not when the films came out."""
    return recent.group(1).lower() in ("lately", "these days") and \
        _WATCHED.search(text[max(0, recent.start() - 60):recent.start()]) is not None


_ONE_FILM = re.compile(r"\bthe\s+(?:most\s+)?$", re.IGNORECASE)


def one_film(text: str, span: tuple[int, int]) -> bool:
    """"the most recent one", "the new one", "the old movie": one film (of a series), not a wish for
    recent or old films."""
    return _ONE_FILM.search(text[max(0, span[0] - 10):span[0]]) is not None and \
        re.match(r"\s+(?:one|film|movie)\b", text[span[1]:]) is not None


LAST_YEARS = re.compile(r"\b(?:in |from |within )?(?:the )?(last|past)\s+(?:(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten|"
                         r"fifteen|twenty|few|couple(?: of)?)\s+years|(decade))\b", re.IGNORECASE)
"""A span back from now: "from the last 10 years", "in the past few years", "the last decade" (year ≥ newest − n)."""
_SPAN_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
               "fifteen": 15, "twenty": 20, "few": 3, "couple": 2, "couple of": 2}
_INVERT = {"ge": "lt", "gt": "le", "le": "gt", "lt": "ge"}
CHILD_AGE = 13
"""Below this age a mild rating means no PG-13, R or NC-17; below `TEEN_AGE` no R or NC-17."""
TEEN_AGE = 17
APPROX_MINUTES = 5
"""Slack added to an approximate duration ("about an hour and a half" → runtime ≤ 95)."""
RECENT_YEARS = 5


@dataclass(frozen=True)
class Numbers:
    """What the numbers in a message asked for."""

    add: tuple[Constraint, ...] = ()
    preferences: tuple[str, ...] = ()
    consumed: tuple[tuple[int, int], ...] = ()


def _value(token: str) -> float:
    t = token.lower()
    return float(_WORDS[t]) if t in _WORDS else float(token)


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def read_numbers(text: str, catalog: Catalog, scopes: Sequence[tuple[int, int]],
                 items: Sequence[tuple[int, int]] = ()) -> Numbers:
    """Constraints, preferences and consumed spans of every number-like phrase in `text`."""
    add: list[Constraint] = []
    prefs: list[str] = []
    consumed: list[tuple[int, int]] = []
    schema = catalog.schema
    ages = [(m.span(), _value(m.group(1) or m.group(2) or m.group(3))) for m in _AGE.finditer(text)]
    ages += [(m.span(), min(int(g) for g in m.groups() if g)) for m in _AGES_OF.finditer(text)
             if not _overlaps(m.span(), [span for span, _ in ages])]
    for span, age in ages:
        if inside(span, list(items)):
            continue
        consumed.append(span)
        if age >= TEEN_AGE:
            continue
        mild = ("PG-13", "R", "NC-17") if age < CHILD_AGE else ("R", "NC-17")
        add += [Constraint("mpaa", "exclude", v) for v in _schema_values(catalog, "mpaa", mild)]
        if age < CHILD_AGE:
            add += [Constraint("genres", "include", v) for v in _schema_values(catalog, "genres", ("children", "family"))[:1]]
        prefs.append("family-friendly film for kids" if age < CHILD_AGE else "film suitable for teenagers")
    for m in _HOURS.finditer(text):
        if inside(m.span(), list(items)):
            continue
        minutes = _minutes(m)
        if minutes is None or not 20 <= minutes <= 400:
            continue
        consumed.append(m.span())
        before = text[max(0, m.start() - 25): m.start()]
        approx = bool(_APPROX.search(before)) or text[m.end(): m.end() + 4].lower().startswith(("ish", " or"))
        op = "ge" if _MORE.search(before) else "le"
        value = minutes + (APPROX_MINUTES if approx and op == "le" else 0)
        if _BUDGET.search(before):  # "I don't have 3 hours", "I only have about an hour and a half"
            op = "le"
        elif inside(m.span(), list(scopes)):  # "nothing over 2 hours"
            op = _INVERT[op]
        if "runtime" in schema:
            add.append(Constraint("runtime", op, _num(value)))
        prefs.append(f"short film under {int(value)} minutes" if op in ("le", "lt") else "long epic film")
    if "year" in schema:
        add += _years(text, catalog, scopes, items, consumed)
    return Numbers(tuple(dict.fromkeys(add)), tuple(dict.fromkeys(prefs)), tuple(consumed))


def _minutes(m: re.Match[str]) -> float | None:
    if m.group(4):
        return 30.0
    if m.group(5):
        return float(m.group(5))
    hours = _value(m.group(1))
    extra = 30.0 if m.group(2) else float(m.group(3)) if m.group(3) else 0.0
    return hours * 60 + extra


def _years(text: str, catalog: Catalog, scopes: Sequence[tuple[int, int]], items: Sequence[tuple[int, int]],
           consumed: list[tuple[int, int]]) -> list[Constraint]:
    out: list[Constraint] = []
    for pattern, op in _YEARS:
        for m in pattern.finditer(text):
            group = next(g for g in range(1, (m.lastindex or 1) + 1) if m.group(g))
            if inside((m.start(group), m.end(group)), list(items)) or _overlaps(m.span(), consumed):
                continue
            neg = inside(m.span(), list(scopes)) and op != "eq"
            out.append(Constraint("year", _INVERT[op] if neg else op, int(m.group(group))))
            consumed.append(m.span())
    for m in _DECADE_ON.finditer(text):
        group = 1 if m.group(1) else 2
        if inside(m.span(group), list(items)) or _overlaps(m.span(), consumed):
            continue
        out.append(Constraint("year", "lt" if inside(m.span(), list(scopes)) else "ge", _decade_start(m.group(group))))
        consumed.append(m.span())
    for m in _DECADE_THAN.finditer(text):
        if inside(m.span(3), list(items)) or _overlaps(m.span(), consumed):
            continue
        start = _decade_start(m.group(3))
        op, value = ("ge", start + 10) if m.group(1) else ("lt", start)
        out.append(Constraint("year", _INVERT[op] if inside(m.span(), list(scopes)) else op, value))
        consumed.append(m.span())
    newest = newest_year(catalog)
    if newest is None:
        return out
    for m in _CENTURY.finditer(text):
        start = newest // 100 * 100
        last = m.group(1).lower() in ("last", "previous", "20th")
        op = "lt" if last else "ge"
        if inside(m.span(), list(scopes)):
            op = _INVERT[op]
        out.append(Constraint("year", op, start))
        consumed.append(m.span())
    for m in LAST_YEARS.finditer(text):
        span = (m.group(2) or m.group(3) or "decade").lower()
        back = 10 if span == "decade" else int(span) if span.isdigit() else _SPAN_WORDS.get(span, 3)
        if 1 <= back <= 100:
            out.append(Constraint("year", "lt" if inside(m.span(), list(scopes)) else "ge", newest - back))
            consumed.append(m.span())
    recent = RECENT.search(text)
    if recent and (open_to(text, recent.start()) or watched_lately(text, recent) or one_film(text, recent.span())):
        consumed.append(recent.span())  # "I will also watch new films": accepted; "seen anything good lately?": viewing time
    elif recent and not _overlaps(recent.span(), consumed) and not _overlaps(recent.span(), items) and not any(c.op in ("ge", "gt", "eq") for c in out):
        out.append(Constraint("year", "lt" if inside(recent.span(), list(scopes)) else "ge", newest - RECENT_YEARS))
        consumed.append(recent.span())
    return out


def _decade_start(digits: str) -> int:
    """"90" → 1990, "1990" → 1990, "10" → 2010."""
    return int(digits) if len(digits) == 4 else (1900 if int(digits) >= 30 else 2000) + int(digits)


COVERED_MIN_ITEMS = 10
COVERED_SHARE = 0.002


@lru_cache(maxsize=8)
def newest_year(catalog: Catalog) -> int | None:
    """The newest release year the catalog covers: the latest year holding at least
    max(`COVERED_MIN_ITEMS`, `COVERED_SHARE` of the dated items) — a few announced films do not
    move "recent" (ReDial lists 3 films of 2019 beside 77 of 2018 and 181 of 2017); the latest year
    when no year holds that many (small catalogs). Cached per catalog object: read every turn."""
    years = Counter(it.year for it in catalog.items if it.year)
    if not years:
        return None
    need = max(COVERED_MIN_ITEMS, COVERED_SHARE * sum(years.values()))
    return next((y for y in sorted(years, reverse=True) if years[y] >= need), max(years))


def _schema_values(catalog: Catalog, attribute: str, wanted: Sequence[str]) -> list[str]:
    """The schema's spellings of `wanted` values of `attribute`, in `wanted` order (absent ones skipped)."""
    if attribute not in catalog.schema:
        return []
    known = {v.lower(): v for v in catalog.schema.get(attribute).values}
    return [known[w.lower()] for w in wanted if w.lower() in known]


def _overlaps(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in spans)
