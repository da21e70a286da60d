"""Context variants measured by `crs eval redial --variants`, each against the live ranking, paired.

Two ideas of the design are tested on the new-item turns of a ReDial file, every turn ranked three
ways on the live path (retrieve, then score the candidates):

- `recency`: the liked films of the dialogue weighted by recency (the newest 1, each older one
  `RECENCY_DECAY` times the next) in the collaborative and the liked-centroid content signals,
  instead of uniformly. The timeline position of a film is its latest mention.
- `review_enriched` (the RevCore idea): the dialogue's preference text gets one more phrase, the
  best-aligned text review of each of the last `ENRICH_FILMS` liked films (a positive stance; the
  review store is built from the training dialogues only, never the evaluated ones), so both the
  retrieval query and the content signal read other people's words about the films the user liked.

The difference in new-item Recall@10 and @50 to the live ranking comes with a paired bootstrap
interval over turns (`paired_recall`). A variant joins the live path only when the interval at
R@10 lies above 0 (docs/EVALUATION.md has the outcome).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from crs.protocols import Reviews
from crs.ranking.fusion import FusionRanker, state_items, zscore
from crs.ranking.redial_eval import Turn
from crs.reviews.store import Opinion, aligned_text
from crs.types import Catalog, DialogueState

VARIANTS = ("recency", "review_enriched")
RECENCY_DECAY = 0.8
ENRICH_FILMS = 2
ENRICH_CHARS = 300
N_BOOT = 2000


def recency_order(catalog: Catalog, state: DialogueState, liked: Sequence[int]) -> list[int]:
    """`liked` rows ordered oldest to newest by their latest mention in the state."""
    last: dict[int, int] = {}
    for n, m in enumerate(state.mentions):
        if m.kind == "item" and m.entity in catalog:
            last[catalog.row(m.entity)] = n
    return sorted(liked, key=lambda r: last.get(int(r), -1))


def recency_signals(ranker: FusionRanker, state: DialogueState, decay: float = RECENCY_DECAY) -> dict[str, np.ndarray]:
    """The ranker's signals with `collab` and `content_items` recomputed from recency-weighted liked films."""
    cat = ranker.catalog
    sig = ranker.signals(state)
    si = state_items(cat, state)
    if not si.liked:
        return sig
    rows = recency_order(cat, state, si.liked)
    w = decay ** np.arange(len(rows) - 1, -1, -1, dtype=np.float64)  # newest last → weight 1
    if "collab" in sig:
        collab = sum((float(wi) * ranker.collab.score_from_items([r]) for wi, r in zip(w, rows)),
                     np.zeros(len(cat), np.float32))
        if si.disliked:
            collab = collab + ranker.collab.score_from_items([], si.disliked)
        sig["collab"] = zscore(collab)
    if "content_items" in sig and ranker.content is not None:
        vecs = ranker.content.vectors
        q = (w[:, None] * vecs[rows]).sum(axis=0) / w.sum()
        if si.disliked:
            q = q - 0.5 * vecs[list(si.disliked)].mean(axis=0)
        n = float(np.linalg.norm(q))
        if n > 0:
            sig["content_items"] = zscore(vecs @ (q / n).astype(np.float32))
    return sig


def enrich(state: DialogueState, catalog: Catalog, reviews: Reviews, films: int = ENRICH_FILMS) -> DialogueState:
    """The state with the aligned review text of its last `films` liked films as one more preference."""
    si = state_items(catalog, state)
    recent = recency_order(catalog, state, si.liked)[-films:]
    text = aligned_text(reviews, [catalog.items[r].id for r in reversed(recent)], Opinion(1), k=1,
                        max_chars=ENRICH_CHARS)
    return replace(state, preferences=(*state.preferences, text)) if text else state


def new_item_hits(ranked: Sequence[int], turn: Turn, catalog: Catalog, ks: Sequence[int] = (10, 50)) -> tuple[list[int], int]:
    """(hits at each k, number of new targets) of one turn; (zeros, 0) when it has no new film."""
    ctx = set(turn.context_items)
    new = {catalog.row(i) for i in turn.truth if i not in ctx}
    return [len(new & {int(r) for r in ranked[:k]}) for k in ks], len(new)


def paired_recall(base: np.ndarray, variant: np.ndarray, targets: np.ndarray, n_boot: int = N_BOOT,
                  seed: int = 0) -> dict[str, float]:
    """Recall difference (variant − base, pooled over targets) with a 95% paired bootstrap interval over turns."""
    rng = np.random.default_rng(seed)
    n = len(targets)
    diff = float((variant.sum() - base.sum()) / max(1, targets.sum()))
    idx = rng.integers(0, n, size=(n_boot, n))
    t = targets[idx].sum(axis=1)
    boots = (variant[idx].sum(axis=1) - base[idx].sum(axis=1)) / np.maximum(1, t)
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return {"diff": round(diff, 4), "ci_low": round(float(lo), 4), "ci_high": round(float(hi), 4),
            "turns_better": int((variant > base).sum()), "turns_worse": int((variant < base).sum())}


def evaluate_variants(ranker: FusionRanker, turns: Sequence[Turn], states: Sequence[DialogueState], catalog: Catalog,
                      reviews: Reviews) -> dict[str, Any]:
    """New-item R@10/R@50 of the live ranking and of each variant, with paired differences."""
    from crs.ranking.learned import seen_mask
    from crs.ranking.retrieve import candidate_rows

    retriever = ranker.retriever
    assert retriever is not None
    ks = (10, 50)
    hits: dict[str, list[list[int]]] = {v: [] for v in ("live", *VARIANTS)}
    targets: list[int] = []
    enriched_turns = 0
    for t, s in zip(turns, states):
        allow = seen_mask(catalog, t)
        rows = candidate_rows(ranker, retriever, s, allow)
        if not len(rows):
            continue
        h, n = new_item_hits(_top(rows, np.asarray(ranker.score(s, rows))), t, catalog, ks)
        if n == 0:
            continue
        targets.append(n)
        hits["live"].append(h)
        rec = ranker.combine(recency_signals(ranker, s))[rows]
        hits["recency"].append(new_item_hits(_top(rows, rec), t, catalog, ks)[0])
        s2 = enrich(s, catalog, reviews)
        enriched_turns += int(s2 is not s)
        rows2 = candidate_rows(ranker, retriever, s2, allow) if s2 is not s else rows
        sc2 = np.asarray(ranker.score(s2, rows2)) if s2 is not s else np.asarray(ranker.score(s, rows))
        hits["review_enriched"].append(new_item_hits(_top(rows2, sc2), t, catalog, ks)[0])
    tg = np.asarray(targets, dtype=np.float64)
    out: dict[str, Any] = {"n_turns": len(targets), "n_targets": int(tg.sum()), "enriched_turns": enriched_turns,
                           "recency_decay": RECENCY_DECAY, "enrich_films": ENRICH_FILMS}
    for v, hs in hits.items():
        arr = np.asarray(hs, dtype=np.float64).reshape(-1, len(ks))
        out[v] = {f"recall_at_{k}": round(float(arr[:, j].sum() / max(1, tg.sum())), 4) for j, k in enumerate(ks)}
        if v != "live":
            base = np.asarray(hits["live"], dtype=np.float64).reshape(-1, len(ks))
            out[v]["vs_live"] = {f"recall_at_{k}": paired_recall(base[:, j], arr[:, j], tg) for j, k in enumerate(ks)}
    return out


def _top(rows: np.ndarray, scores: np.ndarray, k: int = 50) -> list[int]:
    return [int(r) for r in rows[np.argsort(-scores, kind="stable")[:k]]]
