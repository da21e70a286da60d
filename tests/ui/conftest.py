"""The UI tests drive the session-wide rule-NLU ReDial agent (tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def ui_agent(fast_agent):  # type: ignore[no-untyped-def]
    return fast_agent
