"""Collaborative models: EASE against its closed form, the low-rank switch, kNN, popularity, caching."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from crs.ranking.ease import EASE, ItemKNN, Popularity, fit_cached, load_model


@pytest.fixture(scope="module")
def dialogue_matrix(redial_catalog):  # type: ignore[no-untyped-def]
    """The ReDial dialogue pseudo-users of the real catalog (MovieLens rows dropped: fast to fit)."""
    X = redial_catalog.interactions
    return X[redial_catalog.meta["movielens_users"]:]


def test_ease_matches_closed_form_and_zero_diagonal(dialogue_matrix) -> None:  # type: ignore[no-untyped-def]
    X = (dialogue_matrix[:300] > 0).astype(np.float64)
    active = np.flatnonzero(np.asarray(X.sum(axis=0)).ravel() > 0)
    Xa = X[:, active].toarray()
    lam = 50.0
    P = np.linalg.inv(Xa.T @ Xa + lam * np.eye(len(active)))
    B = -P / np.diag(P)
    np.fill_diagonal(B, 0.0)
    m = EASE(lam).fit(X)
    assert m.variant == "dense"
    liked = [int(active[0]), int(active[5])]
    expected = np.zeros(X.shape[1])
    expected[active] = B[0] + B[5]
    got = m.score_from_items(liked)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert got[liked[0]] == pytest.approx(B[5, 0], abs=1e-5)  # only the other liked item contributes


def test_low_rank_switch_agrees_with_dense(dialogue_matrix) -> None:  # type: ignore[no-untyped-def]
    X = dialogue_matrix[:400]
    dense = EASE(100.0).fit(X)
    n_active = len(dense.active)
    low = EASE(100.0, max_dense_items=10, rank=n_active).fit(X)  # forced switch, full rank → same model
    assert low.variant == "low-rank"
    liked = [int(dense.active[i]) for i in (0, 3, 7)]
    a, b = dense.score_from_items(liked), low.score_from_items(liked)
    assert np.corrcoef(a, b)[0, 1] > 0.99
    assert set(np.argsort(-a)[:10]) & set(np.argsort(-b)[:10])


def test_dislikes_lower_scores_and_unknown_rows_are_ignored(dialogue_matrix) -> None:  # type: ignore[no-untyped-def]
    m = EASE(300.0).fit(dialogue_matrix)
    liked = [int(m.active[0])]
    base = m.score_from_items(liked)
    target = int(np.argmax(base))
    with_dislike = m.score_from_items(liked, [target])
    assert with_dislike.sum() < base.sum()
    assert np.array_equal(m.score_from_items(liked + [10**9, -5]), base)
    assert not m.score_from_items([]).any()


def test_repeated_scores_are_kept_read_only_and_a_refit_forgets_them(dialogue_matrix) -> None:  # type: ignore[no-untyped-def]
    m = EASE(300.0).fit(dialogue_matrix[:300])
    liked = [int(m.active[0]), int(m.active[2])]
    first = m.score_from_items(liked)
    assert m.score_from_items(list(liked)) is first and not first.flags.writeable
    with pytest.raises(ValueError):
        first[0] = 1.0
    assert m.score_from_items(liked, [int(m.active[3])]) is not first  # other items, other scores
    m.fit(dialogue_matrix[300:600])
    again = m.score_from_items([r for r in liked if r in set(m.active.tolist())] or [int(m.active[0])])
    fresh = EASE(300.0).fit(dialogue_matrix[300:600])
    np.testing.assert_array_equal(again, fresh.score_from_items([r for r in liked if r in set(fresh.active.tolist())]
                                                               or [int(fresh.active[0])]))


def test_save_load_and_cache_roundtrip(dialogue_matrix, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for kind, params in (("ease", {"lam": 200.0}), ("knn", {"neighbors": 20}), ("pop", {})):
        m = fit_cached(dialogue_matrix, kind, tmp_path, **params)
        files = list((tmp_path / "ranking").glob(f"{kind}-*.npz"))
        assert len(files) == 1
        again = load_model(files[0])
        liked = [int(np.flatnonzero(np.diff(dialogue_matrix.tocsc().indptr))[1])]
        np.testing.assert_allclose(m.score_from_items(liked), again.score_from_items(liked), rtol=1e-6)
        assert type(fit_cached(dialogue_matrix, kind, tmp_path, **params)) is type(m)
        assert len(list((tmp_path / "ranking").glob(f"{kind}-*.npz"))) == 1  # reused, not refitted


def test_knn_and_popularity_baselines(dialogue_matrix) -> None:  # type: ignore[no-untyped-def]
    knn = ItemKNN(50).fit(dialogue_matrix)
    assert knn.S is not None and knn.S.diagonal().sum() == 0
    assert max(np.diff(knn.S.indptr)) <= 50
    pop = Popularity().fit(dialogue_matrix)
    counts = np.asarray((dialogue_matrix > 0).sum(axis=0)).ravel()
    assert np.argmax(pop.score_from_items()) == np.argmax(counts)
    w = np.zeros(dialogue_matrix.shape[0], np.float32)
    assert not Popularity().fit(dialogue_matrix, w).counts.any()


def test_ease_learns_real_co_mentions(dialogue_matrix, redial_catalog) -> None:  # type: ignore[no-untyped-def]
    """Items co-mentioned most often with a movie come out near the top of its EASE scores."""
    X = sp.csr_matrix(dialogue_matrix > 0, dtype=np.float32)
    pop = np.asarray(X.sum(axis=0)).ravel()
    seed = int(np.argmax(pop))
    co = np.asarray(X[X[:, seed].nonzero()[0]].sum(axis=0)).ravel()
    co[seed] = 0
    scores = EASE(300.0).fit(X).score_from_items([seed])
    top50 = set(np.argsort(-scores)[:50].tolist())
    assert len(top50 & set(np.argsort(-co)[:20].tolist())) >= 10
