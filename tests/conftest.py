"""Session-wide fixtures: the real data, and every expensive artifact built once per test run.

Caches go to a fresh temporary directory per run (cold start, like CI on a new machine; see
`pytest_configure`), so whatever is encoded, trained or mined here is built once per run and shared
by every directory: one ReDial catalog, one search engine, one rule-NLU agent (`fast_agent`) and the
same agent with the learned NLU (`redial_agent`), one learned NLU, one natural-language simulator.
Package-specific fixtures live in the package's own conftest.py.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_configure(config):  # type: ignore[no-untyped-def]
    """Caches go to a fresh temporary directory per test run (cold start, like CI on a new machine),
    unless CRS_TEST_CACHE_DIR points at a directory to reuse while developing."""
    import tempfile

    reuse = os.environ.get("CRS_TEST_CACHE_DIR")
    os.environ["CRS_CACHE_DIR"] = reuse or tempfile.mkdtemp(prefix="crs-test-cache-")


# --- subprocess commands run beside the tests (tests/background.py) ------------------------------

_JOBS: dict[tuple[str, str], object] = {}


def _start_job(module, name: str):  # type: ignore[no-untyped-def]
    """The module's background job `name` (`BACKGROUND[name]`), started once per run."""
    import tempfile

    from crs.config import data_dir
    from tests.background import SCHEDULER, Job

    key = (module.__name__, name)
    if key not in _JOBS:
        workdir = Path(tempfile.mkdtemp(prefix=f"bg-{name}-", dir=os.environ["CRS_CACHE_DIR"]))
        after = getattr(module, "BACKGROUND_AFTER", {}).get(name)
        _JOBS[key] = SCHEDULER.add(Job(name, module.BACKGROUND[name](data_dir(), workdir), workdir, after))
    return _JOBS[key]


def pytest_collection_modifyitems(session, config, items):  # type: ignore[no-untyped-def]
    """Tests that wait for a background job run last (same relative order): their jobs get the whole
    run to finish on the core the other tests leave idle."""
    waiting = [it for it in items if it.get_closest_marker("background") is not None]
    if waiting:
        items[:] = [it for it in items if it.get_closest_marker("background") is None] + waiting


def pytest_collection_finish(session):  # type: ignore[no-untyped-def]
    """Queue the background commands of the selected tests (`@pytest.mark.background(name)`) in the
    order the tests need them."""
    if session.config.option.collectonly:
        return
    for item in session.items:
        marker = item.get_closest_marker("background")
        if marker is not None:
            _start_job(item.module, marker.args[0])


@pytest.fixture()
def background(request):  # type: ignore[no-untyped-def]
    """The test's background `Job` (`@pytest.mark.background(name)`), started at collection."""
    marker = request.node.get_closest_marker("background")
    assert marker is not None, "mark the test with @pytest.mark.background(name)"
    return _start_job(request.module, marker.args[0])


_TORCH_THREADS: list[int] = []


@pytest.fixture(autouse=True)
def _restore_torch_threads():  # type: ignore[no-untyped-def]
    """Commands run in-process (`torch_threads(1)` in evaluation workers, trainers, CLI commands)
    must not leave the rest of the run on one thread: the thread count is put back after each test."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and not _TORCH_THREADS:
        _TORCH_THREADS.append(torch.get_num_threads())
    yield
    torch = sys.modules.get("torch")
    if torch is not None:
        want = _TORCH_THREADS[0] if _TORCH_THREADS else (os.cpu_count() or 1)
        if torch.get_num_threads() != want:
            from crs.config import torch_threads

            torch_threads(want)


# --- data and catalogs --------------------------------------------------------------------------

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


@pytest.fixture(scope="session")
def redial_split(data_dir):  # type: ignore[no-untyped-def]
    """(train, dev) of the ReDial train dialogues (`crs.catalog.dialogues.redial_train_dev`)."""
    from crs.catalog.dialogues import redial_train_dev

    return redial_train_dev(data_dir)


# --- components on the real ReDial catalog (built once per run) ---------------------------------

@pytest.fixture(scope="session")
def redial_engine(redial_catalog):  # type: ignore[no-untyped-def]
    """The search engine: the item vectors are encoded once per cold cache (the costliest build)."""
    from crs.retrieval import build_engine
    from tests.background import ready

    engine = build_engine(redial_catalog, progress=False)
    ready("redial_engine")  # background commands that load the engine from the cache may start
    return engine


@pytest.fixture(scope="session")
def redial_nlu_rules(redial_catalog):  # type: ignore[no-untyped-def]
    from crs.nlu import build_nlu

    return build_nlu(redial_catalog, learned=False)


@pytest.fixture(scope="session")
def redial_nlu(redial_catalog, data_dir):  # type: ignore[no-untyped-def]
    """The learned NLU (mention sentiment on ReDial, intents on IARD): trained once per cold cache."""
    from crs.nlu import build_nlu

    return build_nlu(redial_catalog, data_dir=data_dir)


@pytest.fixture(scope="session")
def chat_store(tmp_path_factory):  # type: ignore[no-untyped-def]
    from crs.store import Store

    st = Store(tmp_path_factory.mktemp("chat") / "chat.db")
    yield st
    st.close()


@pytest.fixture(scope="session")
def fast_agent(redial_catalog, redial_engine, chat_store, data_dir):  # type: ignore[no-untyped-def]
    """The ReDial agent with the rule NLU (no MiniLM per message), strict: any component error
    fails the test instead of becoming an apology. Shared by the dialogue, policy, eval and UI tests."""
    from crs.dialogue.build import AgentConfig, build_agent
    from tests.background import ready

    cfg = AgentConfig(catalog="redial", data_dir=str(data_dir), nlu="rules", strict=True)
    agent = build_agent(cfg, catalog=redial_catalog, store=chat_store, engine=redial_engine)
    ready("fast_agent")  # item vectors and the collaborative model are in the cache now
    return agent


@pytest.fixture(scope="session")
def redial_agent(fast_agent, redial_nlu):  # type: ignore[no-untyped-def]
    """The default configuration (learned NLU), strict: `fast_agent` with the learned NLU swapped in
    (`build_agent` differs only in the NLU it builds; everything else is the same parts)."""
    return replace(fast_agent, nlu=redial_nlu)


@pytest.fixture(scope="session")
def natural_sim(redial_catalog, data_dir):  # type: ignore[no-untyped-def]
    """The natural-language simulator on ReDial with its mined grammar. Tests reset it with a seed."""
    from simulators.natural import build_natural

    return build_natural(redial_catalog, data_dir, seed=0)


@pytest.fixture(scope="session")
def chat_space(redial_catalog):  # type: ignore[no-untyped-def]
    """The chat agent's ask space (the one the chat DQN embeds)."""
    from crs.dialogue.observe import chat_ask_space

    return chat_ask_space(redial_catalog)


@pytest.fixture(scope="session")
def one_unit_network():  # type: ignore[no-untyped-def]
    """`make(space, n_ask, unit)`: a tiny Q-network whose only signal is embedding dimension 0,
    high for `unit` and zero elsewhere (a DQN policy that asks `unit` whenever it is offered)."""

    def make(space, n_ask: int, unit: int):  # type: ignore[no-untyped-def]
        import torch

        from crs.policy.features import ACTION_DIM, GLOBAL_DIM
        from crs.policy.network import QNetwork

        net = QNetwork(space.n_units, space.n_items, n_ask, hidden=8, emb=4)
        with torch.no_grad():
            for p in net.parameters():
                p.zero_()
            net.unit_emb.weight[unit + 1, 0] = 5.0
            net.mlp[0].weight[0, GLOBAL_DIM + ACTION_DIM] = 1.0
            net.mlp[2].weight[0, 0] = 1.0
            net.mlp[4].weight[0, 0] = 1.0
        return net

    return make
