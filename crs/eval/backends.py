"""Episode execution backends: in-process, a local process pool, or a Ray cluster.

A job is a picklable callable `fn(task) -> dict` plus a list of tasks (e.g. episode seeds with
their (user, target) pairs). Every backend returns results in task order, so the same seeds give
the same report whichever backend ran them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from crs.errors import CRSError

BACKENDS = ("local", "process", "ray")
Result = dict[str, Any]
"""What a job returns for one task (a plain, picklable dict)."""


class BackendError(CRSError):
    """Unknown backend, or Ray requested but unavailable."""


def _chunks(tasks: Sequence[Any], n: int) -> list[list[Any]]:
    size = max(1, -(-len(tasks) // n))
    return [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]


def _run_chunk(payload: tuple[Callable[[Any], Result], list[Any]]) -> list[Result]:
    fn, chunk = payload
    return [fn(t) for t in chunk]


def run_tasks(
    fn: Callable[[Any], Result],
    tasks: Sequence[Any],
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Result]:
    """Run `fn` over `tasks` on the chosen backend; results come back in task order.

    `progress(n_done)` is called as chunks complete (drives the CLI progress bar).
    """
    if backend not in BACKENDS:
        raise BackendError(f"unknown backend {backend!r}; valid backends: {', '.join(BACKENDS)}")
    tasks = list(tasks)
    if backend == "local" or not tasks:
        out = []
        for i, t in enumerate(tasks):
            out.append(fn(t))
            if progress and (i + 1) % 10 == 0:
                progress(i + 1)
        if progress:
            progress(len(tasks))
        return out
    workers = workers or os.cpu_count() or 1
    chunks = _chunks(tasks, workers * 4)
    if backend == "process":
        return _run_process(fn, chunks, workers, progress)
    return _run_ray(fn, chunks, address, workers, progress)


def _run_process(fn: Callable[[Any], Result], chunks: list[list[Any]], workers: int,
                 progress: Callable[[int], None] | None) -> list[Result]:
    results: list[list[Result]] = [[] for _ in chunks]
    done = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_run_chunk, (fn, c)): i for i, c in enumerate(chunks)}
        from concurrent.futures import as_completed

        for fut in as_completed(futures):
            i = futures[fut]
            results[i] = fut.result()
            done += len(results[i])
            if progress:
                progress(done)
    return [r for chunk in results for r in chunk]


def _run_ray(fn: Callable[[Any], Result], chunks: list[list[Any]], address: str | None, workers: int,
             progress: Callable[[int], None] | None) -> list[Result]:
    try:
        import ray
    except ImportError:
        raise BackendError("the Ray backend needs the 'ray' extra: pip install 'crs[ray]'") from None
    started = False
    if not ray.is_initialized():
        if address:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        started = True
    try:
        remote = ray.remote(_run_chunk)
        refs = [remote.remote((fn, c)) for c in chunks]
        index = {r: i for i, r in enumerate(refs)}
        results: list[list[Result]] = [[] for _ in chunks]
        pending, done = list(refs), 0
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for r in ready:
                results[index[r]] = ray.get(r)
                done += len(results[index[r]])
            if progress:
                progress(done)
        return [r for chunk in results for r in chunk]
    finally:
        if started:
            ray.shutdown()


def iter_progress(total: int, label: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A tqdm progress bar driven by `update(n_done)`; returns (update, close)."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc=label, unit="ep", leave=False, dynamic_ncols=True)

    def update(n: int) -> None:
        bar.update(max(0, n - bar.n))

    return update, bar.close


def flatten(x: Iterable[Iterable[Any]]) -> list[Any]:
    return [v for xs in x for v in xs]
