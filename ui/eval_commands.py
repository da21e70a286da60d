"""Bodies of the full-pipeline `crs eval` commands (kept out of `ui/cli.py`, which stays a thin
list of commands): natural-language simulation over any backend, and the shared `--out` / `--json`
handling of every evaluation command."""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from crs.errors import CRSError


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


def progress_bar(total: int, label: str, enabled: bool) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    if not enabled:
        return None, lambda: None
    from crs.eval.backends import iter_progress

    return iter_progress(total, label)


def simulate_natural(catalog: str, data_dir: Path | None, episodes: int, seed: int, backend: str = "local",
                     workers: int | None = None, address: str | None = None, nlu: str = "learned",
                     policy: str = "bayes", policy_path: Path | None = None, k: int = 3, max_turns: int = 15,
                     progress: bool = True, oracle_constraints: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the chatbot against the natural-language simulator; returns (report, resolved config)."""
    from crs.eval.backends import run_tasks
    from crs.eval.natural import EpisodeJob, aggregate, components, episode_seeds
    from ui.eval_factories import natural_components, natural_target

    if episodes < 1:
        raise CRSError(f"--episodes must be positive, got {episodes}")
    if max_turns < 1:
        raise CRSError(f"--max-turns must be positive, got {max_turns}")
    dd = str(data_dir) if data_dir else None
    pp = str(policy_path) if policy_path else None
    factory = functools.partial(natural_components, catalog, dd, nlu, policy, pp, k, seed)
    job = EpisodeJob(factory, key=repr((catalog, dd, nlu, policy, pp, k, seed)), max_turns=max_turns,
                     target_of=natural_target, oracle_constraints=oracle_constraints)
    t0 = time.perf_counter()
    if backend in ("local", "process"):
        components(job)  # built once here; forked process-pool workers inherit it
    build_s = time.perf_counter() - t0
    seeds = episode_seeds(seed, episodes)
    update, close = progress_bar(episodes, "episodes", progress)
    t1 = time.perf_counter()
    try:
        results = run_tasks(job, seeds, backend=backend, workers=workers, address=address, progress=update)
    finally:
        close()
    run_s = time.perf_counter() - t1
    report = aggregate(results, max_turns)
    report.update({"simulator": "natural", "catalog": catalog, "policy": pp or policy, "k": k,
                   "seed": seed, "oracle_constraints": oracle_constraints})
    timing = {"build_s": round(build_s, 2), "run_s": round(run_s, 2),
              "episodes_per_s": round(len(results) / run_s, 3) if run_s > 0 else None}
    config = {"command": "eval simulate", "simulator": "natural", "catalog": catalog, "data_dir": dd,
              "episodes": episodes, "seed": seed, "backend": backend, "workers": workers, "address": address,
              "nlu": nlu, "policy": policy, "policy_path": pp, "k": k, "max_turns": max_turns, "timing": timing,
              "oracle_constraints": oracle_constraints}
    return report, config


def print_simulation(console: Any, report: Mapping[str, Any], max_turns: int) -> None:
    from rich.table import Table

    t = Table("metric", "value", title=f"natural-language simulation, {report['episodes']} episodes")
    for key in ("sr_at_5", "sr_at_10", f"sr_at_{max_turns}", "avg_turns", "hdcg"):
        t.add_row(key, f"{report[key]:.4f}")
    nlu = report["nlu"]
    if nlu.get("turns"):
        t.add_row("NLU act accuracy", f"{nlu['act_accuracy']:.4f}")
        t.add_row("NLU entity F1 / polarity acc.", f"{nlu['entities']['f1']:.4f} / {nlu['entity_polarity_accuracy']}")
        t.add_row("NLU attribute F1 / polarity acc.",
                  f"{nlu['attributes']['f1']:.4f} / {nlu['attribute_polarity_accuracy']}")
    t.add_row("actions", ", ".join(f"{k} {v:.0%}" for k, v in report["action_shares"].items()))
    t.add_row("strategies (top 4)", ", ".join(f"{k} {v:.0%}" for k, v in list(report["strategy_shares"].items())[:4]))
    pop = report["popularity"]["mean_percentile"]
    t.add_row("popularity percentile of recommendations", "-" if pop is None else f"{pop:.1f}")
    console.print(t)
