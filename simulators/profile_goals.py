"""Target-free goals of the profile user model: what one real ReDial seeker said and felt.

For each ReDial-format dialogue (the goal file) a `Profile` holds only the seeker's side:

- movies the seeker mentioned with their polarity (the post-chat questionnaire,
  `initiatorQuestions` first, `respondentQuestions` where the seeker's answers lack a movie):
  `liked` (mentioned by the seeker, liked), `disliked` (mentioned by the seeker and not liked, or a
  suggestion the seeker had seen and did not like) and `refused` (suggestions the seeker did not
  like and had not seen);
- genres and people in the seeker's own messages: catalog genre values and people's names found in
  the text by `surface.Vocabulary`, plus the annotated entities of the message where the file has
  them (train_subset_1000_annotated.jsonl: `entity`), with polarity from a preceding negation; by
  default (`no_echo`) a genre or person of an acceptable film already named in the dialogue counts
  only if the seeker had said it before (else the seeker may just be echoing the suggestion);
- the seeker's messages themselves (`phrases`, kept for inspection; the user speaks through the
  mined grammar).

The `acceptable` set (suggested by the human recommender and liked by the seeker) is kept beside
the profile in `ProfileGoal`, never inside it: the user's answers read only the profile. A dialogue
whose acceptable set is empty after restricting to catalog items is not a goal (counted in
`ProfileGoals.stats`). `SeenStats` measures how often ReDial seekers had already seen a suggested
movie (the rate of the profile user's "seen it" reactions).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crs.catalog.dialogues import Dialogue
from crs.types import Catalog
from simulators.errors import SimulatorError
from simulators.surface import Vocabulary, attr_polarity

Entities = Mapping[str, Sequence[Sequence[str]]]
"""conversation id -> per message (file order) the annotated entity strings."""
_NEGATED = re.compile(r"\b(don'?t|do not|not|never|hate|hated|dislike|isn'?t|aren'?t|can'?t stand|no|nothing|"
                      r"avoid|without)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Profile:
    """Everything the simulated user knows: the real seeker's own statements and feelings."""

    conversation_id: str
    liked: tuple[str, ...] = ()
    """Catalog ids the seeker mentioned and liked (never a recommender suggestion)."""
    disliked: tuple[str, ...] = ()
    """Catalog ids the seeker mentioned and did not like, or suggestions seen and not liked."""
    refused: tuple[str, ...] = ()
    """Suggestions the seeker did not like without having seen them."""
    genres: tuple[tuple[str, int], ...] = ()
    """(genre value, polarity) in the seeker's own messages, one entry per mention."""
    persons: tuple[tuple[str, int], ...] = ()
    """(canonical name, polarity) of people in the seeker's own messages, one entry per mention."""
    phrases: tuple[str, ...] = ()
    """The seeker's own messages."""

    @property
    def silent(self) -> bool:
        """Nothing to answer a question with: no liked movie, no genre or person in own words."""
        return not self.liked and not self.genres and not self.persons


@dataclass(frozen=True)
class ProfileGoal:
    """A profile and the films its real seeker accepted (the success criterion only)."""

    profile: Profile
    acceptable: tuple[str, ...]


@dataclass(frozen=True)
class SeenStats:
    """ReDial `seen` answers of the seekers over the movies the human recommender suggested."""

    suggested: int = 0
    seen_yes: int = 0
    seen_no: int = 0
    seen_unsaid: int = 0
    rejected_suggested: int = 0
    """Suggestions the seeker did not say they liked (liked 0 or 2)."""
    rejected_seen_yes: int = 0
    rejected_seen_no: int = 0

    @property
    def rate(self) -> float:
        """Share of 'seen: yes' among the suggested movies whose seen answer was given (yes or no)."""
        answered = self.seen_yes + self.seen_no
        return self.seen_yes / answered if answered else 0.0

    @property
    def rate_all(self) -> float:
        """Share of 'seen: yes' among all suggested movies ('didn't say' counts as not seen)."""
        return self.seen_yes / self.suggested if self.suggested else 0.0

    @property
    def rate_rejected(self) -> float:
        """Share of 'seen: yes' among answered suggestions the seeker did not like."""
        answered = self.rejected_seen_yes + self.rejected_seen_no
        return self.rejected_seen_yes / answered if answered else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"suggested": self.suggested, "seen_yes": self.seen_yes, "seen_no": self.seen_no,
                "seen_unsaid": self.seen_unsaid, "rate": round(self.rate, 4), "rate_all": round(self.rate_all, 4),
                "rate_rejected": round(self.rate_rejected, 4)}


def merged_labels(d: Dialogue) -> dict[str, dict[str, int]]:
    """Questionnaire answers per movie: the seeker's, completed by the recommender's where missing."""
    out: dict[str, dict[str, int]] = {}
    for mid in list(d.seeker_labels) + [m for m in d.recommender_labels if m not in d.seeker_labels]:
        q = dict(d.recommender_labels.get(mid, {}))
        q.update(d.seeker_labels.get(mid, {}))
        out[mid] = q
    return out


def seen_stats(dialogues: Iterable[Dialogue]) -> SeenStats:
    """Count the seekers' `seen` answers over suggested movies (seeker questionnaire first)."""
    c: Counter[str] = Counter()
    for d in dialogues:
        for q in merged_labels(d).values():
            if q.get("suggested") != 1:
                continue
            seen = q.get("seen", 2)
            c["suggested"] += 1
            c["seen_yes" if seen == 1 else "seen_no" if seen == 0 else "seen_unsaid"] += 1
            if q.get("liked") != 1:
                c["rejected_suggested"] += 1
                if seen in (0, 1):
                    c["rejected_seen_yes" if seen == 1 else "rejected_seen_no"] += 1
    return SeenStats(**c)


def _order(d: Dialogue) -> list[str]:
    """Movie ids in order of first mention in the dialogue, then the questionnaire's order."""
    seen: dict[str, None] = {}
    for m in d.messages:
        for mid in m.movies:
            seen.setdefault(mid, None)
    for mid in list(d.seeker_labels) + list(d.recommender_labels):
        seen.setdefault(mid, None)
    return list(seen)


OWN_WORDS = ("all", "no_echo", "before_suggestion")
"""Which seeker messages give the own-word genres and people: all of them; all but values that echo
an acceptable film already named in the dialogue (a genre or person of that film the seeker had not
stated before it was named: the seeker may have learned it from the suggestion); or only messages
before the first mention of an acceptable film."""


def _film_values(catalog: Catalog, vocab: Vocabulary, mid: str) -> set[str]:
    it = catalog.item(mid)
    attrs = ([vocab.genre_attr] if vocab.genre_attr else []) + list(vocab.person_attrs)
    return {v for a in attrs for v in it.values(a)}


def _own_words(d: Dialogue, catalog: Catalog, vocab: Vocabulary | None, entities: Sequence[Sequence[str]] | None,
               acceptable: Sequence[str], mode: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]], list[str]]:
    """Genres and people (with polarity) in the seeker's messages, and the messages' text."""
    if mode not in OWN_WORDS:
        raise SimulatorError(f"unknown own-words mode {mode!r}; valid: {', '.join(OWN_WORDS)}")
    genres: list[tuple[str, int]] = []
    persons: list[tuple[str, int]] = []
    phrases: list[str] = []
    echo: set[str] = set()
    for idx, m in enumerate(d.messages):
        named = [mid for mid in m.movies if mid in acceptable]
        if named and mode == "before_suggestion":
            break
        if m.role != "seeker":
            if vocab is not None and mode == "no_echo":
                for mid in named:
                    echo |= _film_values(catalog, vocab, mid)
            continue
        if m.text.strip():
            phrases.append(m.text.strip())
        if vocab is None:
            continue
        found: list[tuple[str, str, int]] = [(s.kind, s.value, attr_polarity(m.text, s.start)) for s in vocab.find(m.text)]
        if entities is not None and idx < len(entities) and not _NEGATED.search(m.text):
            for ent in entities[idx]:
                low = str(ent).strip().lower()
                g, p = vocab.genre_surfaces.get(low), vocab.persons.get(low)
                hit = ("genre", g[0], 1) if g is not None else ("person", p[1], 1) if p is not None else None
                if hit is not None and all(f[:2] != hit[:2] for f in found):
                    found.append(hit)
        said = {v for v, _ in genres} | {v for v, _ in persons}
        for kind, value, pol in found:
            if value in echo and value not in said:
                continue
            (genres if kind == "genre" else persons).append((value, pol))
        if mode == "no_echo":
            for mid in named:  # a seeker naming an accepted film may also echo its attributes later
                echo |= _film_values(catalog, vocab, mid)
    return genres, persons, phrases


def profile_goal(d: Dialogue, catalog: Catalog, vocab: Vocabulary | None,
                 entities: Sequence[Sequence[str]] | None = None, own_words: str = "no_echo") -> ProfileGoal:
    """The profile and acceptable set of one dialogue (the acceptable set may be empty)."""
    q = merged_labels(d)
    order = [m for m in _order(d) if m in q and m in catalog]
    acceptable = tuple(m for m in order if q[m].get("suggested") == 1 and q[m].get("liked") == 1)
    liked = tuple(m for m in order if q[m].get("suggested") != 1 and q[m].get("liked") == 1)
    disliked = tuple(m for m in order if q[m].get("liked") == 0
                     and (q[m].get("suggested") != 1 or q[m].get("seen") == 1))
    refused = tuple(m for m in order if q[m].get("liked") == 0 and q[m].get("suggested") == 1
                    and q[m].get("seen") != 1)
    genres, persons, phrases = _own_words(d, catalog, vocab, entities, acceptable, own_words)
    profile = Profile(d.conversation_id, liked, disliked, refused, tuple(genres), tuple(persons), tuple(phrases))
    return ProfileGoal(profile, acceptable)


@dataclass(frozen=True)
class ProfileGoals:
    """Usable goals (non-empty acceptable set) of a goal file, with counts and the seen rate."""

    goals: tuple[ProfileGoal, ...]
    seen: SeenStats
    stats: Mapping[str, int] = field(default_factory=dict)
    source: str = "dialogues"
    dialogue_ids: frozenset[str] = frozenset()
    """Every dialogue of the goal file, usable or not (what the grammar and any model must exclude)."""

    @property
    def conversation_ids(self) -> frozenset[str]:
        return frozenset(g.profile.conversation_id for g in self.goals)

    @classmethod
    def from_dialogues(cls, catalog: Catalog, dialogues: Iterable[Dialogue], vocab: Vocabulary | None,
                       entities: Entities | None = None, own_words: str = "no_echo",
                       source: str = "dialogues") -> ProfileGoals:
        """Goals of real seekers; SimulatorError when no dialogue has an acceptable catalog movie."""
        dialogues = list(dialogues)
        goals, silent = [], 0
        for d in dialogues:
            g = profile_goal(d, catalog, vocab, (entities or {}).get(d.conversation_id), own_words)
            if g.acceptable:
                goals.append(g)
                silent += g.profile.silent
        stats = {"dialogues": len(dialogues), "usable": len(goals), "no_acceptable": len(dialogues) - len(goals),
                 "silent_profiles": silent}
        if not goals:
            raise SimulatorError(f"no usable goal in {source}: {len(dialogues)} dialogues, none with a movie the "
                                 "human recommender suggested and the seeker liked (in the catalog)")
        return cls(tuple(goals), seen_stats(dialogues), stats, source, frozenset(d.conversation_id for d in dialogues))


def read_entities(path: str | Path) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Annotated entities per message of a ReDial-format file (`entity` of each message; empty
    tuples where a file has none). Bad lines are skipped, as `read_dialogues` skips them."""
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    with Path(path).open("rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8", errors="replace"))
                msgs = obj["messages"]
                ents = tuple(tuple(str(e) for e in (m.get("entity") or ()) if isinstance(e, str))
                             if isinstance(m, dict) else () for m in msgs)
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
                continue
            if any(ents):
                out[str(obj.get("conversationId", ""))] = ents
    return out
