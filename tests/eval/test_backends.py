"""Backends return identical results in task order; unknown backends are clear errors."""

from __future__ import annotations

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


@pytest.mark.slow
def test_ray_matches_local():
    # Ray workers import the task function by module: use one importable outside pytest's rootdir
    from crs.eval.backends import flatten

    tasks = [[[i, i * i]] for i in range(24)]
    local = run_tasks(flatten, tasks, backend="local")
    ray_results = run_tasks(flatten, tasks, backend="ray", workers=2)
    assert ray_results == local


def test_unknown_backend():
    with pytest.raises(BackendError, match="valid backends"):
        run_tasks(_episode, [1], backend="spark")
