"""BM25 on a sparse index against the rank-bm25 reference, on real ReDial item texts."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from crs.embed import item_text
from crs.retrieval.lexical import BM25Index
from crs.retrieval.text import tokenize

QUERIES = ["scary haunted house", "toy story pixar", "space alien invasion", "romantic comedy new york",
           "tom hanks war", "christmas family", "zombie apocalypse survival", "the the the",
           "batman joker gotham", "unknownwordxyz", "heist crime thriller bank robbery", "funny"]


@pytest.fixture(scope="module")
def corpus(redial_catalog):  # type: ignore[no-untyped-def]
    items = [it for it in redial_catalog.items if it.text][:3000]
    return [tokenize(item_text(it)) for it in items]


def test_scores_and_topk_match_rank_bm25(corpus):  # type: ignore[no-untyped-def]
    ours, ref = BM25Index.from_tokens(corpus), BM25Okapi(corpus)
    assert len(corpus) == 3000
    for q in QUERIES:
        toks = tokenize(q)
        expected = ref.get_scores(toks)
        got = ours.get_scores(toks)
        np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)
        res = ours.search(toks, k=10)
        positive = np.flatnonzero(expected > 0)
        order = positive[np.lexsort((positive, -expected[positive]))][:10]
        assert np.asarray(res.ids).tolist() == order.tolist(), q
        np.testing.assert_allclose(res.scores, expected[order], atol=1e-4)


def test_filter_is_exact_not_post_filtered(corpus):  # type: ignore[no-untyped-def]
    idx = BM25Index.from_tokens(corpus)
    full = idx.get_scores(["christmas"])
    allow = np.zeros(len(corpus), bool)
    allow[1::3] = True
    res = idx.search(["christmas"], k=5, allow=allow)
    allowed_hits = np.flatnonzero((full > 0) & allow)
    assert len(res) == min(5, len(allowed_hits)) > 0
    assert allow[np.asarray(res.ids)].all()
    assert res.scores[0] == pytest.approx(full[allow].max(), abs=1e-4)


def test_scores_of_rows_z_normalise_like_the_full_vector(corpus):  # type: ignore[no-untyped-def]
    """`scores_at` (the large-catalog ranking path) gives the rows' scores and the catalog's mean and
    std without a catalog-sized vector; repeated queries are served from the per-query memo."""
    idx = BM25Index.from_tokens(corpus)
    rows = np.array([0, 5, 17, 2999, 1234, 5])
    for q in QUERIES:
        full = idx.get_scores(q)
        vals, mean, sd = idx.scores_at(q, rows)
        np.testing.assert_allclose(vals, full[rows], atol=1e-9)
        assert mean == pytest.approx(full.mean(), abs=1e-9) and sd == pytest.approx(full.std(), abs=1e-7)
        again = idx.search(q, k=10)
        assert np.asarray(again.ids).tolist() == np.asarray(idx.search(q, k=10).ids).tolist()
    full = idx.get_scores("christmas")
    full[:] = 0.0  # a caller's copy: the memo is not changed through it
    assert idx.get_scores("christmas").any()


def test_common_terms_summed_once_give_the_same_top_k_and_statistics(corpus):  # type: ignore[no-untyped-def]
    """On a large corpus the terms of at least 1/16 of the documents are one cached dense part
    (`COMMON_MIN_DOCS`, lowered here to the 3,000 real item texts): the top k under a filter, the rows'
    scores and the catalog statistics stay those of the whole accumulation."""
    full_idx = BM25Index.from_tokens(corpus)
    idx = BM25Index.from_tokens(corpus)
    idx.common_min_docs = 0
    df = np.diff(idx.weights.indptr)
    common_words = [w for w, t in idx.term_id.items() if df[t] >= len(corpus) / 16]
    assert common_words  # the real texts have such words ("film", "genres", ...)
    rng = np.random.default_rng(0)
    masks = [None, rng.random(len(corpus)) < 0.5, rng.random(len(corpus)) < 0.002]
    rows = np.array([0, 5, 17, 2999, 1234])
    for q in QUERIES + [" ".join(common_words[:3]), f"{common_words[0]} christmas family"]:
        for allow in masks:
            want, got = full_idx.search(q, k=20, allow=allow), idx.search(q, k=20, allow=allow)
            assert np.asarray(got.ids).tolist() == np.asarray(want.ids).tolist(), q
            np.testing.assert_allclose(got.scores, want.scores, rtol=1e-6)
        full = full_idx.get_scores(q)
        vals, mean, sd = idx.scores_at(q, rows)
        np.testing.assert_allclose(vals, full[rows], atol=1e-9)
        assert mean == pytest.approx(full.mean(), abs=1e-9) and sd == pytest.approx(full.std(), rel=1e-6)
    assert len(idx._commons) > 0  # the common part was used and cached


def test_empty_and_unknown_queries_return_nothing(corpus):  # type: ignore[no-untyped-def]
    idx = BM25Index.from_tokens(corpus[:200])
    assert len(idx.search("", k=5)) == 0
    assert len(idx.search("qqqzzz", k=5)) == 0
    assert np.asarray(idx.search("qqqzzz", k=5).ids).dtype == np.int64


def test_save_load_roundtrip_and_corruption(tmp_path, corpus, caplog):  # type: ignore[no-untyped-def]
    idx = BM25Index.from_tokens(corpus[:500])
    path = tmp_path / "bm25.npz"
    idx.save(path, "fp1")
    loaded = BM25Index.load(path, "fp1")
    assert loaded is not None
    np.testing.assert_array_equal(loaded.get_scores(["love"]), idx.get_scores(["love"]))
    with caplog.at_level(logging.WARNING):
        assert BM25Index.load(path, "other-fingerprint") is None
    assert "stale" in caplog.text
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with caplog.at_level(logging.WARNING):
        assert BM25Index.load(path, "fp1") is None
    assert "rebuilding" in caplog.text


def test_tokenize():
    assert tokenize("A Scary movie, from the 80s!") == ["scary", "movie", "80s"]
    assert tokenize("") == []
