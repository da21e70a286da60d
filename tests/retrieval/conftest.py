"""Fixtures for retrieval tests (the ReDial engine is session-wide: tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def small_synthetic():  # type: ignore[no-untyped-def]
    from crs.retrieval.synthetic import generate

    return generate(3000, seed=7)
