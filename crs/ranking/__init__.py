"""Recommendation core: collaborative (EASE / item-kNN / popularity), content and history
signals fused under hard constraints. Entry point: `build_ranker(catalog, ...)`.

Nothing is loaded at import time; `build_ranker` fits (or loads from the cache) what it needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crs.ranking.fusion import SIGNALS, Explanation, FusionRanker, FusionWeights, Recommendation
from crs.ranking.history import HistorySource, InMemoryHistory, PastSession, Profile, build_profile
from crs.retrieval.dialogue import QueryProjection
from crs.types import Catalog

if TYPE_CHECKING:
    import scipy.sparse as sp

    from crs.ranking.ease import CollaborativeSignal, Interactions
    from crs.retrieval.engine import SearchEngine

# Tuned on the ReDial dev split (docs/retrieval-and-ranking.md): EASE λ, and the weight of a MovieLens user's row
# against a ReDial dialogue pseudo-user in XᵀX and in popularity counts.
TUNED_LAMBDA = 300.0
MOVIELENS_ROW_WEIGHT = 0.05


def row_weights(catalog: Catalog, X: Interactions) -> np.ndarray | None:
    """Down-weight MovieLens users when the matrix also holds dialogue pseudo-users (ReDial catalog).

    The MovieLens users are the first `catalog.meta["movielens_users"]` rows (ReDial loader and
    `redial_eval.training_matrix` both keep that layout); other catalogs get no weights."""
    n_ml = int(catalog.meta.get("movielens_users", 0) or 0)
    if n_ml <= 0 or X.shape[0] <= n_ml:
        return None
    w = np.ones(X.shape[0], dtype=np.float32)
    w[:n_ml] = MOVIELENS_ROW_WEIGHT
    return w


class NoCollaborative:
    """Stand-in for catalogs without interactions: the collaborative signal is absent."""

    absent = True
    variant = ""

    def __init__(self, n_items: int) -> None:
        self.n_items = n_items

    def score_from_items(self, liked_rows: Sequence[int], disliked_rows: Sequence[int] = ()) -> np.ndarray:
        return np.zeros(self.n_items, dtype=np.float32)

    def contributions(self, liked_rows: Sequence[int], target_row: int) -> list[tuple[int, float]]:
        return []


def build_ranker(catalog: Catalog, cache: str | Path | None = None, engine: SearchEngine | None = None,
                 history: HistorySource | None = None, *, weights: FusionWeights | None = None,
                 collaborative: str = "ease",
                 interactions: sp.csr_matrix | None = None, lam: float = TUNED_LAMBDA,
                 content: bool = True, projection: bool | QueryProjection = True) -> FusionRanker:
    """Build the fused ranker for a catalog.

    `interactions` overrides `catalog.interactions` (e.g. a matrix without the dialogues being
    evaluated); `collaborative` is "ease" | "knn" | "pop"; `engine` is the retrieval engine (its
    `vectors` / `encode_query` feed the content scorer); `history` gives past sessions and look-alikes;
    Fitted collaborative models are cached under `crs.config.cache_dir(cache)/ranking/`.
    With an `engine` the ranker carries the dialogue retriever (`crs.retrieval.dialogue`), with the
    shipped query projection (`projection` True), the one given, or none (False). `weights` default to the shipped learned
    fusion (`crs.ranking.learned.shipped_weights`), else the hand-tuned `FusionWeights()`.
    """
    from crs.ranking.content import ContentScorer
    from crs.ranking.ease import Popularity, fit_cached
    from crs.ranking.learned import shipped_weights
    from crs.retrieval.dialogue import DialogueRetriever, shipped_projection

    X = catalog.interactions if interactions is None else interactions
    if X is not None and X.nnz > 0:
        params: dict[str, Any] = {"lam": lam} if collaborative == "ease" else {}
        rw = row_weights(catalog, X)
        collab: CollaborativeSignal = fit_cached(X, collaborative, cache, row_weights=rw, **params)
        pop = np.log1p(Popularity().fit(X, rw).counts)
    else:
        collab = NoCollaborative(len(catalog))
        pop = catalog.popularity()
    scorer = ContentScorer.from_catalog(catalog, engine, cache) if content else None
    retriever = None
    if engine is not None:
        proj = (projection if isinstance(projection, QueryProjection)
                else shipped_projection(engine.vectors.shape[1]) if projection else None)
        retriever = DialogueRetriever(catalog, engine, proj)
    return FusionRanker(catalog, collab, scorer, pop, weights=weights or shipped_weights() or FusionWeights(),
                        history=history, retriever=retriever)


__all__ = [
    "SIGNALS", "Explanation", "FusionRanker", "FusionWeights", "HistorySource", "InMemoryHistory", "PastSession",
    "Profile", "Recommendation", "build_profile", "build_ranker",
]
