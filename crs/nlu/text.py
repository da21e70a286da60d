"""Text hygiene and scope helpers shared by the NLU: sanitising, normalising, negation scopes.

Everything here is pure and total: any string in, a string (or spans) out, never an exception.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_CHARS = 2000
"""Messages longer than this are truncated (with a notice) before parsing."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00b4": "'", "`": "'"})
_TOKEN = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*")


@dataclass(frozen=True)
class CleanText:
    """A sanitised message; `notices` say what was changed."""

    text: str
    notices: tuple[str, ...] = ()


def sanitise(raw: object, max_chars: int = MAX_CHARS) -> CleanText:
    """Make any input safe to parse: str(), NFKC, no control/bidi characters, bounded length."""
    notices: list[str] = []
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raw = str(raw)
        notices.append("input was not text; it was converted")
    text = raw.encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    if len(text) > 4 * max_chars:  # normalise a bounded prefix only: NFKC on 100k chars is wasted work
        text = text[: 4 * max_chars]
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    cleaned = _CONTROL.sub(" ", text)
    if cleaned != text:
        notices.append("control characters were removed")
    text = _SPACES.sub(" ", cleaned).strip()
    if len(raw) > max_chars:
        cut = text[:max_chars]
        text = cut.rsplit(" ", 1)[0] if " " in cut[-50:] else cut
        notices.append(f"your message was {len(raw):,} characters long; only the first {len(text):,} were read")
    return CleanText(text, tuple(notices))


def normalise(text: str) -> str:
    """Lower-case, accents folded, punctuation → spaces, '&' → 'and'; for matching titles and names."""
    t = unicodedata.normalize("NFKD", text.lower())
    t = "".join(c for c in t if not unicodedata.combining(c)).replace("&", " and ")
    return " ".join(_TOKEN.findall(t.replace("'", "")))


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Lower-case word tokens with their character spans in `text` (same length as the input)."""
    return [(m.group(0).replace("'", ""), m.start(), m.end()) for m in _TOKEN.finditer(text.lower())]


def _phrase_regex(phrases: list[str]) -> re.Pattern[str]:
    alts = sorted({re.escape(p.lower()) for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9'])(?:" + "|".join(alts) + r")(?![a-z0-9])")


class ScopeFinder:
    """Negation scopes: from a cue ("not", "anything but", "I hate") to the end of its clause.

    A clause ends at sentence punctuation, a comma/semicolon, or a scope breaker ("but", "instead",
    "more like") that does not itself belong to a cue ("anything but").
    """

    def __init__(self, cues: list[str], exceptions: list[str], breakers: list[str], short: list[str] | None = None) -> None:
        self.cues = _phrase_regex(cues)
        self.short = _phrase_regex(short) if short else None
        self.exceptions = _phrase_regex(exceptions) if exceptions else None
        self.breakers = _phrase_regex(breakers)

    def scopes(self, text: str, short: bool = True) -> list[tuple[int, int]]:
        """Negation scopes in text order; `short=False` leaves out the one-word scopes of the short
        cues ("too", "less"), which belong to a critique rather than negate it."""
        cue, every = self.both(text)
        return every if short else cue

    def both(self, text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """(the cue scopes, every scope including the short cues'), from one pass over `text`."""
        low = text.lower().replace("\u2019", "'")
        masked: set[int] = set()
        if self.exceptions is not None:
            for m in self.exceptions.finditer(low):
                masked.update(range(m.start(), m.end()))
        for m in _REMARK.finditer(low):
            masked.update(range(m.start(), m.end()))
        out: list[tuple[int, int]] = []
        for m in self.cues.finditer(low):
            if m.start() in masked:
                continue
            end = _clause_end(low, m.end(), self.breakers)
            out.append((m.start(), end))
        cue = sorted(out)
        if self.short is not None:  # "less scary": the cue negates only the next word
            for m in self.short.finditer(low):
                nxt = re.match(r"\s+[\w'-]+", low[m.end():])
                if nxt and m.start() not in masked and not any(s <= m.start() < e for s, e in out):
                    out.append((m.start(), m.end() + nxt.end()))
        return cue, sorted(out)


_REMARK = re.compile(r"\b(?:(?:they|hollywood|studios|nobody|no one)\s+(?:don'?t|do not|doesn'?t|does not|didn'?t|never)\s+"
                     r"(?:make|made|release|do|put out)|there\s+(?:aren'?t|are not|isn'?t|is not|'?s not|haven'?t been|"
                     r"hasn'?t been|weren'?t|wasn'?t))(?:\s+(?:too many|too much|many|much|a lot of|enough|that many))?\b")
"""A remark about what gets made ("they don't make too many fantasy movies anymore", "there aren't
many good westerns"): no negation of the user's taste."""


MAX_SCOPE_WORDS = 8
"""A negation reaches at most this many words past its cue: unpunctuated chat runs clauses
together ("i don't understand because it is so good Monster is the one with Garth Jennings")."""
_SCOPE_WORDS = re.compile(r"\S+")


def _clause_end(low: str, start: int, breakers: re.Pattern[str]) -> int:
    punct = re.compile(r"[.!?;,\n]|\s-\s")
    p = punct.search(low, start)
    end = p.start() if p else len(low)
    b = breakers.search(low, start)
    if b and b.start() < end:
        end = b.start()
    for i, w in enumerate(_SCOPE_WORDS.finditer(low, start, end)):
        if i == MAX_SCOPE_WORDS:
            return w.start()
    return end


_OPEN_TO = re.compile(r"\b(?:(?:i'?m|am|we'?re|are)\s+(?:(?!not\b|never\b)\w+\s+)?open to|(?:will|would|'ll)?\s*also\s+(?:watch|like|enjoy|take)|"
                      r"(?:do not|don'?t|wouldn'?t|would not) mind|(?:i'?m|am)\s+(?:fine|ok|okay|happy) with)"
                      r"\s+(?:[\w'-]+\s+){0,2}$", re.IGNORECASE)


_TIME_LONG = re.compile(r"\blong\s+(?:ago|time|while|since|before)\b|\b(?:been|for)\s+(?:(?:so|too|a|very|that|such a)\s+)?long\b|"
                        r"\bas long as (?=(?:it|it's|its|they|they're|there|i|i'm|we|you|he|she)\b)|\bbefore long\b|\blong story\b|\ball (?:day|night|week) long\b|\blong weekend\b",
                        re.IGNORECASE)


def about_time(text: str, span: tuple[int, int]) -> bool:
    """Whether a length word at `span` is part of a time phrase ("not too long ago", "a long time
    ago", "it's been so long", "as long as it's funny"), not a film's runtime."""
    return any(m.start() < span[1] and span[0] < m.end() for m in _TIME_LONG.finditer(text))


def open_to(text: str, start: int) -> bool:
    """Whether the phrase at `start` is something the user accepts, not asks for: "I'm definitely open to
    older movies", "I like classics, but I will also watch new films", "I don't mind old ones"."""
    return _OPEN_TO.search(text[max(0, start - 45):start]) is not None


def inside(span: tuple[int, int], scopes: list[tuple[int, int]]) -> bool:
    """Whether a span starts inside any of the scopes."""
    return any(s <= span[0] < e for s, e in scopes)


_DEGREES = r"(?:too\s+|(?:(?:so|very|really|pretty|super|quite|kinda|a bit|just|way|more|much)\s+){0,2})"
"""Degree words before a trait. A lone "too" keeps the trait said of the film ("it was too silly": less
of it, a soft wish, `crs.nlu.critique`); after another degree word ("a bit too dramatic", "way too
romantic") the message criticises the trait itself, which bans the genre."""
_PREDICATE = re.compile(r"\b(is|was|were|are|(?<!\d)'s|looks|looked|sounds|seemed|seems|call(?:ed)?\s+(?:it|that|this|them))(?:n'?t)?\s+"
                        r"(not\s+)?(an?\s+)?" + _DEGREES + "$", re.IGNORECASE)
"""A word said of something ("airplane was hilarious", "that is a funny one", "I wouldn't call that a thriller",
"it was not scary at all"); the "'s" of a decade ("80's comedies") is no verb."""
_WISHED_KIND = re.compile(r"(\b(movies?|films?|flicks?|ones?|something|anything|stuff|[a-z]+s)\s+(that|which)|"
                         r"\b(genres?|favou?rites?|kinds?|types?|style)(\s+of\s+(movies?|films?))?|"
                         r"\b(looking for|want|need|mood for|after|thinking of|prefer)(\s+right now|\s+tonight|\s+now)?)\s*(is|are|'s)(?:n'?t)?\s+"
                         r"(not\s+)?(an?\s+)?" + _DEGREES + "$", re.IGNORECASE)
"""The kind of film wished for, described in a relative clause ("movies that are hilarious") or named
as the user's kind right before the verb ("my favorite genre is comedy", "my favourites are comedies")."""


def said_of_a_film(text: str, start: int) -> bool:
    """Whether the word at `start` is said of a film ("airplane was hilarious", "it was just really
    long") rather than of the films wished for ("movies that are hilarious", "what I want is a comedy")."""
    before = text[max(0, start - 40):start]
    return _PREDICATE.search(before) is not None and _WISHED_KIND.search(before) is None
