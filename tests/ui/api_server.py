"""A real API server for the tests: the default catalog's agent (rule NLU, hashed item vectors
instead of a cold MiniLM encoding of 9,066 items) served by `ui.api.server.serve` with forked
workers. Run as `python -m tests.ui.api_server STORE PORT WORKERS CACHE_DIR`; `python -m
tests.ui.api_server restart STORE DATA_DIR` restarts `crs serve` on a store and reads it back."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def hashed_vectors(catalog) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Deterministic bag-of-words vectors of the item texts (feature hashing), instead of MiniLM."""
    import zlib

    from crs.embed import item_text

    table = np.random.default_rng(0).standard_normal((4096, 384)).astype(np.float32)
    vecs = np.zeros((len(catalog), 384), np.float32)
    for i, it in enumerate(catalog.items):
        words = item_text(it).lower().split()
        vecs[i] = table[[zlib.crc32(w.encode()) % 4096 for w in words]].sum(axis=0) if words else table[0]
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def default_agent(store: str, cache: Path, strict: bool = False):  # type: ignore[no-untyped-def]
    """The default-catalog agent with an exclusive-turns store at `store`."""
    from crs.catalog import load_catalog
    from crs.dialogue.build import AgentConfig, build_agent
    from crs.retrieval import build_engine
    from crs.store import Store

    cat = load_catalog("default")
    engine = build_engine(cat, cache=cache, vectors=hashed_vectors(cat), progress=False)
    return build_agent(AgentConfig(catalog="default", nlu="rules", strict=strict), catalog=cat,
                       store=Store(store, exclusive_turns=True), engine=engine)


def restart_check(store: str, data_dir: str) -> None:
    """Start `crs serve --catalog redial` on a store an earlier server wrote, read every stored
    session back through the API, continue one, print a JSON report."""
    import json
    import sqlite3

    import httpx

    from ui.cli.serve import start_server

    with sqlite3.connect(store) as db:
        stored = dict(db.execute("SELECT session_id, COUNT(*) FROM turns GROUP BY session_id").fetchall())
    server = start_server("redial", Path(data_dir), 1, store, "rules")
    try:
        served = {sid: len(httpx.get(f"{server.url}/sessions/{sid}", timeout=60).json()["turns"]) for sid in stored}
        sid = max(stored, key=lambda k: stored[k])
        r = httpx.post(f"{server.url}/sessions/{sid}/messages", json={"text": "something funny please"}, timeout=120)
        print(json.dumps({"stored": stored, "served": served, "next_turn": r.json().get("turn"),
                          "expected_turn": stored[sid] + 1}))
    finally:
        server.stop()


def main(argv: list[str]) -> None:
    from ui.api.server import ServeConfig, serve

    store, port, workers, cache = argv
    agent = default_agent(store, Path(cache))
    agent.warm_up()
    serve(agent, ServeConfig(port=int(port), workers=int(workers)), lambda m: print(m, file=sys.stderr, flush=True))


if __name__ == "__main__":
    restart_check(*sys.argv[2:]) if sys.argv[1] == "restart" else main(sys.argv[1:])
