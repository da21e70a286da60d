"""Fixtures for retrieval tests: one ReDial engine per session (item vectors cached on disk)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def redial_engine(redial_catalog):  # type: ignore[no-untyped-def]
    from crs.retrieval import build_engine

    return build_engine(redial_catalog, progress=False)


@pytest.fixture(scope="session")
def small_synthetic():  # type: ignore[no-untyped-def]
    from crs.retrieval.synthetic import generate

    return generate(3000, seed=7)
