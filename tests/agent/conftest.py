"""Agents on the real ReDial catalog, shared by the agent and UI tests (built once per run)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def redial_engine(redial_catalog):  # type: ignore[no-untyped-def]
    from crs.retrieval import build_engine

    return build_engine(redial_catalog, progress=False)


@pytest.fixture(scope="session")
def chat_store(tmp_path_factory):  # type: ignore[no-untyped-def]
    from crs.store import Store

    st = Store(tmp_path_factory.mktemp("chat") / "chat.db")
    yield st
    st.close()


@pytest.fixture(scope="session")
def redial_agent(redial_catalog, redial_engine, chat_store, data_dir):  # type: ignore[no-untyped-def]
    """The default configuration (learned NLU) in strict mode: any component error fails the test."""
    from crs.dialogue.build import AgentConfig, build_agent

    cfg = AgentConfig(catalog="redial", data_dir=str(data_dir), strict=True)
    return build_agent(cfg, catalog=redial_catalog, store=chat_store, engine=redial_engine)


@pytest.fixture(scope="session")
def fast_agent(redial_catalog, redial_engine, chat_store, data_dir):  # type: ignore[no-untyped-def]
    """Rule NLU (no MiniLM per message), strict: for the high-volume tests."""
    from crs.dialogue.build import AgentConfig, build_agent

    cfg = AgentConfig(catalog="redial", data_dir=str(data_dir), nlu="rules", strict=True)
    return build_agent(cfg, catalog=redial_catalog, store=chat_store, engine=redial_engine)
