"""Stage 3 of a turn, candidates: constraints → candidate set → the ranked recommendation.

How the agent turns accumulated constraints into a candidate set and soft ranking boosts:

- Excludes and numeric ranges are hard filters; so are includes, except wanted people: an actor,
  director or writer the user likes ranks their films first (`PERSON_WEIGHT`) but filters nothing
  out, and a wanted person none of whose films is left ("a comedy with Christopher Nolan") is
  reported as relaxed.
- Several includes of the same attribute ("comedy", later "action") are OR-ed: the user wants
  either, preferably both. Every include also counts as a soft boost in ranking, so items that
  satisfy more of them come first (`soft_boost`).
- When fewer than `min_size` candidates are left, constraints are relaxed oldest first (excludes
  last) until enough remain; the relaxed ones become soft boosts and the user is told which.
- The dialogue retriever (`crs.ranking.retrieve`: hybrid BM25 + dense search on the query built
  from the whole dialogue, under the candidate mask) returns a few hundred allowed, not yet
  discussed rows at every catalog size; the ranker (`crs.protocols.Ranker`) scores only those, soft
  constraints boost them, and review evidence re-orders the top (`recommend_ids`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from crs.dialogue.read import opinion_of
from crs.nlu.entities import PERSON_ATTRIBUTES, same_title_items
from crs.protocols import Ranker, Reviews
from crs.ranking.retrieve import retrieve_and_score, retriever_for
from crs.ranking.variants import enrich
from crs.retrieval.dialogue import meaningful
from crs.retrieval.engine import SearchEngine
from crs.types import Catalog, Constraint, DialogueState, Speaker

_NUMERIC_OPS = ("ge", "le", "gt", "lt", "eq")

MAX_PREF_CHARS = 100
"""Preference phrases are cut to this length before the ranker encodes them."""
SOFT_WEIGHT = 2.0
"""Added to the fused z-score per soft constraint (include, relaxed range) an item satisfies."""
RELAXED_WEIGHT = 10.0
"""Added per relaxed include/range an item satisfies: the few items that meet a relaxed wish ("a Rich
Moore film": 3 in the catalog) are shown before the ones that only come close."""
PERSON_WEIGHT = 4.0
"""Added per wanted person an item has (instead of `SOFT_WEIGHT`): a person the user likes ranks their
films first without filtering out everything else. As a filter, "I like Tom Hanks" (often the answer
to "any actor you'd like?") left only his films; the real seekers of the profile simulation took
another film in 43 of its 82 failures where a filter had excluded it."""
MIN_CANDIDATES = 5
"""Constraints are relaxed (oldest first) when fewer candidates than this (or k) remain."""
REVIEW_WEIGHT = 0.05
"""Weight of review evidence (aligned snippets) added to the ranker's fused z-scores: a tie-breaker."""


def constraint_masks(engine: SearchEngine, constraints: Sequence[Constraint]) -> list[np.ndarray]:
    return [np.asarray(engine.mask([c]), dtype=bool) for c in constraints]


def combine(constraints: Sequence[Constraint], masks: Sequence[np.ndarray], n: int) -> np.ndarray:
    """AND across attributes (and for excludes / ranges), OR among includes of one attribute."""
    out = np.ones(n, dtype=bool)
    groups: dict[str, np.ndarray] = {}
    for c, m in zip(constraints, masks):
        if c.op == "include":
            groups[c.attribute] = groups[c.attribute] | m if c.attribute in groups else m.copy()
        else:
            out &= m
    for m in groups.values():
        out &= m
    return out


def relaxed_mask(engine: SearchEngine, n: int, constraints: Sequence[Constraint], base: np.ndarray,
                 min_size: int) -> tuple[np.ndarray, tuple[Constraint, ...]]:
    """The candidate mask (`base` = rows not rejected) and the constraints relaxed to reach `min_size`.

    Relaxation order: includes and ranges oldest first, then excludes oldest first."""
    cons = list(constraints)
    masks = constraint_masks(engine, cons)
    mask = base & combine(cons, masks, n)
    if int(mask.sum()) >= min_size or not cons:
        return mask, ()
    order = [i for i, c in enumerate(cons) if c.op != "exclude"] + [i for i, c in enumerate(cons) if c.op == "exclude"]
    dropped: list[int] = []
    for i in order:
        dropped.append(i)
        keep = [j for j in range(len(cons)) if j not in dropped]
        mask = base & combine([cons[j] for j in keep], [masks[j] for j in keep], n)
        if int(mask.sum()) >= min_size:
            break
    return mask, tuple(cons[i] for i in dropped)


def soft_boost(engine: SearchEngine, constraints: Sequence[Constraint], rows: np.ndarray,
               weights: Sequence[float] | None = None) -> np.ndarray:
    """Per row: how many of the soft constraints (includes, relaxed ones) it satisfies, each counted
    with its weight (1 when `weights` is None)."""
    out = np.zeros(len(rows), dtype=np.float32)
    for i, m in enumerate(constraint_masks(engine, constraints)):
        out += m[rows] if weights is None else np.float32(weights[i]) * m[rows]
    return out


def soft_constraints(constraints: Sequence[Constraint], relaxed: Sequence[Constraint]) -> tuple[Constraint, ...]:
    """Constraints that boost the ranking: every include, plus relaxed ranges (a relaxed exclude is dropped)."""
    out = [c for c in constraints if c.op == "include"]
    out += [c for c in relaxed if c.op in _NUMERIC_OPS]
    return tuple(dict.fromkeys(out))


def relax_notice(relaxed: Sequence[Constraint], noun: str) -> str:
    what = ", ".join(f"{c.attribute} {c.op} {c.value}" if c.op in _NUMERIC_OPS else f"{c.op} {c.value}"
                     for c in relaxed)
    return f"Few {noun}s matched everything, so I relaxed: {what} (still preferred where it applies)."


def candidate_mask(catalog: Catalog, engine: SearchEngine, state: DialogueState,
                   k: int) -> tuple[np.ndarray, tuple[Constraint, ...]]:
    """Candidates (includes of one attribute OR-ed, relaxed oldest first when fewer than
    `MIN_CANDIDATES` or `k` remain) minus rejected items, and the relaxed constraints."""
    base = np.ones(len(catalog), dtype=bool)
    base[[catalog.row(i) for i in state.rejected if i in catalog]] = False
    mask, relaxed = relaxed_mask(engine, len(catalog), hard_constraints(state.constraints), base, max(k, MIN_CANDIDATES))
    unmet = tuple(c for c in state.constraints if person_wish(c) and not bool((mask & engine.mask([c])).any()))
    return mask, relaxed + unmet  # a wanted person with no film left (no Nolan comedy): told, as relaxed


def person_wish(c: Constraint) -> bool:
    """A wanted actor, director or writer: ranked first (`PERSON_WEIGHT`), not a filter."""
    return c.op == "include" and c.attribute in PERSON_ATTRIBUTES


def hard_constraints(constraints: Sequence[Constraint]) -> list[Constraint]:
    """The constraints that filter: all but the people wished for (`person_wish`)."""
    return [c for c in constraints if not person_wish(c)]


def newly_relaxed(catalog: Catalog, engine: SearchEngine, before: DialogueState, relaxed: tuple[Constraint, ...],
                  k: int) -> tuple[Constraint, ...]:
    """The relaxed constraints that were not already relaxed before this turn (announced once)."""
    if not relaxed or not before.constraints:
        return tuple(relaxed)
    already = set(candidate_mask(catalog, engine, before, k)[1])
    return tuple(c for c in relaxed if c not in already)


@dataclass(frozen=True)
class Shortlist:
    """The films `recommend` would show, and how sure the ranking is (read by the policy)."""

    ids: tuple[str, ...] = ()
    margin: float = 0.0
    """Mean fused score of the shown films minus that of the rest of the shortlist, in score std units."""
    alignment: float = 0.0
    """Mean review evidence of the shown films aligned with the user's opinion."""


def recommend_ids(catalog: Catalog, engine: SearchEngine, ranker: Ranker, reviews: Reviews, state: DialogueState,
                  mask: np.ndarray, k: int, relaxed: tuple[Constraint, ...] = ()) -> tuple[str, ...]:
    """Top-k allowed, not yet discussed items by the ranker's fused score, then re-ordered with
    review evidence. Constraints are already in `mask` (columnar filters)."""
    return shortlist(catalog, engine, ranker, reviews, state, mask, k, relaxed).ids


def shortlist(catalog: Catalog, engine: SearchEngine, ranker: Ranker, reviews: Reviews, state: DialogueState,
              mask: np.ndarray, k: int, relaxed: tuple[Constraint, ...] = (), review_query: bool = False) -> Shortlist:
    """`recommend_ids` with the ranking's margin and the shown films' review alignment.
    `review_query`: the ranking state's preferences get the aligned reviews of the last liked films
    (`crs.ranking.variants.enrich`, off by default: no measured gain)."""
    soft = soft_constraints(state.constraints, relaxed)
    seen = {m.entity for m in state.mentions if m.kind == "item"} | set(state.recommended)
    seen |= same_title_items(catalog, {m.entity for m in state.mentions if m.kind == "item" and m.speaker is Speaker.USER})
    allow = mask.copy()
    allow[[catalog.row(i) for i in seen if i in catalog]] = False
    rstate = ranking_state(engine, state)
    if review_query:
        rstate = enrich(rstate, catalog, reviews)
    rows, scores = retrieve_and_score(ranker, retriever_for(ranker, catalog, engine), rstate, allow)
    if len(rows) == 0:
        return Shortlist()
    # items meeting more includes first, a wanted person's films before them
    scores += soft_boost(engine, soft, rows, [PERSON_WEIGHT if person_wish(c) else SOFT_WEIGHT for c in soft])
    kept = tuple(c for c in relaxed if c.op != "exclude")  # the few exact matches of a relaxed wish come first
    if kept:
        scores += np.float32(RELAXED_WEIGHT) * soft_boost(engine, kept, rows)
    n = min(k * 4, len(rows))
    top = np.argpartition(-scores, n - 1)[:n] if n < len(rows) else np.arange(len(rows))
    top = top[np.argsort(-scores[top], kind="stable")]
    ids = [catalog.items[int(rows[i])].id for i in top]
    opinion = opinion_of(state, " ".join(state.preferences[-1:]))
    evidence = np.asarray(reviews.evidence(ids, opinion), dtype=np.float32)
    fused = scores[top] + REVIEW_WEIGHT * evidence
    titles = [catalog.item(i).title for i in ids]
    order = diverse(np.argsort(-fused, kind="stable"), titles, k, blocked_series(catalog, state),
                    asked_series(" ".join(state.preferences[-1:]), titles))
    shown, rest = fused[order[:k]], fused[order[k:]]
    margin = float((shown.mean() - rest.mean()) / (float(scores.std()) + 1e-6)) if rest.size else 0.0
    return Shortlist(tuple(ids[i] for i in order[:k]), margin, float(evidence[order[:k]].mean()))


def ranking_state(engine: SearchEngine, state: DialogueState) -> DialogueState:
    """The state the ranker scores: constraints removed (already in the mask) and preference
    phrases (cut to `MAX_PREF_CHARS`) kept only if at least half of their words (3+ letters) are
    in the catalog's vocabulary: gibberish has nothing to retrieve and would cost an encoding."""
    vocab = engine.lexical.words
    return replace(state, constraints=(), preferences=tuple(
        p[:MAX_PREF_CHARS] for p in state.preferences if meaningful(p[:MAX_PREF_CHARS], vocab)))


_SEQUEL = re.compile(r"(\s*(?:\d+(?:-d)?|[ivx]+|part\s+\w+|chapter\s+\w+|episode\s+\w+))+$")


def series(title: str) -> str:
    """The series a title belongs to: the part before a colon, a dash or "and the", less a trailing
    number ("Jaws 2", "Jaws 3-D" → "jaws"; "Star Wars: Episode V - ..." → "star wars"; "Harry Potter
    and the Chamber of Secrets" → "harry potter")."""
    t = re.split(r":|\s-\s|\s+and the\s+", title.lower().replace("&", "and"), maxsplit=1)[0]
    t = re.sub(r"\s*\(.*?\)", "", t).strip()
    return _SEQUEL.sub("", t).strip() or t


_FILLER = frozenset(("the", "a", "an", "and", "of", "to", "in", "on"))


def same_series(a: str, b: str) -> bool:
    """Whether two `series` keys name one series: equal, or starting with the same two or more content
    words, the last of them whole in one of the keys ("dumb and dumber" / "dumb and dumber to" / "dumb
    and dumberer", "the dark knight" / "the dark knight rises"), or one key is a single word of four
    letters or more that starts the other ("batman" / "batman returns"; "the dark tower", "up in the air"
    are other films)."""
    if a == b:
        return True
    short, other = sorted((a, b), key=len)
    if " " not in short and len(short) >= 4 and other.startswith(short + " "):
        return True  # "batman" / "batman returns", "rocky" / "rocky balboa" ("up" / "up in the air" stay apart)
    p = os.path.commonprefix([a, b])
    words = p.split()
    if words and p[-1].isalnum() and not any(len(k) == len(p) or not k[len(p)].isalnum() for k in (a, b)):
        words = words[:-1]  # the shared part ends inside a word in both keys
    return len([w for w in words if w not in _FILLER]) >= 2


def blocked_series(catalog: Catalog, state: DialogueState) -> frozenset[str]:
    """Series of films already shown that the user did not take, and of films they disliked: more of
    the same series is not what they asked for (a series the user named or liked stays open)."""
    liked = {m.entity for m in state.mentions if m.kind == "item" and m.speaker is Speaker.USER and m.polarity > 0}
    liked |= set(state.accepted)
    out = {series(catalog.item(i).title) for i in (*state.recommended, *state.rejected) if i in catalog and i not in liked}
    out |= {series(catalog.item(m.entity).title) for m in state.mentions
            if m.kind == "item" and m.polarity < 0 and m.entity in catalog}
    return frozenset(out - {series(catalog.item(i).title) for i in liked if i in catalog})


_SERIES_WISH = re.compile(r"\b([a-z0-9][a-z0-9':&. -]{1,60}?)\s+(?:movies|films|series|franchise|saga|trilogy|flicks)\b")
"""A wish for a series by name ("any harry potter films?", "I want batman movies")."""


def asked_series(text: str, titles: Sequence[str]) -> frozenset[str]:
    """Series keys among `titles` that `text` asks for by name: the last one to four words before
    "movies" / "films" / "series" ... equal to a key, or to the first word of a key ("batman"
    → "batman returns")."""
    keys = {series(t) for t in titles}
    out: set[str] = set()
    for m in _SERIES_WISH.finditer(text.lower().replace("&", "and")):
        words = m.group(1).split()
        for n in range(1, min(4, len(words)) + 1):
            name = " ".join(words[-n:])
            out |= {key for key in keys if key == name or (len(name) >= 4 and key.startswith(name + " "))}
    return frozenset(out)


def diverse(order: np.ndarray, titles: Sequence[str], k: int, blocked: frozenset[str] = frozenset(),
            wanted: frozenset[str] = frozenset()) -> np.ndarray:
    """`order` with its first k entries from k different series (`same_series`), none of them `blocked`
    (Jaws 2 and Jaws 3-D after Jaws, or three Star Wars films in one list, say nothing new); the
    skipped entries follow, so a list short of other films still fills up. A blocked series is
    matched exactly: the looser `same_series` there cost profile SR (a passed-over "The Dark Knight"
    blocked "The Dark Knight Rises"). Series the user asks for by name (`wanted`, `asked_series`) may
    fill the list ("any harry potter films?")."""
    first: list[int] = []
    later: list[int] = []
    chosen: list[str] = []
    for i in order:
        if len(first) < k:
            key = series(titles[int(i)])
            if key in wanted or (key not in blocked and not any(same_series(key, t) for t in chosen)):
                first.append(int(i))
                chosen.append(key)
                continue
        later.append(int(i))
    return np.asarray(first + later, dtype=np.int64)
