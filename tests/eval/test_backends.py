"""Backends return identical results in task order; unknown backends are clear errors."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

from crs.eval.backends import BackendError, run_tasks


def _episode(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"seed": seed, "value": float(rng.random()), "turns": int(rng.integers(1, 16))}


def test_process_pool_matches_local():
    tasks = list(range(40))
    local = run_tasks(_episode, tasks, backend="local")
    pool = run_tasks(_episode, tasks, backend="process", workers=2)
    assert local == pool
    assert [r["seed"] for r in pool] == tasks


RAY = """
import json
import os
from crs.eval.backends import flatten, run_tasks
tasks = [[[i, i * i]] for i in range(24)]
print(json.dumps(run_tasks(flatten, tasks, backend="ray", workers=2)))
"""


def test_ray_matches_local() -> None:
    """Two Ray workers, in a subprocess at normal priority (Ray workers import the task function by
    module: one importable outside pytest's rootdir; a niced Ray start-up starved by the other tests
    timed out)."""
    import subprocess

    from crs.eval.backends import flatten

    tasks = [[[i, i * i]] for i in range(24)]
    local = run_tasks(flatten, tasks, backend="local")
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    out = subprocess.run([sys.executable, "-c", RAY], check=False, capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == local


def test_unknown_backend():
    with pytest.raises(BackendError, match="valid backends"):
        run_tasks(_episode, [1], backend="spark")
