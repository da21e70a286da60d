"""Shared fixtures: the real-data directory (../shared/data or $CRS_DATA_DIR) and cached catalogs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    from crs.config import data_dir as resolve

    root = resolve()
    assert root is not None and root.is_dir(), "real data not found: set CRS_DATA_DIR or put shared/data beside the repo"
    return root


@pytest.fixture(scope="session")
def redial_catalog(data_dir):  # type: ignore[no-untyped-def]
    from crs.catalog import load_catalog

    return load_catalog("redial", data_dir=data_dir)


@pytest.fixture(scope="session")
def default_catalog():  # type: ignore[no-untyped-def]
    from crs.catalog import load_catalog

    return load_catalog("default")


@pytest.fixture(scope="session")
def lastfm_catalog(data_dir):  # type: ignore[no-untyped-def]
    from crs.catalog import load_catalog

    return load_catalog("lastfm-star", data_dir=data_dir)


def pytest_configure(config):  # type: ignore[no-untyped-def]
    """Caches go to a fresh temporary directory per test run (cold start, like CI on a new machine),
    unless CRS_TEST_CACHE_DIR points at a directory to reuse while developing."""
    import tempfile

    reuse = os.environ.get("CRS_TEST_CACHE_DIR")
    os.environ["CRS_CACHE_DIR"] = reuse or tempfile.mkdtemp(prefix="crs-test-cache-")
