"""The search engine on the real ReDial catalog: behaviour, query forms, bad input, persistence."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

from crs.retrieval import InvalidQueryError, build_engine, compile_constraints
from crs.types import Constraint as C


def _row(catalog, title):  # type: ignore[no-untyped-def]
    return next(i for i, it in enumerate(catalog.items) if it.title == title and it.text)


def test_scary_movie_from_the_80s(redial_engine, redial_catalog):  # type: ignore[no-untyped-def]
    allow = compile_constraints(redial_catalog, [C("decade", "include", "1980s")])
    res = redial_engine.search("a scary movie", k=10, allow=allow)
    items = [redial_catalog.items[r] for r in res.ids]
    assert all(it.attributes.get("decade") == "1980s" for it in items)
    assert sum("horror" in it.values("genres") for it in items[:5]) >= 3, [it.display for it in items]


def test_like_toy_story(redial_engine, redial_catalog):  # type: ignore[no-untyped-def]
    seed = _row(redial_catalog, "Toy Story")
    res = redial_engine.similar([seed], k=10)
    assert seed not in res.ids.tolist()
    items = [redial_catalog.items[r] for r in res.ids]
    family = sum(bool({"animation", "family"} & set(it.values("genres"))) for it in items)
    assert family >= 7, [it.display for it in items]


def test_modes_and_concepts(redial_engine, redial_catalog):  # type: ignore[no-untyped-def]
    for mode in ("lexical", "dense", "hybrid"):
        res = redial_engine.search("space adventure with aliens", k=5, mode=mode)
        assert len(res) == 5 and np.asarray(res.ids).dtype == np.int64 and res.scores.dtype == np.float32
    res = redial_engine.search(["zombies", "comedy"], k=10)
    genres = [redial_catalog.items[r].values("genres") for r in res.ids]
    assert sum("horror" in g or "comedy" in g for g in genres) >= 8
    vec = redial_engine.encode_query("zombies")
    assert vec.shape == (384,) and abs(np.linalg.norm(vec) - 1) < 1e-4


def test_empty_query_is_attribute_only(redial_engine, redial_catalog):  # type: ignore[no-untyped-def]
    allow = compile_constraints(redial_catalog, [C("genres", "include", "western")])
    res = redial_engine.search("   ", k=5, allow=allow)
    pop = redial_catalog.popularity()
    assert allow[res.ids].all()
    assert pop[res.ids].tolist() == sorted(pop[allow], reverse=True)[:5]
    assert len(redial_engine.search([], k=3)) == 3


def test_bad_input(redial_engine):  # type: ignore[no-untyped-def]
    for k in (0, -3, 2.5, True):
        with pytest.raises(InvalidQueryError, match="k must be"):
            redial_engine.search("comedy", k=k)  # type: ignore[arg-type]
    assert len(redial_engine.search("comedy", k=10**9, mode="lexical")) > 0
    assert len(redial_engine.popular(k=10**9)) == redial_engine.n
    with pytest.raises(InvalidQueryError, match="mode"):
        redial_engine.search("comedy", mode="magic")
    with pytest.raises(InvalidQueryError, match="boolean mask"):
        redial_engine.search("comedy", allow=np.ones(5, bool))
    with pytest.raises(InvalidQueryError):
        redial_engine.similar([], k=3)
    with pytest.raises(InvalidQueryError):
        redial_engine.similar([10**8], k=3)
    none = np.zeros(redial_engine.n, bool)
    assert len(redial_engine.search("comedy", allow=none)) == 0


def test_warm_build_is_fast_and_corrupt_index_is_rebuilt(redial_engine, redial_catalog, caplog):  # type: ignore[no-untyped-def]
    from crs.config import cache_dir

    t = time.perf_counter()
    engine = build_engine(redial_catalog, progress=False)
    assert time.perf_counter() - t < 10  # loads from cache: no encoding, no BM25 rebuild
    from crs.retrieval.engine import BM25_VERSION
    from crs.retrieval.persist import fingerprint

    path = cache_dir() / "retrieval" / f"redial-{fingerprint(redial_catalog.fingerprint(), BM25_VERSION)}-bm25.npz"
    assert path.exists()
    raw = bytearray(path.read_bytes())
    raw[-100] ^= 0xFF
    path.write_bytes(bytes(raw))
    with caplog.at_level(logging.WARNING):
        rebuilt = build_engine(redial_catalog, progress=False)
    assert "rebuilding" in caplog.text
    q = "haunted house ghost"
    assert rebuilt.search(q, 10, mode="lexical").ids.tolist() == engine.search(q, 10, mode="lexical").ids.tolist()
