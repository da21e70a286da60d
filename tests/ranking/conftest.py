"""A small real sub-catalog of ReDial (first 400 items, their real interactions) for fast fusion tests."""

from __future__ import annotations

import pytest

from crs.types import Catalog


@pytest.fixture(scope="session")
def small_catalog(redial_catalog) -> Catalog:  # type: ignore[no-untyped-def]
    n = 400
    X = redial_catalog.interactions[:, :n].tocsr()
    X = X[X.getnnz(axis=1) > 0]
    return Catalog("redial-small", redial_catalog.items[:n], redial_catalog.schema, X, meta={})


@pytest.fixture(scope="session")
def small_ranker(small_catalog, redial_engine, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The fused ranker of the sub-catalog; its items' vectors are the session engine's (same texts,
    same encoder: nothing is encoded again)."""
    from crs.ranking import build_ranker
    from crs.retrieval import build_engine

    cache = tmp_path_factory.mktemp("rank-cache")
    engine = build_engine(small_catalog, cache=cache, vectors=redial_engine.vectors[: len(small_catalog)], progress=False)
    return build_ranker(small_catalog, cache=cache, engine=engine)
