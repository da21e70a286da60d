"""Surface forms: finding attribute values (genres, people) and titles in user text, and a
heuristic act classifier for real seeker messages.

Used to mine the phrase grammar from real ReDial seeker messages, to label replayed dialogues and
to label the real side of the realism evaluation. The vocabulary comes from the catalog schema;
the small tables of English plural/adjective forms only apply to values that exist in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from crs.types import AttributeKind, Catalog
from simulators.errors import SimulatorError

PLURAL = {"comedy": "comedies", "drama": "dramas", "thriller": "thrillers", "western": "westerns",
          "musical": "musicals", "documentary": "documentaries", "romance": "romances",
          "mystery": "mysteries", "adventure": "adventures", "cartoon": "cartoons"}
ADJECTIVE = {"horror": "scary", "comedy": "funny", "romance": "romantic", "animation": "animated",
             "drama": "dramatic"}
SYNONYMS = {"scary": ("horror", "adj"), "horrors": ("horror", "plural"), "funny": ("comedy", "adj"),
            "romantic": ("romance", "adj"), "animated": ("animation", "adj"),
            "cartoon": ("animation", "base"), "cartoons": ("animation", "plural"),
            "science fiction": ("sci-fi", "base"), "scifi": ("sci-fi", "base"), "sci fi": ("sci-fi", "base"),
            "superhero": ("action", "base")}
AMBIGUOUS = {"family", "short", "news", "music", "history", "sport", "war", "biography"}
"""Values that are also everyday words: matched only when followed by movie/film/flick."""
_MOVIE_WORD = r"(?=\s+(?:movies?|films?|flicks?|friendly|genre))"
_WORD = re.compile(r"[A-Za-z][A-Za-z.'\-]*")

ACCEPT = re.compile(
    r"\b(sounds? (so )?(good|great|interesting|fun|perfect|awesome|cool|like)|i('| wi)?ll (definitely |have to |"
    r"probably |def )?(check|watch|look|try|give|add|see|rent)|check (it|that|them|those|these) out|"
    r"(great|good|nice) (suggestion|idea|choice|pick|recommendation)s?|i will (definitely |)(check|watch|look)|"
    r"(might|may) (try|check|watch|like)|will do|that('s| is) (a )?(great|good|perfect)|perfect|thanks? for the "
    r"(suggestion|recommendation)s?)\b")
REJECT = re.compile(
    r"\b((i('ve| have)|already) seen (it|that|those|them|both)|seen (it|that|those|them) already|"
    r"not (really )?(interested|a fan|into|my (thing|style|type))|(don'?t|do not|didn'?t|did not) "
    r"(really )?(like|enjoy|care for|want)|no thanks|not for me|hated|anything else|something else|"
    r"(never|not) heard of)\b")
ASK_REC = re.compile(
    r"\b(recommend|suggest|any (other )?(suggestions|recommendations|ideas)|looking for|in the mood|any (good|movies?)|"
    r"what (should|would|do you|can)|can you (help|find|think)|help me|want to (see|watch)|something to watch|"
    r"(new|good) movie)\b")
CRITIQUE = re.compile(
    r"\b(something (more|less|newer|older|else|different|lighter|darker|with)|more (recent|of a)|less \{|"
    r"too \{|more \{|rather|instead|prefer|anything (more|less|else))")
NEGATION = re.compile(r"\b(don'?t|do not|not|never|hate|hated|dislike|isn'?t|aren'?t|can'?t stand|no|"
                      r"less|too|without|nothing|avoid)\b[^.!?,]{0,20}$")
UNLABELLED_PREFERENCE = re.compile(
    r"\b(kids?|kiddos?|child(ren)?('?s)?|famil(y|ies)|christmas|xmas|holidays?|halloween|thanksgiving|valentine'?s?|"
    r"classics?|older|oldies|old (movies?|films?|ones?)|newer|newest|recent(ly)?|latest|modern|"
    r"new (movies?|films?|ones?|releases?)|(19|20)\d\d'?s?|'?\d0'?s|(nine|eigh|seven|six|fif)ties|"
    r"noir|super ?-?heroe?s?|disney|pixar|marvel|chick flicks?|rom ?-?coms?|tear ?-?jerkers?|feel ?-?good|"
    r"true story|based on|documentar(y|ies)|musicals?|war|westerns?|cartoons?|anime|sci-?fi|action|comed(y|ies)|"
    r"horror|dramas?|thrillers?|romance|romantic|scary|funny|fantasy|myster(y|ies)|crime)\b", re.IGNORECASE)
"""Preference words outside the slots of a mined template ("a good children's movie", "something more
recent", "a rom com"): such a template would say more than its labels, so mining drops it."""
GREETING = re.compile(r"^\W*(hi+|hello+|hey+|howdy|good (morning|afternoon|evening)|greetings)\b", re.IGNORECASE)
CLOSING = re.compile(r"\b(bye|goodbye|good night|thanks?|thank you|have a (good|great|nice)|take care|"
                     r"you too|nice chatting|enjoy)\b")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # "genre" | "person"
    attribute: str
    value: str
    form: str = "base"  # genre surface form: base | plural | adj


@dataclass(frozen=True)
class Vocabulary:
    """Attribute-value surface forms of one catalog: a genre-like attribute and people attributes."""

    genre_attr: str | None
    person_attrs: tuple[str, ...]
    genre_surfaces: Mapping[str, tuple[str, str]]  # lower surface -> (catalog value, form)
    value_forms: Mapping[str, Mapping[str, str]]  # catalog value -> form -> surface
    persons: Mapping[str, tuple[str, str]]  # lower name -> (attribute, canonical name)
    _genre_re: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_catalog(cls, catalog: Catalog, genre_attr: str | None = "genres",
                     person_attrs: Sequence[str] = ("stars", "director")) -> Vocabulary:
        """Build from the schema; unknown attribute names are a SimulatorError naming them."""
        for name in ([genre_attr] if genre_attr else []) + list(person_attrs):
            if name not in catalog.schema:
                raise SimulatorError(f"unknown attribute {name!r} for catalog {catalog.name!r}; "
                                     f"valid attributes: {', '.join(catalog.schema.names)}")
        surfaces: dict[str, tuple[str, str]] = {}
        forms: dict[str, dict[str, str]] = {}
        if genre_attr:
            values = catalog.schema.get(genre_attr).values or _observed(catalog, genre_attr)
            for v in values:
                low = v.lower()
                f = {"base": low, "plural": PLURAL.get(low, low), "adj": ADJECTIVE.get(low, low)}
                forms[v] = f
                for form, s in f.items():
                    surfaces.setdefault(s, (v, form))
            by_low = {v.lower(): v for v in values}
            for s, (low, form) in SYNONYMS.items():
                if low in by_low:
                    surfaces.setdefault(s, (by_low[low], form))
        persons: dict[str, tuple[str, str]] = {}
        for attr in person_attrs:
            for it in catalog.items:
                for name in it.values(attr):
                    if name.count(" ") >= 1 and len(name) > 5:
                        persons.setdefault(name.lower(), (attr, name))
        return cls(genre_attr, tuple(person_attrs), surfaces, forms, persons, _compile(surfaces))

    def surface(self, value: str, form: str = "base") -> str:
        f = self.value_forms.get(value)
        return f.get(form, f["base"]) if f else str(value).lower()

    def find(self, text: str) -> list[Span]:
        """Non-overlapping genre and person spans in `text`, in order."""
        spans: list[Span] = []
        low = text.lower()
        if self._genre_re is not None and self.genre_attr:
            for m in self._genre_re.finditer(low):
                value, form = self.genre_surfaces[m.group(0)]
                spans.append(Span(m.start(), m.end(), "genre", self.genre_attr, value, form))
        if self.persons:
            spans.extend(self._find_persons(text))
        spans.sort(key=lambda s: (s.start, -s.end))
        out: list[Span] = []
        for s in spans:
            if not out or s.start >= out[-1].end:
                out.append(s)
        return out

    def _find_persons(self, text: str) -> list[Span]:
        words = list(_WORD.finditer(text))
        found = []
        for i in range(len(words)):
            for n in (3, 2):
                if i + n > len(words):
                    continue
                a, b = words[i].start(), words[i + n - 1].end()
                key = " ".join(w.group(0).lower().rstrip(".'") for w in words[i:i + n])
                hit = self.persons.get(key)
                if hit and " " in text[a:b].strip():
                    found.append(Span(a, b, "person", hit[0], hit[1]))
                    break
        return found


def _observed(catalog: Catalog, attr: str) -> tuple[str, ...]:
    vals: set[str] = set()
    for it in catalog.items:
        vals.update(it.values(attr))
    return tuple(sorted(vals))


def _compile(surfaces: Mapping[str, tuple[str, str]]) -> re.Pattern[str] | None:
    if not surfaces:
        return None
    alts = []
    for s in sorted(surfaces, key=len, reverse=True):
        pat = re.escape(s).replace(r"\ ", r"\s+")
        value = surfaces[s][0].lower()
        alts.append(pat + _MOVIE_WORD if value in AMBIGUOUS and surfaces[s][1] == "base" else pat)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b")


def default_genre_attr(catalog: Catalog) -> str | None:
    """The catalog's genre-like attribute: `genres` if present, else the first multi-valued one."""
    if "genres" in catalog.schema:
        return "genres"
    multi = [a.name for a in catalog.schema if a.kind is AttributeKind.MULTI]
    return multi[0] if multi else None


def classify(text: str, item_polarities: Sequence[int], n_attrs: int, attr_polarity: int,
             after_recommendation: bool) -> str:
    """Heuristic act of a real seeker message (items given as polarities: +1 liked, -1 disliked, 0)."""
    low = text.lower()
    if item_polarities:
        if after_recommendation and ACCEPT.search(low) and all(p >= 0 for p in item_polarities):
            return "accept"
        if all(p > 0 for p in item_polarities):
            return "mention_liked"
        if all(p < 0 for p in item_polarities):
            return "reject" if after_recommendation and REJECT.search(low) else "mention_disliked"
        return "other"
    if n_attrs:
        if after_recommendation and CRITIQUE.search(low):
            return "critique"
        return "state_attribute"
    if ASK_REC.search(low):
        return "ask_rec"
    if after_recommendation and ACCEPT.search(low):
        return "accept"
    if after_recommendation and REJECT.search(low):
        return "reject"
    return "chitchat"


def chitchat_kind(text: str) -> str:
    """greet | bye | other."""
    if GREETING.search(text):
        return "greet"
    if CLOSING.search(text.lower()):
        return "bye"
    return "other"


def attr_polarity(text: str, start: int) -> int:
    """Polarity of an attribute mention starting at `start`: -1 if a negation shortly precedes it."""
    return -1 if NEGATION.search(text[max(0, start - 30):start].lower()) else 1
