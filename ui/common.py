"""Shared pieces of the `crs` command modules: consoles, common options, catalog loading, JSON output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)

CatalogOpt = typer.Option("default", "--catalog", "-c", help="default | redial | lastfm-star | jsonl")
DataDirOpt = typer.Option(None, "--data-dir", help="Real-data directory (else $CRS_DATA_DIR, else ../shared/data).")
PathOpt = typer.Option(None, "--path", help="Catalog file for --catalog jsonl.")
JsonOpt = typer.Option(False, "--json", help="Print one JSON object instead of tables.")
OutOpt = typer.Option(None, "--out", help="Write the JSON report, resolved config and PNG plots to this folder.")


def load(catalog: str, data_dir: Optional[Path], path: Optional[Path] = None):  # type: ignore[no-untyped-def]
    """The catalog named on the command line (heavy imports stay inside)."""
    from crs.catalog import load_catalog

    return load_catalog(catalog, data_dir=data_dir, path=path)


def print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, default=json_default) + "\n")
    sys.stdout.flush()


def json_default(o: object) -> object:
    import numpy as np

    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
