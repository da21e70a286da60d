"""`crs bench all`: run every benchmark command and regenerate the auto-generated block of
docs/BENCHMARKS.md (machine, exact commands, key figures). Hand-written sections of the file are
kept: only the text between `BEGIN` and `END` markers is replaced (appended if missing).

Each benchmark runs as its own `crs ... --json` subprocess (isolated memory, exact command
recorded); a failing benchmark is reported in the block instead of stopping the others.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BEGIN = "<!-- BEGIN AUTO-GENERATED: crs bench all (do not edit by hand; `make bench` rewrites it) -->"
END = "<!-- END AUTO-GENERATED: crs bench all -->"


@dataclass(frozen=True)
class Bench:
    name: str
    args: tuple[str, ...]
    summary: Callable[[list[dict[str, Any]]], dict[str, Any]]
    isolated_cache: bool = False
    """Run with a throw-away cache dir (training writes checkpoints: keep the real ones)."""
    timing: bool = False
    """Add `--out TMP` and read the run's timing (build / episode phase) from its config file."""


def _pick(keys: tuple[str, ...]) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
    def pick(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {f"{k}": _fmt(r.get(k)) for r in rows[-1:] for k in keys}
    return pick


def _fmt(v: Any) -> Any:
    return f"{v:.4g}" if isinstance(v, float) else v


def _retrieval(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r in rows:
        n = r.get("items")
        out[f"{n} items: build s / RSS MB"] = f"{r.get('build_s', 0):.1f} / {r.get('rss_mb', 0):.0f}"
        for key in ("lexical", "dense", "hybrid_filtered"):
            m = r.get(key) or {}
            out[f"{n} items: {key} p50 / p99 ms"] = f"{m.get('p50_ms', 0):.2f} / {m.get('p99_ms', 0):.2f}"
    return out


def benchmarks(data_dir: Path | None, full: bool) -> list[Bench]:
    """The benchmark commands (short by default; `full` adds the 1M retrieval run and longer runs)."""
    dd = ("--data-dir", str(data_dir)) if data_dir else ()
    n_nat = "60" if full else "16"
    natural = ("eval", "simulate", "--simulator", "natural", "--catalog", "redial", *dd, "--episodes", n_nat,
               "--seed", "0", "--backend", "process", "--json")
    lastfm_valid = str(Path(data_dir or "../shared/data") / "lastfm-star" / "UI_Interaction_data" / "review_dict_valid.json")
    return [
        Bench("retrieval (synthetic catalog)", ("bench", "retrieval", "--items", "100000,1M" if full else "100000",
                                                "--queries", "200" if full else "100", "--json"), _retrieval),
        Bench("agent turn latency (ReDial catalog, no LLM)", ("bench", "turn", "--catalog", "redial", *dd,
                                                              "--turns", "300" if full else "100", "--json"),
              _pick(("items", "p50_ms", "p99_ms", "turns", "build_s"))),
        Bench("natural-language simulator alone", ("bench", "simulator", "--catalog", "redial", *dd,
                                                   "--episodes", "2000" if full else "500", "--json"),
              _pick(("episodes_per_s", "turns_per_s", "turns_per_episode"))),
        Bench("attribute simulator + rule policy (LastFM* valid)", ("eval", "simulate", "--catalog", "lastfm-star", *dd,
              "--split", lastfm_valid, "--policy", "rules", "--episodes", "1000" if full else "300", "--json"),
              _pick(("episodes_per_s", "sr_at_15", "avg_turns"))),
        Bench("full pipeline, natural simulator, process pool 1 worker", (*natural, "--workers", "1"), _pick(()),
              timing=True),
        Bench("full pipeline, natural simulator, process pool 2 workers", (*natural, "--workers", "2"), _pick(()),
              timing=True),
        Bench("DQN policy training (LastFM*, attribute simulator)", ("train", "policy", "--catalog", "lastfm-star", *dd,
              "--minutes", "2" if full else "0.5", "--json"), _pick(("steps", "episodes", "seconds")),
              isolated_cache=True),
    ]


def run_one(b: Bench, command: Sequence[str], log: Callable[[str], None]) -> dict[str, Any]:
    """Run one benchmark as `command + b.args` (`command`: how to start the `crs` command)."""
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"), TOKENIZERS_PARALLELISM="false")
    tmp = tempfile.mkdtemp(prefix="crs-bench-cache-") if b.isolated_cache else None
    if tmp:
        env["CRS_CACHE_DIR"] = tmp
    outdir = tempfile.mkdtemp(prefix="crs-bench-out-") if b.timing else None
    extra = ("--out", outdir) if outdir else ()
    log(f"running: crs {' '.join(b.args)}")
    t0 = time.perf_counter()
    try:
        p = subprocess.run([*command, *b.args, *extra], capture_output=True, text=True, env=env, check=False,
                           timeout=3600)
        rows = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
        if outdir and rows:
            cfg = next(Path(outdir).glob("*.config.json"), None)
            rows[-1]["timing"] = json.loads(cfg.read_text()).get("timing") if cfg else None
    finally:
        for d in (tmp, outdir):
            if d:
                shutil.rmtree(d, ignore_errors=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0 or not rows:
        err = (p.stderr.strip().splitlines() or ["no output"])[-1][:300]
        return {"name": b.name, "args": b.args, "wall_s": wall, "error": f"exit {p.returncode}: {err}"}
    return {"name": b.name, "args": b.args, "wall_s": wall, "rows": rows, "summary": b.summary(rows)}


def _natural_row(r: dict[str, Any]) -> dict[str, Any]:
    rep = r["rows"][-1]
    return {"episodes": rep.get("episodes"), "SR@15": round(rep.get("sr_at_15", 0), 3)}


def render(results: list[dict[str, Any]], machine: dict[str, Any], full: bool) -> str:
    lines = [BEGIN, "", f"## Auto-generated benchmarks ({'full' if full else 'short'} run of `crs bench all`)", "",
             (f"Machine: {machine['cpus']} CPUs, {machine.get('mem_gib', '?')} GiB RAM, no GPU; Python {machine['python']}; "
             f"{machine['platform']}; commit {machine['commit']}; {machine['time']}; load average at start "
             f"{machine.get('load', '?')} (a shared machine: timings are inflated by other jobs)."), ""]
    workers: dict[str, float] = {}
    for r in results:
        lines += [f"### {r['name']}", "", f"`crs {' '.join(r['args'])}` (wall {r['wall_s']:.0f} s)", ""]
        if "error" in r:
            lines += [f"FAILED: {r['error']}", ""]
            continue
        summary = dict(r["summary"])
        if r["args"][:2] == ("eval", "simulate") and "natural" in r["args"]:
            summary.update(_natural_row(r))
            workers[r["args"][-1]] = _episodes_per_s(r)
            summary["episodes/s (without build)"] = round(workers[r["args"][-1]], 3)
        lines += ["| figure | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in summary.items()), ""]
    if workers.get("1") and workers.get("2"):
        lines += [(f"Process-pool scaling 1 → 2 workers: **×{workers['2'] / workers['1']:.2f}** "
                  "(target ≥ 1.7; on a shared 2-core machine the second worker competes with other jobs)."), ""]
    lines += [END]
    return "\n".join(lines)


def _episodes_per_s(r: dict[str, Any]) -> float:
    """Episodes/s of the episode phase: `run_s` from the report's timing when present, else wall."""
    rep = r["rows"][-1]
    eps = float(rep.get("episodes", 0))
    run_s = (rep.get("timing") or {}).get("run_s")
    return eps / run_s if run_s else eps / r["wall_s"]


def machine_info() -> dict[str, Any]:
    from crs.eval.report import environment

    m = environment()
    try:
        m["load"] = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        m["mem_gib"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    except (OSError, ValueError, AttributeError):
        pass
    return m


def update_file(path: Path, block: str) -> None:
    """Replace the auto-generated block of `path` (or append it); the rest of the file is kept."""
    from crs.config import atomic_write_bytes

    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def bench_all(out: Path, data_dir: Path | None, full: bool, command: Sequence[str], only: tuple[str, ...] = (),
              log: Callable[[str], None] = lambda m: None) -> list[dict[str, Any]]:
    """Run the benchmarks (`only`: those whose name contains one of these) with `command` (the `crs`
    executable, given by the caller) and rewrite the auto-generated block of `out`."""
    machine = machine_info()
    chosen = [b for b in benchmarks(data_dir, full) if not only or any(o in b.name for o in only)]
    results = [run_one(b, command, log) for b in chosen]
    update_file(out, render(results, machine, full))
    return results
