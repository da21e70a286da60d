"""Paths and small typed configuration helpers. Nothing here runs at import time."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """Resolve the real-data directory: explicit argument, else $CRS_DATA_DIR, else ../shared/data.

    `../shared/data` is looked up relative to the current directory and to the repository root.
    Returns None when none exists (the embedded default catalog needs no data directory).
    """
    if explicit:
        return Path(explicit)
    env = os.environ.get("CRS_DATA_DIR")
    if env:
        return Path(env)
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        cand = base.parent / "shared" / "data"
        if cand.is_dir():
            return cand
    return None


def cache_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Cache directory for derived artefacts (indexes, vectors, checkpoints); created on demand."""
    if explicit:
        p = Path(explicit)
    else:
        env = os.environ.get("CRS_CACHE_DIR")
        p = Path(env) if env else Path.home() / ".cache" / "crs"
    p.mkdir(parents=True, exist_ok=True)
    return p


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write a file atomically (temp file + rename) so no half-written cache is ever left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def from_dict(cls: type[T], raw: Mapping[str, Any]) -> T:
    """Build a (possibly nested) dataclass from a dict; unknown keys are errors, never ignored."""
    if not is_dataclass(cls):
        raise TypeError(f"{cls} is not a dataclass")
    known = {f.name: f for f in fields(cls)}
    unknown = set(raw) - set(known)
    if unknown:
        raise ValueError(f"unknown config keys for {cls.__name__}: {sorted(unknown)}; valid: {sorted(known)}")
    kwargs: dict[str, Any] = {}
    for name, value in raw.items():
        ftype = known[name].type
        target = ftype if isinstance(ftype, type) else None
        if target is not None and is_dataclass(target) and isinstance(value, Mapping):
            value = from_dict(target, value)
        kwargs[name] = value
    return cls(**kwargs)


def serving_threads(n: int) -> None:
    """Thread pools of a process that serves many sessions (API workers, Ray replicas, the demo):
    torch's intra-op threads and every native BLAS / OpenMP pool already loaded (numpy's OpenBLAS,
    faiss's OpenMP) set to `n`. Concurrency comes from sessions; with their default of one thread
    per core, OpenBLAS threads spin after each call and take the cores from the other workers
    (50 sessions on 2 workers: 16.4 -> 22.7 messages/s at 1; docs/BENCHMARKS.md)."""
    from threadpoolctl import threadpool_limits

    torch_threads(n)
    threadpool_limits(limits=n)


def torch_threads(n: int) -> None:
    """The one place that sets torch's intra-op thread count for the process (front ends and
    evaluation workers call it once at start; components never change it)."""
    import torch

    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
