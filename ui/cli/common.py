"""Shared pieces of the `crs` command modules: consoles, common options, catalog loading, and the
`--json` / `--out` handling of every evaluation command."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

from crs.types import Catalog

console = Console()
err_console = Console(stderr=True)

CatalogOpt = typer.Option("default", "--catalog", "-c", help="default | redial | lastfm-star | jsonl")
DataDirOpt = typer.Option(None, "--data-dir", help="Real-data directory (else $CRS_DATA_DIR, else ../shared/data).")
PathOpt = typer.Option(None, "--path", help="Catalog file for --catalog jsonl.")
JsonOpt = typer.Option(False, "--json", help="Print one JSON object instead of tables.")
OutOpt = typer.Option(None, "--out", help="Write the JSON report, resolved config and PNG plots to this folder.")


def load(catalog: str, data_dir: Optional[Path], path: Optional[Path] = None) -> Catalog:
    """The catalog named on the command line (heavy imports stay inside)."""
    from crs.catalog import load_catalog

    return load_catalog(catalog, data_dir=data_dir, path=path)


def dd(data_dir: Optional[Path]) -> str | None:
    """The data directory as the engine's factories take it."""
    return str(data_dir) if data_dir else None


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


def stderr_log(enabled: bool = True) -> Callable[[str], None]:
    """A `log(message)` printing to stderr (or nothing when `enabled` is false, e.g. with --json)."""
    return (lambda m: err_console.print(m, highlight=False)) if enabled else (lambda m: None)


def cli_params(depth: int = 2) -> dict[str, Any]:
    """The calling command's name and resolved parameter values (its arguments), for the config
    file. (Typer runs command functions outside a click context, so they are read from the frame.)"""
    frame = sys._getframe(depth)
    code = frame.f_code
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    return {"command": code.co_name, **{n: frame.f_locals[n] for n in names if n in frame.f_locals}}


def finish(name: str, report: Mapping[str, Any], config: Mapping[str, Any] | None, out: Path | None,
           as_json: bool) -> bool:
    """Write `report` + resolved `config` (default: the command's parameters) + plots under `out`
    (if given); with `as_json` print the report as one JSON line and return True (the caller then
    skips its tables)."""
    from crs.eval.report import _jsonable, write_report

    if out is not None:
        config = {**cli_params(), **(config or {})}  # cli_params reads finish's caller
        paths = write_report(out, name, report, config)
        if not as_json:
            sys.stderr.write(f"wrote {', '.join(str(p) for p in paths)}\n")
    if as_json:
        sys.stdout.write(json.dumps(_jsonable(report)) + "\n")
        sys.stdout.flush()
    return as_json

PolicyOpt = typer.Option(
    "learned", "--policy",
    help="learned (default: the shipped DQN trained through the chat agent; a catalog without one falls back to bayes "
         "with a notice) | dqn-natural | bayes | rules (hand-set baselines) | dqn (attribute-trained).")
