"""Entity linking: item titles (exact, fuzzy, year-disambiguated, ReDial `@id`), people, attribute values.

`EntityLinker(catalog).link(text)` returns `Link`s (entity, kind, span, surface text) in text order.
Attribute values come from the schema plus the synonym lexicon; people from the catalog's person
attributes (any multi-valued attribute whose values look like names: director, writers, stars).
Unknown titles give "did you mean" suggestions instead of failing.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from crs.nlu.fuzzy import TitleIndex
from crs.nlu.lexicon import SchemaLexicon
from crs.nlu.plausible import longer_inside, plausible, shouted
from crs.nlu.text import normalise, tokens
from crs.nlu.title_words import (
    COMMON,
    NOT_A_TITLE_ALONE,
    ONE_AFTER,
    ORDINALS,
)
from crs.types import Catalog, MentionKind

LinkKind = MentionKind | Literal["unlinked"]
"""A linked mention's kind, or "unlinked" for an `@id` that is not in the catalog."""

PERSON_ATTRIBUTES = ("director", "writers", "stars")
"""Schema attributes whose values are people (used only when the catalog has them)."""

SURNAME_MIN_FILMS = 3
"""A surname alone links a person who is in at least this many catalog films ..."""
SURNAME_SHARE = 0.8
"""... and in this share of the films of everyone with that surname."""

_AT_ID = re.compile(r"@(\d+)(?:\s*<[^>]{0,200}>)?")
_YEAR = re.compile(r"^\s*\(?\s*((?:19|20)\d\d)\s*\)?")
_DECADE = re.compile(r"(?<![0-9])(?:(19|20)?(\d)0)'?s(?![a-z0-9])|\b(twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b")
_DECADE_WORDS = {"twenties": "2", "thirties": "3", "forties": "4", "fifties": "5", "sixties": "6", "seventies": "7",
                 "eighties": "8", "nineties": "9"}
_QUOTED = re.compile(r"\"([^\"]{2,80})\"|(?<![a-z])'([^']{2,80})'(?![a-z])")
_CAPS_RUN = re.compile(r"\b(?:[A-Z][\w'’:-]*|\d+)(?:\s+(?:(?:of|the|and|a|in|on|to|at|for|from)\b|&|[A-Z][\w'’:-]*|\d+)){1,7}")


@dataclass(frozen=True)
class Link:
    """One linked entity in the text."""

    entity: str  # item id | "attr=value" | "person:Name"
    kind: LinkKind
    span: tuple[int, int]
    text: str
    score: float = 1.0
    attribute: str = ""  # for attribute and person links: the schema attribute
    value: str = ""  # for attribute and person links: the schema value


class EntityLinker:
    """Links titles, people and attribute values of one catalog. Built once per catalog (a few seconds)."""

    def __init__(self, catalog: Catalog, lexicon: SchemaLexicon | None = None, max_title_tokens: int = 16) -> None:
        self.catalog = catalog
        self.lexicon = lexicon or SchemaLexicon.build(catalog.schema)
        self._attr_re = self.lexicon.phrase_regex()
        self.max_n = max_title_tokens
        self.titles: dict[str, list[str]] = defaultdict(list)  # normalised title -> ids, most popular first
        ranked = sorted(catalog.items, key=lambda i: -i.popularity)
        for it in ranked:
            key = normalise(it.title)
            if key:
                self.titles[key].append(it.id)
                if key.startswith("the "):
                    self.titles.setdefault(key[4:], []).append(it.id) if len(key[4:].split()) > 1 else None
        primary = set(self.titles)
        self.people, films = self._people(catalog)
        for it in ranked:  # "Amelie", "Leon", "The Postman", "Il Postino": aliases never shadow a real title
            for key in title_aliases(it.title):  # nor a person ("Jackie Chan: My Stunts" is not "I like Jackie Chan")
                if key not in primary and key not in self.people and it.id not in self.titles.get(key, ()):
                    self.titles[key].append(it.id)
        self._title_keys = list(self.titles)
        # the longest title decides how far a match may reach ("The Lord of the Rings: The Fellowship of the
        # Ring" has nine words; with eight it linked "The Lord of the Rings" (1978))
        self.max_n = min(self.max_n, max((len(k.split()) for k in self._title_keys), default=1))
        self._fuzzy = TitleIndex(self._title_keys)  # trigram-blocked above 50,000 titles
        self.surnames = self._surnames(self.people, films, self.titles)
        self.decades = {v.lower(): v for v in catalog.schema.get("decade").values} if "decade" in catalog.schema else {}

    @staticmethod
    def _people(catalog: Catalog) -> tuple[dict[str, tuple[str, str, frozenset[str]]], Counter[str]]:
        """normalised name → (default attribute, name, all attributes), and the number of films of
        each name. The default is where the person appears most, except that a director is a
        director first (users say "a Nolan film") unless they wrote three times as many films."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        films: Counter[str] = Counter()
        spelled: dict[str, str] = {}
        attrs = [a for a in PERSON_ATTRIBUTES if a in catalog.schema]
        for it in catalog.items:
            names: set[str] = set()
            for a in attrs:
                for name in it.values(a):
                    key = normalise(name)
                    if len(key.split()) >= 2:
                        counts[key][a] += 1
                        spelled.setdefault(key, name)
                        names.add(key)
            films.update(names)
        out = {}
        for k, c in counts.items():
            best = c.most_common(1)[0][0]
            if best == "writers" and "director" in c and 3 * c["director"] > c["writers"]:
                best = "director"  # a writer who directed once is a writer first (Stephen King, Michael Crichton)
            out[k] = (best, spelled[k], frozenset(c))
        return out, films

    @staticmethod
    def _surnames(people: dict[str, tuple[str, str, frozenset[str]]], films: Counter[str],
                  titles: dict[str, list[str]]) -> dict[str, tuple[str, str, frozenset[str]]]:
        """normalised surname → the person people mean by it alone ("Tarantino", "Travolta"): someone
        in at least `SURNAME_MIN_FILMS` films who holds `SURNAME_SHARE` of the catalog's films by
        people of that surname; never a title, a common word or a name shorter than 4 letters."""
        by_surname: dict[str, Counter[str]] = defaultdict(Counter)
        for key, n in films.items():
            by_surname[key.split()[-1]][key] += n
        out = {}
        for surname, c in by_surname.items():
            (best, n), total = c.most_common(1)[0], sum(c.values())
            if (n >= SURNAME_MIN_FILMS and n >= SURNAME_SHARE * total and len(surname) >= 4
                    and surname not in titles and surname not in COMMON):
                out[surname] = people[best]
        return out

    # -- public ------------------------------------------------------------------------------
    def link(self, text: str) -> list[Link]:
        """All links in text order; longer matches win over overlapping shorter ones ("Jack
        Nicholson" over the film "Jack"; titles, then people, then attribute words on a tie).
        Links of kind "unlinked" mark `@id` spans this catalog does not know (callers drop them)."""
        found = self._at_ids(text)
        taken = [lk.span for lk in found]
        candidates = [(lk, rank) for rank, finder in enumerate((self._titles_exact, self._people_exact, self._surnames_exact,
                                                                self._attributes)) for lk in finder(text)]
        words = {lk.span for lk in found if lk.kind == "attribute"}
        for lk, _ in sorted(candidates, key=lambda c: (c[0].span[0] - c[0].span[1], c[1], c[0].span)):
            if lk.kind == "attribute" and lk.span in words:  # one phrase, several values ("rom-com": romance, comedy)
                found.append(lk)
            elif not any(_overlap(lk.span, s) for s in taken):
                found.append(lk)
                taken.append(lk.span)
                if lk.kind == "attribute":
                    words.add(lk.span)
        return sorted(found, key=lambda lk: lk.span)

    def unknown_titles(self, text: str, links: list[Link]) -> list[tuple[tuple[int, int], str]]:
        """Spans that look like titles (quoted or Capitalised Runs) but were not linked."""
        spans = []
        for m in _QUOTED.finditer(text):
            g = 1 if m.group(1) else 2
            spans.append(((m.start(g), m.end(g)), m.group(g)))
        for m in _CAPS_RUN.finditer(text):
            spans.append(((m.start(), m.end()), m.group(0)))
        out: list[tuple[tuple[int, int], str]] = []
        for span, surface in spans:
            if any(_overlap(span, lk.span) for lk in links) or any(_overlap(span, s) for s, _ in out):
                continue
            words = normalise(surface).split()
            if not words or all(w in NOT_A_TITLE_ALONE for w in words):
                continue
            if len(words) <= 2 and words[-1] in ORDINALS and ONE_AFTER.match(text[span[1]:]):
                continue  # "The Last one was good": a shown film by position, not a misspelt "The Last Song"
            out.append((span, surface))
        return out

    def fuzzy(self, surface: str, limit: int = 3, cutoff: float = 75.0) -> list[tuple[str, float]]:
        """(item id, score 0..100) of the closest titles (rapidfuzz), best first."""
        key = normalise(surface)
        if not key or len(key) > 200:
            return []
        return [(self.titles[self._title_keys[i]][0], s) for i, s in self._fuzzy.extract(key, limit, cutoff)]

    # -- finders -----------------------------------------------------------------------------
    def _at_ids(self, text: str) -> list[Link]:
        """ReDial `@123` (optionally followed by `<Title (Year)>`); an id from another catalog is
        linked through its bracketed title when it has one, else left as an unlinked span."""
        out = []
        for m in _AT_ID.finditer(text):
            span = (m.start(), m.end())
            if m.group(1) in self.catalog:
                out.append(Link(m.group(1), "item", span, m.group(0)))
                continue
            inner = re.search(r"<([^>]*)>", m.group(0))
            key = normalise(re.sub(r"\(\s*\d{4}\s*\)", "", inner.group(1))) if inner else ""
            if key in self.titles:
                year = re.search(r"\((\d{4})\)", inner.group(1)) if inner else None
                item_id, _ = self._disambiguate(key, f"({year.group(1)})" if year else "", 0)
                out.append(Link(item_id, "item", span, m.group(0), 0.9))
            else:
                out.append(Link(f"@{m.group(1)}", "unlinked", span, m.group(0), 0.0))
        return out

    def _titles_exact(self, text: str) -> list[Link]:
        toks = tokens(text)
        out: list[Link] = []
        i = 0
        while i < len(toks):
            hit = None
            for n in range(min(self.max_n, len(toks) - i), 0, -1):
                key = " ".join(t for t, _, _ in toks[i:i + n])
                if key in self.titles and plausible(self, text, toks[i:i + n]):
                    hit = (n, key)
                    break
            if hit is None or longer_inside(self, text, toks, i, hit[0]):
                i += 1
                continue
            n, key = hit
            start, end = toks[i][1], toks[i + n - 1][2]
            item_id, end = self._disambiguate(key, text, end)
            out.append(Link(item_id, "item", (start, end), text[start:end]))
            i += n
        return out

    @property
    def phrases(self) -> Collection[str]:
        """The lexicon's attribute phrases (what `crs.nlu.plausible` reads)."""
        return self.lexicon.phrases

    def _disambiguate(self, key: str, text: str, end: int) -> tuple[str, int]:
        """Pick among same-title items by a year written after the title, else the most popular."""
        ids = self.titles[key]
        m = _YEAR.match(text[end:])
        if m:
            year = int(m.group(1))
            for item_id in ids:
                if self.catalog.item(item_id).year == year:
                    return item_id, end + m.end()
        return ids[0], end

    def _people_exact(self, text: str) -> list[Link]:
        toks = tokens(text)
        out = []
        i = 0
        while i < len(toks):
            for n in (4, 3, 2):
                key = " ".join(t for t, _, _ in toks[i:i + n])
                if len(toks) - i >= n and key in self.people:
                    attr, name, roles = self.people[key]
                    span = (toks[i][1], toks[i + n - 1][2])
                    attr = _role_from_context(text, span, roles) or attr
                    out.append(Link(f"person:{name}", "person", span, text[span[0]:span[1]], 1.0, attr, name))
                    i += n - 1
                    break
            i += 1
        return out

    def _surnames_exact(self, text: str) -> list[Link]:
        """A capitalised surname alone inside a sentence ("a Tarantino film", "I like Travolta",
        "Spielberg's"); not at a sentence start ("Close enough") nor next to another capitalised
        word (an unknown title such as "Southern Comfort")."""
        toks = tokens(text)
        loud = shouted(text)

        def capitalised(j: int) -> bool:
            s = toks[j][1]
            return text[s:s + 1].isupper() and not (s == 0 or text[:s].rstrip()[-1:] in ".!?") and not loud

        out = []
        for i, (t, start, end) in enumerate(toks):
            surface = text[start:end]
            key = t[:-1] if surface.endswith(("'s", "\u2019s")) else t
            if key not in self.surnames or not capitalised(i):
                continue
            if any(0 <= j < len(toks) and capitalised(j) for j in (i - 1, i + 1)):
                continue
            attr, name, roles = self.surnames[key]
            attr = _role_from_context(text, (start, end), roles) or attr
            out.append(Link(f"person:{name}", "person", (start, end), surface, 0.9, attr, name))
        return out

    def _attributes(self, text: str) -> list[Link]:
        low = text.lower()
        out = []
        for m in self._attr_re.finditer(low):
            for attr, value in self.lexicon.phrases[m.group(0)]:
                out.append(Link(f"{attr}={value}", "attribute", (m.start(), m.end()), text[m.start():m.end()],
                                1.0, attr, value))
        for m in _DECADE.finditer(low):
            decade = self._decade(m)
            if decade:
                out.append(Link(f"decade={decade}", "attribute", (m.start(), m.end()), text[m.start():m.end()],
                                1.0, "decade", decade))
        return out

    def _decade(self, m: re.Match[str]) -> str | None:
        if m.group(3):
            digit, century = _DECADE_WORDS[m.group(3)], "19"
        else:
            digit, century = m.group(2), m.group(1) or ("20" if m.group(2) in "01" else "19")
        return self.decades.get(f"{century}{digit}0s")


_ARTICLE = re.compile(r"^(.+), (the|a|an|le|la|les|l'|il|el|los|las|der|die|das|un|une)$", re.IGNORECASE)
_AKA = re.compile(r"^(?:a\.k\.a\.|aka)\s+", re.IGNORECASE)


def title_aliases(title: str) -> list[str]:
    """Normalised forms people type for a catalog title (MovieLens style "Postman, The (Postino, Il)"):
    the title without its parenthesised parts and with its article moved back ("the postman", "postman"),
    each parenthesised alternative or English title ("il postino", "se7en"), and the part before a
    colon ("Léon: The Professional" → "leon")."""
    base = re.sub(r"\s*\([^)]*\)", "", title).strip()
    forms = [_front_article(base)] + [_front_article(_AKA.sub("", p.strip())) for p in re.findall(r"\(([^)]*)\)", title)]
    if ":" in forms[0]:
        forms.append(forms[0].split(":", 1)[0])
    out: list[str] = []
    for form in forms:
        key = normalise(form)
        if not key or key.isdigit():
            continue
        out.append(key)
        if key.startswith("the ") and len(key.split()) > 2:
            out.append(key[4:])
    return list(dict.fromkeys(out))


@lru_cache(maxsize=8)
def _title_groups(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for it in catalog.items:
        key = (title_aliases(it.title) or [normalise(it.title)])[0]
        if key:
            groups[key].append(it.id)
    return {k: tuple(v) for k, v in groups.items() if len(v) > 1}


def same_title_items(catalog: Catalog, ids: Iterable[str]) -> set[str]:
    """Other films with the same title as `ids` ("Chocolat" 1988 for "Chocolat" 2000): a film the
    user named is not recommended back under another year either."""
    groups = _title_groups(catalog)
    out: set[str] = set()
    for i in ids:
        if i in catalog:
            key = (title_aliases(catalog.item(i).title) or [""])[0]
            out.update(groups.get(key, ()))
    return out


def _front_article(title: str) -> str:
    m = _ARTICLE.match(title.strip())
    if not m:
        return title.strip()
    art = m.group(2)
    return f"{art}{m.group(1)}" if art.endswith("'") else f"{art} {m.group(1)}"


_ROLE_CUES = (("writers", re.compile(r"\b(writ(ten|er|es)|screenplay|(books?|novels?|stor(y|ies)|scripts?)\s+(by|from|of))\b")),
              ("director", re.compile(r"\b(direct(ed|or|s)?|by)\b")), ("writers", re.compile(r"\b(based on)\b")),
              ("stars", re.compile(r"\b(starring|stars?|with|actor|actress|acted|plays?)\b")))
_WRITER_AFTER = re.compile(r"^(?:'s)?\s+(?:books?|novels?|short stor(?:y|ies)|stor(?:y|ies)|adaptations?)\b", re.IGNORECASE)


def _role_from_context(text: str, span: tuple[int, int], roles: frozenset[str]) -> str | None:
    """The role named around a person ("directed by X", "with X", "a book by X", "a X novel"), if the
    person has it."""
    if "writers" in roles and _WRITER_AFTER.match(text[span[1]:span[1] + 20]):
        return "writers"
    before = text[max(0, span[0] - 25): span[0]].lower()
    for role, cue in _ROLE_CUES:
        if role in roles and cue.search(before):
            return role
    return None


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]
