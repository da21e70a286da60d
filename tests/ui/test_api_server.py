"""The API served by real worker processes through the `crs` command (ReDial, rule NLU, beside the
other tests): `crs bench serve --kill-worker` kills one worker with SIGKILL under load and finds no
lost turn, no error and no leak; a new `crs serve` on the same store serves every session's history
and continues a session at the next turn."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.background import Step


def _serve_jobs(data_dir: Path, workdir: Path) -> list[Step]:
    store, env = str(workdir / "serve.db"), {"CRS_DATA_DIR": str(data_dir), "OMP_NUM_THREADS": "1"}
    return [Step([sys.executable, "-m", "ui.cli", "bench", "serve", "--catalog", "redial", "--nlu", "rules",
                  "--sessions", "4", "--turns", "8", "--workers", "2", "--kill-worker", "--store", store, "--json"],
                 env, 900),
            Step([sys.executable, "-m", "tests.ui.api_server", "restart", store, str(data_dir)], env, 600)]


BACKGROUND = {"serve": _serve_jobs}
BACKGROUND_AFTER = {"serve": "fast_agent"}  # the servers load the item vectors and EASE the session built


@pytest.mark.background("serve")
def test_kill_9_of_a_worker_under_load_then_restart(fast_agent, background):  # type: ignore[no-untyped-def]
    bench, restart = background.results()
    assert bench.returncode == 0, bench.stderr[-3000:]
    r = json.loads(bench.stdout.strip().splitlines()[-1])
    assert r["at_half"]["killed"], r  # a worker was killed with SIGKILL half way
    assert r["errors"] == 0, r["error_examples"]
    assert r["leaks"] == 0 and r["own_marker_seen"] > 0
    assert r["lost_turns"] == 0 and r["extra_turns"] == 0 and r["committed_turns"] >= 4 * 5
    assert restart.returncode == 0, restart.stderr[-3000:]
    back = json.loads(restart.stdout.strip().splitlines()[-1])
    assert len(back["stored"]) == 4 and back["served"] == back["stored"]
    assert back["next_turn"] == back["expected_turn"]


def test_serve_command_rejects_bad_options():  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from crs.errors import CRSError
    from ui.cli import app

    for args, says in ((["--backend", "nope"], "unknown --backend"), (["--workers", "0"], "--workers"),
                       (["--backend", "ray", "--replicas", "0"], "--replicas")):
        r = CliRunner().invoke(app, ["serve", *args])
        assert isinstance(r.exception, CRSError) and says in str(r.exception)
