"""Sentiment-aligned review snippets: other people's opinions for explanations and ranking evidence.

Sources, merged into one in-memory `ReviewStore` (item id → snippets):
- ReDial seeker messages that mention exactly one movie, with the seeker's post-chat `liked`
  label as polarity (VADER's sign where the label is "didn't say");
- MovieLens user tags carried by the catalog's `tags` attribute (short descriptive reviews);
- opinions users give in chat (`add_opinion`), persisted in the SQLite `Store`.

Each snippet carries aspects found by a small lexicon (twist, gore, scary, funny, ...) with a
negation flag ("not too gory"), so retrieval can match the user's polarity and aspect: the user
loved a twist → positive snippets about twists; the user hates gore → snippets that reassure
about gore (negated mention) or at least do not praise it.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crs.types import Catalog

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from crs.catalog.dialogues import Dialogue
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
_ASPECT_RE = {a: re.compile(r"\b(" + "|".join(re.escape(w) for w in ws) + r")\b", re.IGNORECASE) for a, ws in ASPECTS.items()}
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
    source: str = "redial"  # "redial" | "movielens" | "chat"
    quality: float = 0.0
    origin: str = ""
    """The conversation a dialogue snippet comes from (leak checks)."""


@dataclass(frozen=True)
class Opinion:
    """The user's stance to align with: polarity and the aspects they talked about."""

    polarity: int = 0
    aspects: tuple[tuple[str, int], ...] = ()
    """(aspect, stance): +1 wanted ("loved the twist"), -1 unwanted ("no gore", "I hate gore")."""


def find_aspects(text: str) -> tuple[tuple[str, bool], ...]:
    """Aspects mentioned in `text`, each with whether a negation precedes it within 4 words."""
    out: list[tuple[str, bool]] = []
    low = text.lower()
    for aspect, rx in _ASPECT_RE.items():
        m = rx.search(low)
        if m is None:
            continue
        before = " ".join(_TOKEN.findall(low[max(0, m.start() - 40):m.start()])[-4:])
        out.append((aspect, bool(_NEG.search(before)) or "n't" in low[max(0, m.start() - 25):m.start()]))
    return tuple(out)


_VADER: SentimentIntensityAnalyzer | None = None
_VADER_LOCK = threading.Lock()


def sentiment(text: str) -> float:
    """VADER compound score in [-1, 1] (lexicon shipped with vadersentiment; loaded once, lazily)."""
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


def read_opinion(text: str) -> Opinion:
    """The polarity and aspect stances of a user's message ("I loved the twist", "no gore please").

    A negated aspect is unwanted; otherwise the aspect takes the message's polarity (+1 if neutral)."""
    pol = polarity_of(text)
    stances = tuple((a, -1 if neg else (pol or 1)) for a, neg in find_aspects(text))
    return Opinion(pol, stances)


_REQUESTY = re.compile(r"\b(looking for|recommend|suggest|something like|movies like|films like|similar to|"
                       r"have you seen|any ideas)\b|\?", re.IGNORECASE)


def _quality(text: str, aspects: Sequence[tuple[str, bool]], polarity: int) -> float:
    """Longer, opinionated, aspect-bearing snippets first; requests ("looking for something like X") last."""
    words = len(text.split())
    requesty = 0.8 if _REQUESTY.search(text) else 0.0
    return min(words, 25) / 25 + 0.5 * len(aspects) + 0.3 * abs(polarity) - requesty


def make_snippet(item_id: str, text: str, polarity: int, source: str, origin: str = "") -> Snippet:
    aspects = find_aspects(text)
    return Snippet(item_id, text, polarity, aspects, source, _quality(text, aspects, polarity), origin)


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
    if op.polarity:
        score += 1.5 if s.polarity == op.polarity else (-1.0 if s.polarity == -op.polarity else 0.0)
    return score


# --- building from data -----------------------------------------------------------------------


def _render(text: str, item_id: str, titles: dict[str, str]) -> str:
    return _MENTION.sub(lambda m: titles.get(m.group(1), "that one") if m.group(1) != item_id
                        else titles.get(item_id, "it"), text).strip()


def snippets_from_dialogues(dialogues: Iterable[Dialogue], catalog: Catalog, min_words: int = 4) -> list[Snippet]:
    """Seeker messages about exactly one movie, polarity from the seeker's `liked` label."""
    titles = {it.id: it.title for it in catalog.items}
    out: list[Snippet] = []
    for d in dialogues:
        for m in d.messages:
            if m.role != "seeker" or len(set(m.movies)) != 1 or m.movies[0] not in titles:
                continue
            item = m.movies[0]
            text = _render(m.text, item, titles)
            if len(text.split()) < min_words:
                continue
            liked = d.seeker_labels.get(item, {}).get("liked")
            pol = 1 if liked == 1 else -1 if liked == 0 else polarity_of(text)
            out.append(make_snippet(item, text, pol, "redial", d.conversation_id))
    return out


def snippets_from_tags(catalog: Catalog, attribute: str = "tags") -> list[Snippet]:
    """One short review per item from its user tags (MovieLens tags in the ReDial catalog)."""
    if attribute not in catalog.schema:
        return []
    out = []
    for it in catalog.items:
        tags = it.values(attribute)
        if tags:
            text = ", ".join(f"“{t}”" for t in tags[:5])
            out.append(make_snippet(it.id, text, polarity_of(" ".join(tags)), "movielens"))
    return out


def build_reviews(catalog: Catalog, data_dir: str | Path | None = None, store: Store | None = None,
                  dialogue_files: Sequence[str | Path] | None = None) -> ReviewStore:
    """Review store for a catalog: ReDial seeker messages (ReDial catalog with a data dir; the
    dialogues the catalog excludes are left out here too), tags, and the chat opinions persisted in `store`."""
    snippets = snippets_from_tags(catalog)
    excluded = frozenset(catalog.meta.get("excluded_dialogues", ()))
    if catalog.name == "redial" and (data_dir is not None or dialogue_files):
        from crs.catalog.dialogues import read_dialogues
        from crs.catalog.redial import DEFAULT_DIALOGUES

        root = Path(data_dir) if data_dir is not None else Path(".")
        for f in dialogue_files or [root / p for p in DEFAULT_DIALOGUES]:
            if Path(f).exists():
                snippets += snippets_from_dialogues([d for d in read_dialogues(f).dialogues
                                                     if d.conversation_id not in excluded], catalog)
    if store is not None:
        snippets += [make_snippet(i, t, p, "chat") for i, t, p, _u in store.reviews() if i in catalog]
    return ReviewStore(snippets, store)


# --- labelled dev evaluation --------------------------------------------------------------------


def _labelled_queries(dialogues: Iterable[Dialogue], catalog: Catalog) -> list[tuple[str, int]]:
    """Seeker messages about one movie with a gold `liked` label (1 → +1, 0 → -1)."""
    titles = {it.id: it.title for it in catalog.items}
    out = []
    for d in dialogues:
        for m in d.messages:
            if m.role == "seeker" and len(set(m.movies)) == 1 and m.movies[0] in titles:
                liked = d.seeker_labels.get(m.movies[0], {}).get("liked")
                text = _render(m.text, m.movies[0], titles)
                if liked in (0, 1) and len(text.split()) >= 4:
                    out.append((text, 1 if liked == 1 else -1))
    return out


def evaluate_alignment(train: Sequence[Dialogue], dev: Sequence[Dialogue], catalog: Catalog) -> dict[str, Any]:
    """Polarity match of aligned vs unaligned retrieval on a labelled dev split.

    Snippets come from `train`; each dev query is a seeker message with its gold liked/disliked
    label. Its opinion is read from the text alone (VADER + aspects, never the label) and a snippet
    is retrieved for a candidate film that has both positive and negative snippets. A hit is a
    snippet whose polarity equals the query's gold polarity. Reports overall and per-class rates.
    """
    store = ReviewStore(snippets_from_dialogues(train, catalog))
    cands = sorted(i for i in store.items()
                   if {s.polarity for s in store.for_item(i)} >= {1, -1})
    queries = _labelled_queries(dev, catalog)
    if not cands or not queries:
        raise ValueError("evaluation needs labelled dev queries and films with both polarities in train")
    hits: dict[str, dict[int, list[int]]] = {"aligned": defaultdict(list), "unaligned": defaultdict(list)}
    for n, (text, gold) in enumerate(queries):
        cand = cands[(n * 7919) % len(cands)]
        for name, op in (("aligned", read_opinion(text)), ("unaligned", None)):
            best = store.retrieve(cand, op, k=1)
            hits[name][gold].append(int(bool(best) and best[0].polarity == gold))
    report: dict[str, Any] = {"queries": len(queries), "positive": len(hits["aligned"][1]),
                    "negative": len(hits["aligned"][-1]), "candidates": len(cands), "snippets": len(store)}
    for name, by in hits.items():
        allh = by[1] + by[-1]
        pos = sum(by[1]) / max(1, len(by[1]))
        neg = sum(by[-1]) / max(1, len(by[-1]))
        report[name] = {"polarity_match": sum(allh) / len(allh), "positive_match": pos, "negative_match": neg,
                        "balanced_match": (pos + neg) / 2}
    return report
