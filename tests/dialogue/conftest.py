"""Fixtures of the dialogue tests: the default-catalog agent a fresh clone builds, and both agents."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def default_fresh_agent(default_catalog, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The default-catalog agent of a fresh clone: built with no data directory, learned (shipped) NLU.
    Item vectors are hashed bag-of-words (as in test_agent.py) to keep the test fast on a cold cache."""
    from crs.dialogue.build import AgentConfig, build_agent
    from crs.retrieval import build_engine
    from crs.store import Store
    from tests.dialogue.test_agent import _hashed_vectors

    tmp = tmp_path_factory.mktemp("fresh")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRS_DATA_DIR", str(tmp / "nonexistent"))
        engine = build_engine(default_catalog, cache=tmp / "cache", vectors=_hashed_vectors(default_catalog),
                              progress=False)
        agent = build_agent(AgentConfig(catalog="default", nlu="learned", strict=True), catalog=default_catalog,
                            store=Store(tmp / "chat.db"), engine=engine)
    assert agent.nlu.models.intent is not None  # the shipped models load without a data directory
    return agent


@pytest.fixture(params=["default", "redial"])
def agent(request, default_fresh_agent, redial_agent):  # type: ignore[no-untyped-def]
    return default_fresh_agent if request.param == "default" else redial_agent
