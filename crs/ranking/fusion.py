"""FusionRanker: collaborative + content + history signals under hard constraints.

Every signal is a score over all catalog rows, z-normalised over the catalog, and the fused score is
a weighted sum (weights in `FusionWeights`, tuned on a ReDial dev split: see docs/retrieval-and-ranking.md).
A signal that has nothing to say for this state (no liked items, no preference text, no history,
no dialogue retriever) is simply absent, so its weight does not matter.

`recommend` applies the hard constraints of the state (and an allow-mask or candidate rows),
removes items already mentioned / recommended / rejected, returns the top-k with per-item
explanations, and when nothing is left says which constraint to relax.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from crs.ranking.constraints import Relaxation, allowed_mask, suggest_relaxation
from crs.ranking.content import ContentScorer
from crs.ranking.history import HistorySource, build_profile
from crs.types import Catalog, DialogueState, Speaker

if TYPE_CHECKING:
    from crs.ranking.ease import CollaborativeSignal
    from crs.retrieval.dialogue import DialogueRetriever

SUBSET_MIN = 50_000
"""Catalog size from which `FusionRanker.score` computes signals over the scored rows only."""
SIGNALS = ("collab", "content_query", "content_items", "popularity", "history", "lookalike", "retriever",
           "lexical")


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the z-normalised signals (tuned on the ReDial dev split; see docs/retrieval-and-ranking.md)."""

    collab: float = 0.25
    """EASE scores from the dialogue's liked/disliked items."""
    content_query: float = 0.6
    """Cosine of the preference phrases with item vectors."""
    content_items: float = 0.8
    """Cosine of the liked-items centroid with item vectors."""
    popularity: float = 0.5
    """Log interaction count: the prior that carries cold turns."""
    history: float = 0.06
    """EASE scores from the user's past sessions (profile)."""
    lookalike: float = 0.0
    """Liked items of look-alike users, weighted by overlap (tuned to 0 on ReDial: see docs/retrieval-and-ranking.md)."""
    retriever: float = 0.0
    """Cosine of the (projected) dialogue query with item vectors (`crs.retrieval.dialogue`)."""
    lexical: float = 0.0
    """BM25 of the dialogue query over item text."""

    def get(self, name: str) -> float:
        return float(getattr(self, name))

    def replace(self, **kw: float) -> FusionWeights:
        return FusionWeights(**{**asdict(self), **kw})


@dataclass(frozen=True)
class Explanation:
    signal: str
    contribution: float
    detail: str = ""


@dataclass(frozen=True)
class Recommendation:
    """The top-k catalog rows with their fused scores, best first (like `crs.types.Results`, with
    the rows as a list), plus why each item is there, or why nothing is."""

    ids: list[int]
    scores: np.ndarray
    explanations: tuple[tuple[Explanation, ...], ...] = ()
    relaxation: Relaxation | None = None
    message: str = ""
    candidates: int = 0

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class StateItems:
    liked: tuple[int, ...] = ()
    disliked: tuple[int, ...] = ()
    ordered: tuple[str, ...] = ()
    seen: tuple[int, ...] = field(default=())


def state_items(catalog: Catalog, state: DialogueState, neutral_as_liked: bool = True) -> StateItems:
    """Liked / disliked rows from the state's item mentions (ordered), accepted and rejected lists.

    `neutral_as_liked`: a film the user mentioned without a clear polarity counts as liked; a film
    the system only showed (a neutral `Speaker.SYSTEM` mention) never does."""
    liked: dict[int, None] = {}
    disliked: dict[int, None] = {}
    ordered: list[str] = []
    for m in state.mentions:
        if m.kind != "item" or m.entity not in catalog:
            continue
        r = catalog.row(m.entity)
        ordered.append(m.entity)
        if m.polarity > 0 or (m.polarity == 0 and neutral_as_liked and m.speaker is not Speaker.SYSTEM):
            liked[r] = None
            disliked.pop(r, None)
        elif m.polarity < 0:
            disliked[r] = None
            liked.pop(r, None)
    for i in state.accepted:
        if i in catalog:
            liked[catalog.row(i)] = None
    for i in state.rejected:
        if i in catalog:
            disliked[catalog.row(i)] = None
            liked.pop(catalog.row(i), None)
    seen = {*liked, *disliked, *(catalog.row(i) for i in state.recommended if i in catalog)}
    return StateItems(tuple(liked), tuple(disliked), tuple(ordered), tuple(sorted(seen)))


def zscore(x: np.ndarray) -> np.ndarray:
    """(x − mean) / std over the catalog (zeros for a constant signal): every signal's scale."""
    x = np.asarray(x, dtype=np.float32)
    sd = float(x.std())
    return (x - float(x.mean())) / sd if sd > 0 else np.zeros_like(x)


class FusionRanker:
    """Implements `crs.protocols.Ranker` (score) plus `recommend` for the agent and the UI."""

    def __init__(self, catalog: Catalog, collab: CollaborativeSignal, content: ContentScorer | None,
                 popularity: np.ndarray, weights: FusionWeights | None = None, history: HistorySource | None = None,
                 lookalike_k: int = 20,
                 retriever: DialogueRetriever | None = None) -> None:
        self.catalog = catalog
        self.collab = collab
        self.content = content
        self.weights = weights or FusionWeights()
        self.history = history
        self.lookalike_k = lookalike_k
        self.retriever = retriever
        self._pop = zscore(popularity)

    # --- signals -----------------------------------------------------------------------------
    def signals(self, state: DialogueState) -> dict[str, np.ndarray]:
        """z-normalised signals over all catalog rows; absent signals are left out."""
        si = state_items(self.catalog, state)
        out: dict[str, np.ndarray] = {"popularity": self._pop}
        if si.liked or si.disliked:
            out["collab"] = zscore(self.collab.score_from_items(si.liked, si.disliked))
            if self.content is not None and (c := self.content.item_scores(si.liked, si.disliked)) is not None:
                out["content_items"] = zscore(c)
        if (self.content is not None and self.weights.content_query
                and (q := self.content.query_scores(state.preferences)) is not None):
            out["content_query"] = zscore(q)
        out.update(self._history_signals(state, si))
        out.update(self._retrieval_signals(state))
        return {k: v for k, v in out.items() if v.any()}

    def _retrieval_signals(self, state: DialogueState, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """`retriever` (cosine with the projected dialogue query) and `lexical` (BM25 of the dialogue
        query), z-normalised over the catalog; over `rows` only when given (catalog statistics for
        the cosine from a fixed sample, `ContentScorer.stats`)."""
        r = self.retriever
        if r is None or not (self.weights.retriever or self.weights.lexical):
            return {}
        text = r.query(state)
        vec = r.vector(text)
        if vec is None:
            return {}
        out: dict[str, np.ndarray] = {}
        if self.weights.lexical:
            terms = r.lexical_query(state)
            if rows is None:
                out["lexical"] = zscore(r.engine.lexical.get_scores(terms))
            else:  # the rows' scores, z-normalised over the catalog without a catalog-sized vector
                vals, mean, sd = r.engine.lexical.scores_at(terms, rows)
                out["lexical"] = ((vals - mean) / sd).astype(np.float32) if sd > 0 else np.zeros(len(rows), np.float32)
        if self.weights.retriever:
            if rows is None:
                out["retriever"] = zscore(r.engine.vectors @ vec)
            else:
                mean, sd = self.content.stats(vec) if self.content is not None else (0.0, 1.0)
                cos = r.engine.vectors[rows] @ vec
                out["retriever"] = (cos - mean) / sd if sd > 0 else np.zeros(len(rows), np.float32)
        return out

    def _history_signals(self, state: DialogueState, si: StateItems) -> dict[str, np.ndarray]:
        if self.history is None or not state.user_id:
            return {}
        out: dict[str, np.ndarray] = {}
        cat = self.catalog
        profile = build_profile(state.user_id, self.history.sessions(state.user_id))
        p_liked = [cat.row(i) for i in profile.liked if i in cat]
        p_disliked = [cat.row(i) for i in profile.disliked if i in cat]
        if p_liked or p_disliked:
            out["history"] = zscore(self.collab.score_from_items(p_liked, p_disliked))
        if not self.weights.lookalike:  # weight 0 (the tuned default): the signal cannot change a score
            return out
        mine = {cat.items[r].id for r in si.liked} | set(profile.liked)
        look = self.history.lookalikes(mine, k=self.lookalike_k, exclude_user=state.user_id)
        if look:
            s = np.zeros(len(cat), dtype=np.float32)
            for _u, sim, items in look:
                rows = [cat.row(i) for i in items if i in cat and i not in mine]
                s[rows] += sim
            out["lookalike"] = zscore(s)
        return out

    def combine(self, signals: Mapping[str, np.ndarray], weights: FusionWeights | None = None) -> np.ndarray:
        w = weights or self.weights
        total = np.zeros(len(self.catalog), dtype=np.float32)
        for name, s in signals.items():
            total += w.get(name) * s
        return total

    # --- Ranker protocol ---------------------------------------------------------------------
    def score(self, state: DialogueState, rows: np.ndarray) -> np.ndarray:
        """Fused scores of `rows`. On catalogs of `SUBSET_MIN`+ items, when the rows are a small
        part of the catalog (retrieved candidates), the content signals are computed for those rows only and
        z-normalised with catalog statistics (`ContentScorer.stats`); otherwise over the catalog."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(self.catalog) >= SUBSET_MIN and len(rows) * 4 <= len(self.catalog):
            return self._score_rows(state, rows)
        return self.combine(self.signals(state))[rows]

    def _score_rows(self, state: DialogueState, rows: np.ndarray) -> np.ndarray:
        si = state_items(self.catalog, state)
        sig: dict[str, np.ndarray] = {"popularity": self._pop[rows]}
        if (si.liked or si.disliked) and not self.collab.absent:
            sig["collab"] = zscore(self.collab.score_from_items(si.liked, si.disliked))[rows]
        if self.content is not None:
            qs = [(name, q) for name, q in (("content_items", self.content.item_vector(si.liked, si.disliked)),
                                            ("content_query", self.content.query_vector(state.preferences)
                                                             if self.weights.content_query else None))
                  if q is not None]
            if qs:
                cos = self.content.vectors[rows] @ np.stack([q for _, q in qs], axis=1)  # one gather
                for j, (name, q) in enumerate(qs):
                    mean, sd = self.content.stats(q)
                    sig[name] = (cos[:, j] - mean) / sd if sd > 0 else np.zeros(len(rows), np.float32)
        if not self.collab.absent:
            sig.update({k: v[rows] for k, v in self._history_signals(state, si).items()})
        sig.update(self._retrieval_signals(state, rows))
        total = np.zeros(len(rows), dtype=np.float32)
        for name, v in sig.items():
            total += self.weights.get(name) * v.astype(np.float32)
        return total

    def recommend(self, state: DialogueState, allow: np.ndarray | Sequence[int] | None = None, k: int = 10,
                  exclude_seen: bool = True, explain: bool = True) -> Recommendation:
        """Top-k catalog rows under the state's hard constraints (and `allow`), with explanations."""
        mask = allowed_mask(self.catalog, state.constraints, None if allow is None else np.asarray(allow))
        if not mask.any():
            relax = suggest_relaxation(self.catalog, state.constraints,
                                       None if allow is None else np.asarray(allow))
            return Recommendation([], np.zeros(0, np.float32), relaxation=relax, message=relax.message)
        si = state_items(self.catalog, state)
        if exclude_seen and si.seen:
            mask[list(si.seen)] = False
        n = int(mask.sum())
        if n == 0:
            return Recommendation([], np.zeros(0, np.float32), message="Every matching item was already discussed.")
        sig = self.signals(state)
        total = self.combine(sig)
        cand = np.flatnonzero(mask)
        k = min(k, n)
        top = cand[np.argpartition(-total[cand], k - 1)[:k]] if k < n else cand
        top = top[np.argsort(-total[top], kind="stable")]
        expl = tuple(self._explain(int(r), sig, si) for r in top) if explain else ()
        return Recommendation([int(r) for r in top], total[top], explanations=expl, candidates=n)

    def _explain(self, row: int, sig: Mapping[str, np.ndarray], si: StateItems) -> tuple[Explanation, ...]:
        parts = []
        for name, s in sig.items():
            c = self.weights.get(name) * float(s[row])
            if c <= 0:
                continue
            detail = ""
            if name == "collab":
                because = self.collab.contributions(si.liked, row)[:2]
                detail = ", ".join(self.catalog.items[r].display for r, _ in because)
            parts.append(Explanation(name, c, detail))
        return tuple(sorted(parts, key=lambda e: -e.contribution))
