"""Learned fusion: logistic regression over the ranker's signal z-scores on retrieved candidates.

For every evaluated turn of a tuning file, the live path's candidate rows (`crs.ranking.retrieve`)
are the examples, the turn's new ground-truth films the positives; the features are the ranker's
z-normalised signals at those rows (an absent signal is 0, the catalog mean). The fitted
coefficients become `FusionWeights`, scaled so that their absolute sum equals that of the
hand-tuned weights (the unit in which the chat's soft-constraint boosts are set). The weights are
shipped in `data/models/fusion.json`, written by `crs train retriever`; `build_ranker` loads them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crs.ranking.fusion import FusionRanker, FusionWeights
from crs.ranking.redial_eval import Turn
from crs.ranking.retrieve import candidate_rows
from crs.retrieval.dialogue import SHIPPED_DIR, DialogueRetriever, QueryProjection
from crs.types import Catalog, DialogueState

if TYPE_CHECKING:
    from crs.catalog.dialogues import Dialogue
    from crs.retrieval.engine import SearchEngine

FUSION_NAME = "fusion.json"
FEATURES = ("collab", "content_items", "popularity", "history", "lookalike", "retriever", "lexical")
"""Signals the regression weighs. `content_query` (the preference phrases alone, a second MiniLM
encoding per turn) is left out: the dialogue query holds those phrases, and on dev half B the fusion
without it was level (see docs/EVALUATION.md)."""
ALL_ON = FusionWeights(**{f.name: 1.0 for f in fields(FusionWeights)})
"""Weights that make the ranker compute every signal (feature extraction)."""


def shipped_weights(directory: Path = SHIPPED_DIR) -> FusionWeights | None:
    """The learned weights shipped in data/models (None when absent or unreadable)."""
    path = directory / FUSION_NAME
    try:
        raw = json.loads(path.read_text())["weights"]
        return FusionWeights(**{k: float(v) for k, v in raw.items()})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def seen_mask(catalog: Catalog, turn: Turn) -> np.ndarray:
    """Allowed rows of an evaluated turn: every row except the films mentioned before it."""
    allow = np.ones(len(catalog), dtype=bool)
    allow[[catalog.row(i) for i in turn.context_items]] = False
    return allow


def features(ranker: FusionRanker, retriever: DialogueRetriever, turns: Sequence[Turn],
             states: Sequence[DialogueState], catalog: Catalog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, group): one row per (turn, candidate), the signal z-scores of `FEATURES`."""
    Xs, ys, gs = [], [], []
    for g, (t, s) in enumerate(zip(turns, states)):
        rows = candidate_rows(ranker, retriever, s, seen_mask(catalog, t))
        sig = ranker.signals(s)
        X = np.zeros((len(rows), len(FEATURES)), dtype=np.float32)
        for j, name in enumerate(FEATURES):
            if name in sig:
                X[:, j] = sig[name][rows]
        truth = {catalog.row(i) for i in t.truth if i not in t.context_items}
        Xs.append(X)
        ys.append(np.isin(rows, list(truth)))
        gs.append(np.full(len(rows), g))
    return np.concatenate(Xs), np.concatenate(ys), np.concatenate(gs)


def fit_weights(X: np.ndarray, y: np.ndarray, C: float = 1.0, seed: int = 0) -> tuple[FusionWeights, dict[str, Any]]:
    """Logistic regression on the features; coefficients scaled to the hand weights' absolute sum."""
    from sklearn.linear_model import LogisticRegression

    if y.sum() == 0 or y.all():
        from crs.errors import CRSError

        raise CRSError("the tuning turns have no positive (or no negative) candidates: nothing to fit")
    lr = LogisticRegression(C=C, max_iter=2000, random_state=seed).fit(X, y)
    coef = lr.coef_.ravel()
    hand = FusionWeights()
    scale = sum(abs(hand.get(n)) for n in FEATURES) / max(1e-9, float(np.abs(coef).sum()))
    w = FusionWeights(**{**{f.name: 0.0 for f in fields(FusionWeights)},
                         **{n: round(float(c) * scale, 4) for n, c in zip(FEATURES, coef)}})
    report = {"C": C, "examples": len(y), "positives": int(y.sum()),
              "coefficients": {n: round(float(c), 4) for n, c in zip(FEATURES, coef)},
              "intercept": round(float(lr.intercept_[0]), 4), "scale": round(scale, 4)}
    return w, report


def fit_listwise(X: np.ndarray, y: np.ndarray, group: np.ndarray, l2: float = 1e-2) -> tuple[FusionWeights, dict[str, Any]]:
    """A small learning-to-rank model: per turn, a softmax over its candidates' linear scores
    (ListNet-style conditional logit), maximising the probability of the turn's positives, L2 on the
    weights; L-BFGS. Weights scaled like `fit_weights`."""
    from scipy.optimize import minimize

    keep = np.isin(group, np.unique(group[y]))  # turns without a retrieved positive carry no signal
    Xk, yk, gk = X[keep].astype(np.float64), y[keep], group[keep]
    _, gi = np.unique(gk, return_inverse=True)
    n_groups = int(gi.max()) + 1 if len(gi) else 0
    if n_groups == 0:
        from crs.errors import CRSError

        raise CRSError("no tuning turn has a positive among its candidates: nothing to fit")

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = Xk @ w
        mx = np.full(n_groups, -np.inf)
        np.maximum.at(mx, gi, s)
        e = np.exp(s - mx[gi])
        z = np.bincount(gi, weights=e, minlength=n_groups)
        p = e / z[gi]
        lse = np.log(z) + mx
        n_pos = yk.sum()
        val = float((lse[gi[yk]] - s[yk]).sum() / n_pos + l2 * (w @ w))
        pos_per_group = np.bincount(gi[yk], minlength=n_groups)
        grad = (Xk * (p * pos_per_group[gi])[:, None]).sum(0) - Xk[yk].sum(0)
        return val, grad / n_pos + 2 * l2 * w

    res = minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B")
    coef = res.x
    hand = FusionWeights()
    scale = sum(abs(hand.get(n)) for n in FEATURES) / max(1e-9, float(np.abs(coef).sum()))
    w = FusionWeights(**{**{f.name: 0.0 for f in fields(FusionWeights)},
                         **{n: round(float(c) * scale, 4) for n, c in zip(FEATURES, coef)}})
    return w, {"model": "listwise softmax", "l2": l2, "turns_with_positive": n_groups, "positives": int(yk.sum()),
               "coefficients": {n: round(float(c), 4) for n, c in zip(FEATURES, coef)}, "scale": round(scale, 4),
               "loss": round(float(res.fun), 4)}


def write_weights(weights: FusionWeights, manifest: dict[str, Any], directory: Path = SHIPPED_DIR) -> Path:
    path = directory / FUSION_NAME
    path.write_text(json.dumps({"weights": asdict(weights), **manifest}, indent=1, sort_keys=True) + "\n")
    return path


def fit_fusion(catalog: Catalog, tuning: Sequence[Dialogue], exclude: set[str], engine: SearchEngine,
               projection: QueryProjection | None, cache: Path | None = None, C: float = 0.01,
               ) -> tuple[FusionWeights, dict[str, Any]]:
    """Fit the fusion weights on the new-item turns of the `tuning` dialogues (ReDial catalog: the
    collaborative matrix and the history are rebuilt without every dialogue of `exclude`)."""
    from crs.ranking import InMemoryHistory, build_ranker
    from crs.ranking.redial_eval import context_state, extract_turns, training_matrix

    X, train = training_matrix(catalog, exclude)
    ranker = build_ranker(catalog, cache, engine, history=InMemoryHistory.from_dialogues(train), weights=ALL_ON,
                          interactions=X, projection=projection or False)
    assert ranker.retriever is not None  # built with the engine
    retriever = ranker.retriever
    turns = [t for t in extract_turns(tuning, catalog) if set(t.truth) - set(t.context_items)]
    states = [context_state(t, catalog) for t in turns]
    if ranker.content is not None:
        ranker.content.prime([s.preferences for s in states])
    engine.prime_queries(retriever.query(s) for s in states)
    Xf, y, _ = features(ranker, retriever, turns, states, catalog)
    weights, report = fit_weights(Xf, y, C)
    report.update(turns=len(turns), tuning_dialogues=len(tuning), training_dialogues=len(train))
    return weights, report
