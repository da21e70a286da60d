"""Fixtures of the simulator tests: the NL simulator on the real ReDial catalog and grammar."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def natural_sim(redial_catalog, data_dir):  # type: ignore[no-untyped-def]
    from simulators.natural import build_natural

    return build_natural(redial_catalog, data_dir, seed=0)
