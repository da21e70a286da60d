"""Catalog loaders. `load_catalog(name, ...)` picks one by name; all return a `Catalog`."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crs.catalog.errors import CatalogError
from crs.config import data_dir as resolve_data_dir
from crs.types import AttributeKind, Catalog

CATALOGS = ("default", "redial", "lastfm-star", "jsonl")


def _needs_data(name: str, data_dir: str | Path | None) -> Path:
    root = resolve_data_dir(data_dir)
    if root is None or not Path(root).is_dir():
        raise CatalogError(root, f"catalog {name!r} needs a data directory: pass --data-dir DIR or set CRS_DATA_DIR")
    return Path(root)


def load_catalog(name: str, data_dir: str | Path | None = None, path: str | Path | None = None, **kwargs: Any) -> Catalog:
    """Load a catalog by name: default | redial | lastfm-star | jsonl (needs `path`)."""
    loaders: dict[str, Callable[[], Catalog]] = {
        "default": lambda: _default(),
        "redial": lambda: _redial(_needs_data(name, data_dir), **kwargs),
        "lastfm-star": lambda: _lastfm(_needs_data(name, data_dir) / "lastfm-star"),
        "jsonl": lambda: _jsonl(path),
    }
    if name not in loaders:
        raise CatalogError(None, f"unknown catalog {name!r}; valid catalogs: {', '.join(CATALOGS)}")
    return loaders[name]()


def _default() -> Catalog:
    from crs.catalog.default import load_default

    return load_default()


def _redial(root: Path, **kwargs: Any) -> Catalog:
    from crs.catalog.redial import load_redial

    return load_redial(root, **kwargs)


def _lastfm(root: Path) -> Catalog:
    from crs.catalog.lastfm import load_lastfm_star

    return load_lastfm_star(root)


def _jsonl(path: str | Path | None) -> Catalog:
    from crs.catalog.jsonl import load_jsonl

    if path is None:
        raise CatalogError(None, "catalog 'jsonl' needs --path FILE (one JSON item per line)")
    return load_jsonl(path)


def summary(catalog: Catalog) -> dict[str, Any]:
    """Item count, attributes (name → number of distinct values), share with text, interactions."""
    attrs: dict[str, int] = {}
    details: dict[str, dict[str, Any]] = {}
    for a in catalog.schema:
        counts: Counter[str | float | int] = Counter()
        present = 0
        for it in catalog.items:
            v = it.attributes.get(a.name)
            if v is None:
                continue
            present += 1
            if isinstance(v, tuple):
                counts.update(v)
            else:
                counts[v] += 1
        attrs[a.name] = len(counts)
        top = [(str(k), n) for k, n in counts.most_common(5)] if a.kind is not AttributeKind.NUMERIC else []
        details[a.name] = {"kind": a.kind.value, "coverage": present / max(1, len(catalog)), "top": top}
    inter = catalog.interactions
    return {
        "catalog": catalog.name,
        "items": len(catalog),
        "attributes": attrs,
        "with_text": sum(1 for it in catalog.items if it.text.strip()) / max(1, len(catalog)),
        "interactions": int(inter.nnz) if inter is not None else 0,
        "users": int(inter.shape[0]) if inter is not None else 0,
        "details": details,
    }


def entropy(counts: Counter[Any]) -> float:
    n = sum(counts.values())
    return -sum(c / n * math.log2(c / n) for c in counts.values() if c) if n else 0.0


__all__ = ["CATALOGS", "CatalogError", "load_catalog", "summary"]
