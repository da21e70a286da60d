"""Dense index: exact vs IVF on real MiniLM item vectors, filters inside the search, bad vectors."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from crs.embed import item_vectors
from crs.retrieval import InvalidQueryError, compile_constraints
from crs.retrieval.dense import DenseIndex, build_ivf
from crs.types import Constraint as C


@pytest.fixture(scope="module")
def real_vectors(redial_catalog):  # type: ignore[no-untyped-def]
    return item_vectors(redial_catalog, progress=False)


def _queries(vectors, n=40, seed=0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    q = vectors[rng.choice(len(vectors), n, replace=False)] + rng.normal(0, 0.03, (n, vectors.shape[1]))
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


def test_ivf_recall_on_real_vectors_with_and_without_filter(real_vectors, redial_catalog):  # type: ignore[no-untyped-def]
    ivf = DenseIndex(real_vectors, kind="ivf", nprobe=48, ivf=build_ivf(real_vectors, nlist=128))
    exact = DenseIndex(real_vectors, kind="exact")
    allow = compile_constraints(redial_catalog, [C("genres", "include", "comedy")])
    for mask in (None, allow):
        recalls = []
        for q in _queries(real_vectors):
            ref = set(exact.search(q, 50, mask).ids.tolist())
            got = ivf.search(q, 50, mask)
            if mask is not None:
                assert mask[got.ids].all()
            recalls.append(len(ref & set(got.ids.tolist())) / len(ref))
        assert np.mean(recalls) >= 0.9, (mask is None, np.mean(recalls))


def test_exact_filtered_is_full_and_sorted(real_vectors, redial_catalog):  # type: ignore[no-untyped-def]
    idx = DenseIndex(real_vectors)
    allow = compile_constraints(redial_catalog, [C("decade", "include", "1950s")])
    q = _queries(real_vectors, 1)[0]
    res = idx.search(q, 10_000, allow)
    assert len(res) == allow.sum()  # k beyond the allowed rows is clamped, never padded
    assert allow[res.ids].all() and np.all(np.diff(res.scores) <= 1e-6)
    np.testing.assert_allclose(res.scores, real_vectors[res.ids] @ q, atol=1e-5)


def test_ivf_falls_back_to_exact_when_filter_is_tiny(real_vectors):  # type: ignore[no-untyped-def]
    idx = DenseIndex(real_vectors, kind="ivf", nprobe=1, ivf=build_ivf(real_vectors, nlist=64))
    allow = np.zeros(len(real_vectors), bool)
    allow[[3, 500, 4000]] = True
    res = idx.search(_queries(real_vectors, 1)[0], 10, allow)
    assert sorted(res.ids.tolist()) == [3, 500, 4000]


def test_bad_vectors(real_vectors, caplog):  # type: ignore[no-untyped-def]
    v = real_vectors[:200].copy()
    v[7] = np.nan
    with caplog.at_level(logging.WARNING):
        idx = DenseIndex(v)
    assert "NaN" in caplog.text
    res = idx.search(v[8], 200)
    assert 7 not in res.ids[:199].tolist() or res.scores[res.ids.tolist().index(7)] == 0.0
    assert np.isfinite(res.scores).all()
    for bad in (np.full(384, np.nan, np.float32), np.zeros(384, np.float32), np.ones(10, np.float32)):
        with pytest.raises(InvalidQueryError):
            idx.search(bad, 5)


def test_ivf_save_load_and_stale(tmp_path, real_vectors, caplog):  # type: ignore[no-untyped-def]
    idx = DenseIndex(real_vectors, kind="ivf", ivf=build_ivf(real_vectors, nlist=64))
    path = tmp_path / "ivf.npz"
    idx.save(path, "fp")
    loaded = DenseIndex.load(path, "fp", real_vectors)
    q = _queries(real_vectors, 1)[0]
    assert loaded is not None and loaded.search(q, 10).ids.tolist() == idx.search(q, 10).ids.tolist()
    with caplog.at_level(logging.WARNING):
        assert DenseIndex.load(path, "fp", real_vectors[:100]) is None
    assert "rebuilding" in caplog.text
