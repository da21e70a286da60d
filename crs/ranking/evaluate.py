"""`crs eval redial`: the fused ranker, two baselines, popularity/diversity and calibration, one report.

The collaborative matrix and the history are rebuilt from the training dialogue files *minus every
dialogue in the evaluated file* (so a dev split of the train files is evaluated honestly, and the
official test file, which shares no dialogue with them, is evaluated unchanged).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from crs.ranking.diversity import (
    calibrate,
    calibration_error,
    coverage,
    gini,
    percentile_ranks,
    popularity_percentile,
)
from crs.ranking.fusion import SIGNALS, FusionRanker, FusionWeights
from crs.ranking.redial_eval import (
    KS,
    MODES,
    RecallAccumulator,
    Turn,
    context_state,
    evaluate_turns,
    load_turns,
    popularity_ranker,
    repeat_context_ranker,
    training_matrix,
)
from crs.types import Catalog, DialogueState


@dataclass(frozen=True)
class RedialEvalConfig:
    """Options of one ReDial evaluation run (written into the report)."""

    collaborative: str = "ease"
    """Collaborative model: ease | knn | pop."""
    without: tuple[str, ...] = ()
    """Fusion signals switched off (ablations), e.g. ("history", "lookalike")."""
    history: bool = True
    """Use past sessions of the same seeker (other training dialogues) and look-alike seekers."""
    calibrate_lambda: float = 0.5
    """λ of the calibrated (genre-proportional) re-ranking of the top-10 list."""
    train_files: tuple[str, ...] | None = None
    """Training dialogue files (default: the ReDial train files of the catalog's data directory)."""
    hand_weights: bool = False
    """Use the hand-tuned `FusionWeights()` instead of the shipped learned fusion."""
    projection: bool = True
    """Project the dialogue query with the shipped trained projection (False: plain MiniLM)."""
    ablations: bool = False
    """Also report new-item recall with each signal's weight set to 0 (same candidates)."""
    variants: bool = False
    """Also report the context variants of `crs.ranking.variants` (recency weights, review-enriched
    query) against the live ranking, with paired bootstrap intervals."""


def _check_config(cfg: RedialEvalConfig) -> None:
    from crs.errors import CRSError

    bad = [s for s in cfg.without if s not in SIGNALS]
    if bad:
        raise CRSError(f"unknown signal(s) {', '.join(bad)} for --without; valid: {', '.join(SIGNALS)}")
    if cfg.collaborative not in ("ease", "knn", "pop"):
        raise CRSError(f"unknown collaborative model {cfg.collaborative!r}; valid: ease, knn, pop")


def evaluate_redial(catalog: Catalog, dialogues: str | Path, config: RedialEvalConfig | None = None,
                    cache: str | Path | None = None,
                    log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Evaluate the fused ranker on a ReDial-format file; returns the JSON report (see module doc)."""
    from crs.ranking import InMemoryHistory, build_ranker, row_weights
    from crs.ranking.ease import Popularity
    from crs.ranking.learned import shipped_weights
    from crs.retrieval import build_engine

    cfg = config or RedialEvalConfig()
    _check_config(cfg)
    say = log or (lambda _m: None)
    turns, stats, evaluated = load_turns(dialogues, catalog)
    if catalog.name == "redial":
        X, train = training_matrix(catalog, {d.conversation_id for d in evaluated}, cfg.train_files)
    else:
        X, train = catalog.interactions, []
    history = InMemoryHistory.from_dialogues(train) if cfg.history and train else None
    base = FusionWeights() if cfg.hand_weights else (shipped_weights() or FusionWeights())
    weights = base.replace(**dict.fromkeys(cfg.without, 0.0))
    say(f"{len(turns)} turns from {stats.dialogues} dialogues; fitting {cfg.collaborative} on {len(train)} training dialogues")
    content = not {"content_query", "content_items"} <= set(cfg.without)
    engine = build_engine(catalog, cache, progress=False)
    ranker = build_ranker(catalog, cache, engine, history=history, weights=weights,
                          collaborative=cfg.collaborative, interactions=X, content=content,
                          projection=cfg.projection)
    pop_counts = (Popularity().fit(X, row_weights(catalog, X)).counts if X is not None and X.nnz
                  else catalog.popularity())
    states = [context_state(t, catalog, with_user=cfg.history) for t in turns]
    if ranker.content is not None:
        say(f"encoding {ranker.content.prime([s.preferences for s in states])} preference queries")
    assert ranker.retriever is not None  # built with the engine
    say(f"encoding {engine.prime_queries(ranker.retriever.query(s) for s in states)} dialogue queries")
    acc, cal_acc, lists, cal_lists, err, cal_err, cand = _rank_turns(ranker, turns, states, catalog,
                                                                      cfg.calibrate_lambda)
    pop_rank = popularity_ranker(pop_counts)
    baselines = {"popularity": evaluate_turns(turns, catalog, pop_rank).report("all"),
                 "repeat_context": evaluate_turns(turns, catalog, repeat_context_ranker(catalog)).report("all")}
    pct = percentile_ranks(pop_counts)
    report: dict[str, Any] = {m: acc.report(m) for m in MODES}
    report["baselines"] = baselines
    report["baselines_by_mode"] = {
        name: {m: evaluate_turns(turns, catalog, r).report(m) for m in MODES}
        for name, r in (("popularity", pop_rank), ("repeat_context", repeat_context_ranker(catalog)))
    }
    report["diversity_at_10"] = {
        "fused": _diversity(lists, pct, len(catalog)),
        "calibrated": _diversity(cal_lists, pct, len(catalog)),
        "popularity": _diversity([list(np.argsort(-pop_counts, kind="stable")[:10])] * len(turns), pct, len(catalog)),
    }
    report["calibration"] = {
        "lambda": cfg.calibrate_lambda,
        "recall_at_10_new_item_turns": {"fused": acc.report("new_item_turns")["recall_at_10"],
                                        "calibrated": cal_acc.report("new_item_turns")["recall_at_10"]},
        "calibration_error_kl": {"fused": _mean(err), "calibrated": _mean(cal_err)},
    }
    report["candidates"] = cand
    if cfg.ablations:
        report["ablations_new_item_turns"] = _ablations(ranker, turns, states, catalog)
    if cfg.variants:
        report["variants_new_item_turns"] = _variants(ranker, turns, states, catalog, train, say)
    report["input"] = {"file": str(dialogues), "dialogues": stats.dialogues, "bad_lines": stats.bad_lines,
                       "empty_dialogues": stats.empty_dialogues, "unknown_movie_ids": stats.unknown_movie_ids,
                       "turns": stats.turns, "examples": stats.examples[:5], "training_dialogues": len(train)}
    report["config"] = {**asdict(cfg), "weights": asdict(weights), "collab_variant": ranker.collab.variant,
                        "projection": ranker.retriever.projection.key if ranker.retriever.projection else None}
    return report


class _Ranked(NamedTuple):
    acc: RecallAccumulator
    cal_acc: RecallAccumulator
    lists: list[list[int]]
    cal_lists: list[list[int]]
    err: list[float]
    cal_err: list[float]
    candidates: dict[str, float]


def _rank_turns(ranker: FusionRanker, turns: Sequence[Turn], states: Sequence[DialogueState], catalog: Catalog,
                lam: float) -> _Ranked:
    """Rank every turn through the live path (retrieve, then score the candidates: `retrieve_and_score`),
    plus its calibrated top-10; collect lists, KL errors and the candidates' recall of new films."""
    from crs.ranking.learned import seen_mask
    from crs.ranking.retrieve import retrieve_and_score

    assert ranker.retriever is not None
    acc, cal_acc = RecallAccumulator(), RecallAccumulator()
    sizes: list[int] = []
    found = targets = 0
    lists: list[list[int]] = []
    cal_lists: list[list[int]] = []
    err: list[float] = []
    cal_err: list[float] = []
    for t, s in zip(turns, states):
        rows, scores = retrieve_and_score(ranker, ranker.retriever, s, seen_mask(catalog, t))
        order = np.argsort(-scores, kind="stable")[:max(KS)]
        ids = [int(r) for r in rows[order]]
        acc.add(ids, t, catalog)
        new = {catalog.row(i) for i in t.truth if i not in t.context_items}
        sizes.append(len(rows))
        found += len(new & set(rows.tolist()))
        targets += len(new)
        ctx = [catalog.row(i) for i in t.context_items]
        cal = calibrate(catalog, ids, scores[order], ctx, 10, lam)
        chosen = set(cal)
        cal_acc.add(cal + [r for r in ids if r not in chosen], t, catalog)
        lists.append(ids[:10])
        cal_lists.append(cal)
        if ctx:
            err.append(calibration_error(catalog, ctx, ids[:10]))
            cal_err.append(calibration_error(catalog, ctx, cal))
    cand = {"mean_rows": round(float(np.mean(sizes)), 1) if sizes else 0.0,
            "recall_of_new_films": round(found / max(1, targets), 4)}
    return _Ranked(acc, cal_acc, lists, cal_lists, err, cal_err, cand)


def _ablations(ranker: FusionRanker, turns: Sequence[Turn], states: Sequence[DialogueState],
               catalog: Catalog) -> dict[str, dict[str, float | int]]:
    """New-item recall with all signals, and with each weighted signal set to 0, on the same candidates."""
    from crs.ranking.learned import seen_mask
    from crs.ranking.retrieve import candidate_rows

    assert ranker.retriever is not None
    w = ranker.weights
    names = [n for n in SIGNALS if w.get(n)]
    variants = {"all": w, **{f"without_{n}": w.replace(**{n: 0.0}) for n in names}}
    accs = {v: RecallAccumulator() for v in variants}
    for t, s in zip(turns, states):
        rows = candidate_rows(ranker, ranker.retriever, s, seen_mask(catalog, t))
        sig = {k: v[rows] for k, v in ranker.signals(s).items()}
        for v, wv in variants.items():
            total = sum((wv.get(k) * z for k, z in sig.items()), np.zeros(len(rows), np.float32))
            accs[v].add(rows[np.argsort(-total, kind="stable")[:max(KS)]].tolist(), t, catalog)
    return {v: a.report("new_item_turns") for v, a in accs.items()}


def _variants(ranker: FusionRanker, turns: Sequence[Turn], states: Sequence[DialogueState], catalog: Catalog,
              train: Sequence[Any], say: Callable[[str], None]) -> dict[str, Any]:
    """`crs.ranking.variants` with a text review store built from the training dialogues (never the
    evaluated ones) and the MovieLens tags."""
    from crs.ranking.variants import evaluate_variants
    from crs.reviews import ReviewStore, snippets_from_dialogues, snippets_from_movielens

    root = Path(catalog.meta.get("root", "."))
    texts = [s for s in snippets_from_movielens(root, catalog) + snippets_from_dialogues(train, catalog)
             if s.source != "ratings"]
    say(f"variants: review store of {len(texts)} text snippets from {len(train)} training dialogues")
    report = evaluate_variants(ranker, turns, states, catalog, ReviewStore(texts))
    report["review_snippets"] = len(texts)
    return report


def _mean(xs: Sequence[float]) -> float:
    return round(float(np.mean(xs)), 4) if xs else 0.0


def _diversity(lists: list[list[int]], pct: np.ndarray, n: int) -> dict[str, float]:
    return {"popularity_percentile": round(popularity_percentile(lists, pct), 2),
            "coverage": round(coverage(lists, n), 4), "gini": round(gini(lists, n), 4)}

