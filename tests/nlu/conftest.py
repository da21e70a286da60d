"""NLU fixtures: rule-only pipelines (fast) and the learned pipeline (trains once per cold cache)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def default_nlu(default_catalog):  # type: ignore[no-untyped-def]
    from crs.nlu import build_nlu

    return build_nlu(default_catalog, learned=False)


@pytest.fixture(scope="session")
def redial_nlu_rules(redial_catalog):  # type: ignore[no-untyped-def]
    from crs.nlu import build_nlu

    return build_nlu(redial_catalog, learned=False)


@pytest.fixture(scope="session")
def redial_nlu(redial_catalog, data_dir):  # type: ignore[no-untyped-def]
    import torch

    from crs.nlu import build_nlu

    torch.set_num_threads(1)
    return build_nlu(redial_catalog, data_dir=data_dir)
