"""Synthetic catalogs and the scale benchmark (small sizes; the real figures are in BENCHMARKS.md)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from crs.retrieval.bench import bench_size, build, parse_sizes
from crs.retrieval.errors import RetrievalError
from crs.retrieval.filters import compile_constraints
from crs.retrieval.synthetic import generate, sample_queries
from crs.types import Constraint as C

KEYS = ("p50_ms", "p99_ms", "recall_at_100")


def test_synthetic_structure(small_synthetic):  # type: ignore[no-untyped-def]
    cat = small_synthetic
    lengths = np.diff(cat.doc_ptr)
    assert 50 < lengths.mean() < 70
    freq = np.bincount(cat.term_ids, minlength=len(cat.vocab))
    top = np.sort(freq)[::-1]
    assert top[0] > 5 * top[99] > 0  # Zipf-like head
    assert np.allclose(np.linalg.norm(cat.vectors, axis=1), 1, atol=1e-4)
    sims = cat.vectors[:300] @ cat.vectors.T
    sims[np.arange(300), np.arange(300)] = -1
    assert 0.15 < sims.mean() < 0.4 and np.sort(sims, 1)[:, -1].mean() > 0.55  # clustered, not iid
    again = generate(3000, seed=7)
    assert np.array_equal(again.term_ids, cat.term_ids) and np.array_equal(again.vectors, cat.vectors)


def test_synthetic_columns_and_filters(small_synthetic):  # type: ignore[no-untyped-def]
    cols = small_synthetic.columns
    mask = compile_constraints(cols, [C("genre", "include", "genre03"), C("language", "exclude", "lang00"),
                                      C("year", "lt", 2000), C("decade", "ge", "1960s")])
    genre = cols.sets["genre"].by_row[:, 3].toarray().ravel()
    lang0 = cols.sets["language"].by_row[:, 0].toarray().ravel()
    year = cols.numeric["year"]
    np.testing.assert_array_equal(mask, genre & ~lang0 & (year < 2000) & (year >= 1960))
    engine = build(small_synthetic)
    q = sample_queries(small_synthetic, 1)[0]
    allow = compile_constraints(cols, q.constraints)
    res = engine.hybrid(q.tokens, q.vector, 20, allow)
    assert len(res) == 20 and allow[res.ids].all()


def test_bench_size_reports_every_key():
    r = bench_size(4000, n_queries=20, seed=3)
    json.dumps(r)
    assert r["items"] == 4000 and r["build_s"] > 0 and r["rss_mb"] > 0
    for key in ("lexical", "dense", "hybrid_filtered"):
        assert set(KEYS) <= set(r[key]) and r[key]["p99_ms"] >= r[key]["p50_ms"] > 0
        assert r[key]["recall_at_100"] >= 0.95
    assert r["rank_bm25_basis"] == "measured" and r["rank_bm25_speedup"] > 1


def test_cli_json_and_bad_sizes(capsys):  # type: ignore[no-untyped-def]
    import sys

    from ui.cli import main

    argv = sys.argv
    sys.argv = ["crs", "bench", "retrieval", "--items", "2k,3000", "--queries", "10", "--json", "--no-rank-bm25"]
    try:
        main()
    finally:
        sys.argv = argv
    lines = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [r["items"] for r in lines] == [2000, 3000]
    assert all(set(KEYS) <= set(r["hybrid_filtered"]) for r in lines)
    assert parse_sizes("100000, 1M,2.5k") == [100_000, 1_000_000, 2_500]
    for bad in ("abc", "10", ""):
        with pytest.raises(RetrievalError):
            parse_sizes(bad)


def test_bench_mapped_keeps_vectors_in_a_float16_file(tmp_path):  # type: ignore[no-untyped-def]
    """The 10M path at a small size: vectors written once to a mapped float16 file (reused on a second
    run), the IVF built from it, dense search with and without a filter close to exact."""
    from crs.retrieval.bench import bench_mapped
    from crs.retrieval.dense import DenseIndex
    from crs.retrieval.synthetic import generate_mapped

    r = bench_mapped(30_000, n_queries=20, seed=2, workdir=str(tmp_path))
    json.dumps(r)
    files = list(tmp_path.glob("*.npy"))
    assert len(files) == 1 and abs(r["vectors_file_gb"] * 2**30 - 30_000 * 384 * 2) < 4096
    for key in ("dense", "dense_filtered"):
        assert set(KEYS) <= set(r[key]) and r[key]["recall_at_100"] >= 0.9, r[key]
    assert r["lexical"] is None and r["memory_after_build"]["anon_mb"] > 0
    again = generate_mapped(30_000, str(files[0]), seed=2)
    assert isinstance(again.vectors, np.memmap) and again.vectors.dtype == np.float16
    v = np.asarray(again.vectors[:100], np.float32)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=2e-3)
    index = DenseIndex(again.vectors, kind="ivf")  # the index reads the mapped rows, never copies them all
    assert index.vectors is again.vectors
    got = index.search(v[0], 10)
    assert got.ids[0] == 0 and abs(float(got.scores[0]) - float(v[0] @ v[0])) < 1e-3
