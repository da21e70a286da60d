"""Review snippets and sentiment-aligned retrieval: other people's opinions for replies and ranking.

Each snippet carries aspects found by a small lexicon (twist, gore, scary, funny, ...) with a
negation flag ("not too gory"), so retrieval can match the user's polarity and aspect: the user
loved a twist → positive snippets about twists; the user hates gore → snippets that reassure
about gore (negated mention) or at least do not praise it; the user asks "is it too slow?" →
whatever people said about the pace, negatives included. Sources are in `crs.reviews.sources`.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from crs.protocols import Reviews
    from crs.store import Store

ASPECTS: dict[str, tuple[str, ...]] = {
    "twist": ("twist", "twists", "surprise ending", "unexpected", "didn't see it coming", "mind-bending", "mindfuck"),
    "gore": ("gore", "gory", "bloody", "blood", "violent", "violence", "brutal", "graphic"),
    "scary": ("scary", "scared", "scare", "scares", "creepy", "terrifying", "frightening", "spooky", "horror"),
    "funny": ("funny", "hilarious", "laugh", "laughed", "comedy", "humor", "humour", "comedic", "witty"),
    "acting": ("acting", "performance", "performances", "cast", "actor", "actors", "actress"),
    "story": ("story", "plot", "storyline", "script", "writing", "dialogue"),
    "visuals": ("visual", "visuals", "effects", "cgi", "cinematography", "animation", "beautiful", "stunning"),
    "music": ("music", "soundtrack", "score", "songs", "musical"),
    "ending": ("ending", "the end", "finale"),
    "romance": ("romance", "romantic", "love story", "chick flick"),
    "action": ("action", "fight", "fights", "explosions", "chase", "stunts"),
    "emotional": ("sad", "cry", "cried", "tears", "emotional", "touching", "heartwarming", "tearjerker"),
    "pace": ("slow", "boring", "pacing", "long", "dragged", "fast-paced", "suspense", "suspenseful", "tense"),
    "family": ("kids", "family", "children", "kid-friendly", "family-friendly"),
}
_NEG = re.compile(r"\b(not|no|never|without|isn't|wasn't|aren't|didn't|doesn't|don't|hardly|barely|nothing|n't)\b")
_ASPECT_OF = {w: a for a, ws in reversed(ASPECTS.items()) for w in ws}
_ASPECT_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(_ASPECT_OF, key=len, reverse=True)) + r")\b")
_ORDER = {a: n for n, a in enumerate(ASPECTS)}
_MENTION = re.compile(r"@(\d+)")
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Snippet:
    item_id: str
    text: str
    polarity: int
    """+1 positive, -1 negative, 0 neutral/unknown."""
    aspects: tuple[tuple[str, bool], ...] = ()
    """(aspect, negated) pairs found in the text."""
    source: str = "redial"
    """"redial" / "redial-recommender" (a dialogue message), "movielens" (one user's tags), "ratings"
    (a MovieLens rating summary), "tags" (a catalog's aggregated tags), "chat" (an opinion typed here)."""
    quality: float = 0.0
    origin: str = ""
    """The conversation a dialogue snippet comes from (leak checks), or the MovieLens user."""
    rating: float | None = None
    """The author's own rating of the item (MovieLens tags), when known."""

    @property
    def attribution(self) -> str:
        """Who said it, as the reply quotes it ("a viewer said")."""
        if self.source == "movielens":
            stars = f" who rated it {self.rating:g}/5" if self.rating is not None else ""
            return f"a MovieLens viewer{stars} tagged it"
        return {"redial": "a viewer said", "redial-recommender": "a film fan said", "chat": "another user here said",
                "tags": "people tag it", "ratings": "ratings"}.get(self.source, "someone said")

    @property
    def quote(self) -> str:
        """The snippet as the reply quotes it, attributed ("a viewer said: “…”")."""
        if self.source == "ratings":
            return self.text + "."
        if self.source in ("movielens", "tags"):
            return f"{self.attribution} {self.text}."
        return f"{self.attribution}: “{self.text}”"

    @property
    def stance(self) -> str:
        return {1: "positive", -1: "negative"}.get(self.polarity, "mixed")


@dataclass(frozen=True)
class Opinion:
    """The user's stance to align with: polarity and the aspects they talked about."""

    polarity: int = 0
    aspects: tuple[tuple[str, int], ...] = ()
    """(aspect, stance): +1 wanted ("loved the twist"), -1 unwanted ("no gore", "I hate gore")."""
    questions: tuple[str, ...] = ()
    """Aspects the user asks about ("is it too slow?"): any honest mention, negatives included."""


def find_aspects(text: str) -> tuple[tuple[str, bool], ...]:
    """Aspects mentioned in `text`, each with whether a negation precedes it within 4 words."""
    found: dict[str, bool] = {}
    low = text.lower()
    for m in _ASPECT_RE.finditer(low):  # one pass; the first mention of each aspect counts
        aspect = _ASPECT_OF[m.group(1)]
        if aspect in found:
            continue
        before = " ".join(_TOKEN.findall(low[max(0, m.start() - 40):m.start()])[-4:])
        found[aspect] = bool(_NEG.search(before)) or "n't" in low[max(0, m.start() - 25):m.start()]
    out = sorted(found.items(), key=lambda kv: _ORDER[kv[0]])
    return tuple(out)


_VADER: SentimentIntensityAnalyzer | None = None
_VADER_LOCK = threading.Lock()


@functools.lru_cache(maxsize=65536)
def sentiment(text: str) -> float:
    """VADER compound score in [-1, 1] (lexicon shipped with vadersentiment; loaded once, lazily;
    scores memoised: building one store per evaluation fold reads the same messages again)."""
    global _VADER
    if _VADER is None:
        with _VADER_LOCK:
            if _VADER is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                _VADER = SentimentIntensityAnalyzer()
    return float(_VADER.polarity_scores(text[:1000])["compound"])


def polarity_of(text: str, threshold: float = 0.25) -> int:
    s = sentiment(text)
    return 1 if s >= threshold else -1 if s <= -threshold else 0


_QUESTION = re.compile(r"\?|^(is|are|was|does|do|will|would|how)\b", re.IGNORECASE)


def read_opinion(text: str, polarity: int | None = None) -> Opinion:
    """The polarity and aspect stances of a user's message ("I loved the twist", "no gore please").

    `polarity` overrides VADER's reading (the NLU's learned mention sentiment, say). A negated aspect
    is unwanted; otherwise the aspect takes the message's polarity (+1 if neutral). A question about
    an aspect ("is it too slow?") asks for honest snippets about it and states no stance."""
    found = find_aspects(text)
    if found and _QUESTION.search(text.strip()):
        return Opinion(0, (), tuple(a for a, _neg in found))
    pol = polarity_of(text) if polarity is None else polarity
    stances = tuple((a, -1 if neg else (pol or 1)) for a, neg in found)
    return Opinion(pol, stances)


def wish_opinion(phrases: Sequence[str]) -> Opinion:
    """The user's wish for films to recommend, from their phrases oldest first: aspect stances (the
    latest stance per aspect wins: "no gore" then "some gore is fine"), polarity +1 (the snippets
    explaining a recommendation speak for it), unless the latest phrase asks about an aspect ("is it
    too slow?"): then the honest answer is wanted, whatever its polarity."""
    ops = [read_opinion(p) for p in phrases if p.strip()]
    merged = merge_opinions(*ops)
    if ops and ops[-1].questions:
        return Opinion(0, tuple((a, st) for a, st in merged.aspects if a not in ops[-1].questions), ops[-1].questions)
    return Opinion(1, merged.aspects)


def film_opinion(text: str, polarity: int) -> Opinion:
    """The user's stance on one film they named, with the NLU's polarity for the mention."""
    return read_opinion(text, polarity)


def merge_opinions(*ops: Opinion) -> Opinion:
    """Later opinions win: the latest stance per aspect and the latest non-zero polarity."""
    pol, stances, questions = 0, dict[str, int](), list[str]()
    for op in ops:
        pol = op.polarity or pol
        stances.update(op.aspects)
        questions += [q for q in op.questions if q not in questions]
    return Opinion(pol, tuple(stances.items()), tuple(questions))


_REQUESTY = re.compile(r"\b(looking for|recommend|suggest|something like|movies like|films like|similar to|"
                       r"have you seen|any ideas|you (will|would|might|may|could) (love|like|enjoy)|you should (see|watch|try)|"
                       r"check out)\b|\?", re.IGNORECASE)


_UNSEEN = re.compile(r"\b((haven'?t|have not|never|not yet|didn'?t|did not|hasn'?t) (yet |even |actually )?(seen|watched|see|watch)|"
                     r"(looks|sounds) (really |so |very )?(great|good|interesting|fun|awesome|cool|amazing|nice)|"
                     r"check (it|that|this|them)( \w+)? out|give (it|that|this|them)( one)? a (go|try|shot|watch)|"
                     r"add (it|that|this|them) to my (list|queue)|(have|want|need|going) to (see|watch)|been meaning to)\b",
                     re.IGNORECASE)
"""Said by someone who has not seen the film, or only reacts to its suggestion ("thanks, that looks
great", "I will have to check that movie out"): no opinion of it to quote."""
_THANKED = re.compile(r"\b(?:thanks|thank you|thx)\b(?:\s+(?:so|very)\s+much)?(?:\s+for\s+[^.!?,]*)?", re.IGNORECASE)
"""Thanks, with what for: a message that is little else ("you have, thank you") is a reaction, not an opinion."""


def is_opinion(text: str) -> bool:
    """Whether a snippet can be quoted as what someone thought of the film: not a request or a
    question ("looking for something like X", "have you seen X?"), not from someone who has not
    seen it ("I haven't seen Gone Girl! ... been wanting to watch the movie") and not mostly thanks
    ("you have, thank you")."""
    rest = _THANKED.sub(" ", text)
    return _REQUESTY.search(text) is None and _UNSEEN.search(text) is None and (rest == text or len(rest.split()) >= 4)


def _quality(text: str, aspects: Sequence[tuple[str, bool]], polarity: int) -> float:
    """Longer, opinionated, aspect-bearing snippets first; requests ("looking for something like X") last."""
    words = len(text.split())
    requesty = 0.8 if _REQUESTY.search(text) else 0.0
    return min(words, 25) / 25 + 0.5 * len(aspects) + 0.3 * abs(polarity) - requesty


def make_snippet(item_id: str, text: str, polarity: int, source: str, origin: str = "",
                 rating: float | None = None) -> Snippet:
    aspects = find_aspects(text)
    return Snippet(item_id, text, polarity, aspects, source, _quality(text, aspects, polarity), origin, rating)


class ReviewStore:
    """Snippets per item with polarity- and aspect-aligned retrieval. Thread-safe additions."""

    def __init__(self, snippets: Iterable[Snippet] = (), store: Store | None = None) -> None:
        self._by_item: dict[str, list[Snippet]] = defaultdict(list)
        self._lock = threading.Lock()
        self.store = store
        for s in snippets:
            self._by_item[s.item_id].append(s)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_item.values())

    def items(self) -> list[str]:
        return list(self._by_item)

    def origins(self) -> frozenset[str]:
        """Conversations whose messages are snippets here (leak checks)."""
        return frozenset(s.origin for v in self._by_item.values() for s in v if s.origin)

    def texts(self) -> frozenset[str]:
        return frozenset(s.text for v in self._by_item.values() for s in v)

    def for_item(self, item_id: str) -> list[Snippet]:
        return list(self._by_item.get(item_id, ()))

    def add_opinion(self, item_id: str, text: str, polarity: int, user_id: str = "", session_id: str = "") -> Snippet:
        """Record an opinion given in chat (persisted when the review store has a `Store`)."""
        snip = make_snippet(item_id, text.strip()[:500], int(polarity), "chat")
        with self._lock:
            self._by_item[item_id].append(snip)
        if self.store is not None:
            self.store.add_review(item_id, snip.text, snip.polarity, user_id, session_id)
        return snip

    def retrieve(self, item_id: str, opinion: Opinion | None = None, k: int = 1) -> list[Snippet]:
        """Best snippets about `item_id` aligned with the user's opinion (unaligned if None)."""
        snippets = self._by_item.get(item_id)
        if not snippets:
            return []
        if opinion is None:
            ranked = sorted(snippets, key=lambda s: -s.quality)
        else:
            ranked = sorted(snippets, key=lambda s: -alignment(s, opinion))
        return ranked[:k]

    def evidence(self, item_ids: Sequence[str], opinion: Opinion) -> list[float]:
        """Ranking evidence per item: mean positive alignment of its best 3 snippets (0 if none)."""
        out = []
        for item in item_ids:
            best = self.retrieve(item, opinion, k=3)
            out.append(sum(max(0.0, alignment(s, opinion)) for s in best) / 3 if best else 0.0)
        return out

    def read_only(self) -> ReadOnlyReviews:
        """This store's snippets; `add_opinion` records nothing (simulated users write no reviews,
        so one evaluation episode cannot change another)."""
        return ReadOnlyReviews(self)


class ReadOnlyReviews:
    """A `ReviewStore` view that ignores new opinions (`ReviewStore.read_only`)."""

    def __init__(self, inner: ReviewStore) -> None:
        self._inner = inner

    def add_opinion(self, item_id: str, text: str, polarity: int, user_id: str = "", session_id: str = "") -> None:
        return None

    def retrieve(self, item_id: str, opinion: Opinion | None = None, k: int = 1) -> list[Snippet]:
        return self._inner.retrieve(item_id, opinion, k)

    def evidence(self, item_ids: Sequence[str], opinion: Opinion) -> list[float]:
        return self._inner.evidence(item_ids, opinion)

    def read_only(self) -> ReadOnlyReviews:
        return self

    def origins(self) -> frozenset[str]:
        return self._inner.origins()

    def texts(self) -> frozenset[str]:
        return self._inner.texts()


def alignment(s: Snippet, op: Opinion) -> float:
    """How well a snippet matches the user's stance. Liked aspects (stance +1) want affirmative
    mentions; disliked aspects (stance -1) want reassuring, negated mentions ("not gory at all") and
    penalise affirmative ones; a non-zero polarity wants snippets of the same polarity."""
    score = 0.5 * s.quality
    for aspect, stance in op.aspects:
        negated = next((neg for a, neg in s.aspects if a == aspect), None)
        if negated is None:
            continue
        if stance > 0:
            score += -1.0 if negated else 2.0
        else:
            score += 2.0 if negated else -2.0
    for aspect in op.questions:
        if any(a == aspect for a, _neg in s.aspects):
            score += 2.0 + (0.5 if s.polarity < 0 else 0.0)  # the honest answer includes the complaints
    if op.polarity:
        score += 1.5 if s.polarity == op.polarity else (-1.0 if s.polarity == -op.polarity else 0.0)
    return score


def aligned_text(reviews: Reviews, item_ids: Sequence[str], opinion: Opinion, k: int = 1,
                 max_chars: int = 600) -> str:
    """The text of the snippets best aligned with `opinion` for `item_ids`, joined: extra context for
    a retriever's query (the RevCore idea: enrich a sparse dialogue query with aligned reviews)."""
    parts: list[str] = []
    for item in item_ids:
        parts += [s.text for s in reviews.retrieve(item, opinion, k) if alignment(s, opinion) > 0]
    return " ".join(parts)[:max_chars]
