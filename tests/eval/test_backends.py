"""Backends return identical results in task order; unknown backends are clear errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from crs.eval.backends import BackendError, run_tasks
from tests.background import Step


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
from crs.eval.backends import flatten, run_tasks
tasks = [[[i, i * i]] for i in range(24)]
print(json.dumps(run_tasks(flatten, tasks, backend="ray", workers=2)))
"""


def _ray(data_dir: Path, workdir: Path) -> list[Step]:
    # Ray workers import the task function by module: one importable outside pytest's rootdir
    return [Step([sys.executable, "-c", RAY], timeout=600)]


BACKGROUND = {"ray": _ray}


@pytest.mark.background("ray")
def test_ray_matches_local(background):  # type: ignore[no-untyped-def]
    """Two Ray workers (in a subprocess that runs beside the other tests: Ray's start-up is slow)."""
    from crs.eval.backends import flatten

    tasks = [[[i, i * i]] for i in range(24)]
    local = run_tasks(flatten, tasks, backend="local")
    (out,) = background.results()
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == local


def test_unknown_backend():
    with pytest.raises(BackendError, match="valid backends"):
        run_tasks(_episode, [1], backend="spark")
