"""An agent on the real ReDial catalog for the UI tests (rule NLU, strict)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def ui_agent(redial_catalog, data_dir, tmp_path_factory):  # type: ignore[no-untyped-def]
    from crs.dialogue.build import AgentConfig, build_agent
    from crs.store import Store

    store = Store(tmp_path_factory.mktemp("ui") / "ui.db")
    cfg = AgentConfig(catalog="redial", data_dir=str(data_dir), nlu="rules", strict=True)
    yield build_agent(cfg, catalog=redial_catalog, store=store)
    store.close()
