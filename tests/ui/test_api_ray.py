"""`crs serve --backend ray`: Ray Serve with 2 replicas answers the same session scripts exactly as
the local pre-forked server, and a session answered by one replica continues on the other (one local
Ray, beside the other tests: `tests/ui/api_ray.py`). Ray Serve that cannot start fails the test."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.background import Step


def _ray_jobs(data_dir: Path, workdir: Path) -> list[Step]:
    env = {"RAY_AUTH_MODE": "disabled", "OMP_NUM_THREADS": "1"}  # as `make test` sets it (local Ray runs)
    cache = Path(os.environ["CRS_CACHE_DIR"]) / "api-ray"
    return [Step([sys.executable, "-m", "tests.ui.api_ray", str(workdir), str(cache)], env, timeout=900, nice=False)]


BACKGROUND = {"ray-serve": _ray_jobs}


@pytest.mark.background("ray-serve")
def test_ray_serve_replicas_answer_like_the_local_server(background):  # type: ignore[no-untyped-def]
    (run,) = background.results()
    assert run.returncode == 0, run.stderr[-4000:]
    r = json.loads(run.stdout.strip().splitlines()[-1])
    local, ray = r["local"], r["ray"]
    assert len(local["answers"]) == 2 and all(len(a) == 10 for a in local["answers"])
    statuses = [a["status"] for s in local["answers"] for a in s]
    assert statuses.count(200) >= 12, statuses  # mostly real turns (a few hostile requests are refused)
    for n, (want, got) in enumerate(zip(local["answers"], ray["answers"], strict=True)):
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            assert g == w, f"session {n}, request {i}: Ray Serve answered differently"
    answered = {x for s in ray["replicas"] for x in s}
    assert None not in answered and len(answered) == 2, answered  # both replicas answered, each named itself
    c = ray["continued"]
    assert c["from"] != c["to"] and c["status"] == 200, c  # the session moved to the other replica...
    assert c["turn_after"] == c["turn_before"] + 1, c  # ...which continued it at the next turn
    assert c["stored_turns"] == list(range(1, c["turn_after"] + 1)), c  # no turn lost or doubled


def test_ray_serve_options_are_checked():  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from crs.errors import CRSError
    from ui.cli import app

    for args, says in ((["--replicas", "0"], "--replicas"), (["--replicas", "2", "--min-replicas", "3"], "--min-replicas"),
                       (["--replicas", "3", "--max-replicas", "2"], "--max-replicas"),
                       (["--address", "127.0.0.1:1"], "cannot reach the Ray cluster"),
                       (["--address", "head-node"], "not host:port")):
        r = CliRunner().invoke(app, ["serve", "--backend", "ray", *args])
        assert isinstance(r.exception, CRSError) and says in str(r.exception), r.output


def test_ray_serve_deployment_fixed_or_autoscaling():  # type: ignore[no-untyped-def]
    """Equal bounds: a fixed number of replicas; different bounds: Ray's autoscaling (checked by
    Ray's own deployment options, without starting Ray)."""
    from ray import serve

    from ui.api.ray_backend import AgentReplica, RayServeConfig, deployment_options

    fixed = serve.deployment(**deployment_options(RayServeConfig(replicas=3)))(serve.ingress()(AgentReplica))
    assert fixed.num_replicas == 3 and fixed._deployment_config.autoscaling_config is None
    auto = serve.deployment(**deployment_options(RayServeConfig(replicas=2, min_replicas=1, max_replicas=4)))(
        serve.ingress()(AgentReplica))
    cfg = auto._deployment_config.autoscaling_config
    assert (cfg.min_replicas, cfg.initial_replicas, cfg.max_replicas) == (1, 2, 4)
