"""`crs train retriever` parts: the projection trainer, training pairs, the learned fusion."""

from __future__ import annotations

import numpy as np

from crs.ranking.fusion import FusionWeights
from crs.ranking.learned import FEATURES, fit_weights, shipped_weights
from crs.ranking.retriever_train import ProjectionConfig, fit, recall_at, training_pairs


def _rotated_pairs(n_items: int = 300, n: int = 2000, d: int = 32, seed: int = 0):  # type: ignore[no-untyped-def]
    """Queries are a fixed rotation of their target's vector plus noise: plain cosine retrieves
    poorly, a learned linear map can undo the rotation."""
    rng = np.random.default_rng(seed)
    items = rng.standard_normal((n_items, d)).astype(np.float32)
    items /= np.linalg.norm(items, axis=1, keepdims=True)
    R, _ = np.linalg.qr(rng.standard_normal((d, d)))
    targets = rng.integers(0, n_items, n)
    Q = items[targets] @ R.T.astype(np.float32) + 0.3 * rng.standard_normal((n, d)).astype(np.float32)
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    return items, Q.astype(np.float32), targets


def test_projection_learns_a_map_plain_cosine_misses() -> None:
    items, Q, T = _rotated_pairs()
    cfg = ProjectionConfig(epochs=40, batch_size=128, lr=1e-2, l2=0.0)
    W, b, losses = fit(Q[:1500], T[:1500], items, cfg)
    before = recall_at(Q[1500:], items, T[1500:])
    V = Q[1500:] @ W.T + b
    after = recall_at(V / np.linalg.norm(V, axis=1, keepdims=True), items, T[1500:])
    assert losses[-1] < losses[0]
    assert after["recall_at_10"] > before["recall_at_10"] + 0.3
    W2, b2, _ = fit(Q[:1500], T[:1500], items, cfg)
    assert np.array_equal(W, W2) and np.array_equal(b, b2)  # seeded


def test_training_pairs_come_from_suggested_new_films(redial_catalog, redial_split) -> None:  # type: ignore[no-untyped-def]
    train = redial_split[0][:40]
    pairs = training_pairs(redial_catalog, train)
    assert pairs and all(p.query for p in pairs)
    ids = {d.conversation_id for d in train}
    assert {p.conversation for p in pairs} <= ids
    d = next(d for d in train if d.conversation_id == pairs[0].conversation)
    target = redial_catalog.items[pairs[0].target].id
    assert d.seeker_labels.get(target, {}).get("liked") != 0  # never a film the seeker disliked
    assert any(target in m.movies for m in d.messages if m.role == "recommender")


def test_fusion_weights_follow_the_informative_signal() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4000, len(FEATURES))).astype(np.float32)
    j = FEATURES.index("retriever")
    y = X[:, j] + 0.5 * rng.standard_normal(4000) > 2.0
    w, report = fit_weights(X, y)
    assert max(FEATURES, key=lambda n: abs(w.get(n))) == "retriever"
    hand = FusionWeights()
    assert abs(sum(abs(w.get(n)) for n in FEATURES) - sum(abs(hand.get(n)) for n in FEATURES)) < 1e-2
    assert report["positives"] == int(y.sum())


def test_shipped_fusion_weights_load() -> None:
    w = shipped_weights()
    assert w is not None and w.retriever != 0.0


def test_listwise_fit_ranks_by_the_informative_signal() -> None:
    from crs.ranking.learned import fit_listwise

    rng = np.random.default_rng(1)
    n_turns, per = 200, 50
    X = rng.standard_normal((n_turns * per, len(FEATURES))).astype(np.float32)
    g = np.repeat(np.arange(n_turns), per)
    j = FEATURES.index("collab")
    y = np.zeros(len(X), dtype=bool)
    for t in range(n_turns):  # the positive of each turn is its best row by collab (plus noise)
        rows = np.flatnonzero(g == t)
        y[rows[np.argmax(X[rows, j] + 0.3 * rng.standard_normal(per))]] = True
    w, report = fit_listwise(X, y, g)
    assert max(FEATURES, key=lambda n: abs(w.get(n))) == "collab" and w.collab > 0
    assert report["turns_with_positive"] == n_turns
