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


def _nl_score(agent: Any, sim: Any, pop: Any, seeds: list[int], update: Any = None) -> dict[str, Any]:
    from crs.eval.natural import aggregate, play_episode
    from ui.eval_factories import natural_target

    results = []
    for i, s in enumerate(seeds):
        results.append(play_episode(agent, sim, s, 15, pop, natural_target))
        if update:
            update(i + 1)
    return aggregate(results)


def _replay_score(agent: Any, sim: Any, n: int) -> dict[str, Any]:
    from crs.eval.transfer import play_replay, replay_metrics

    return replay_metrics([play_replay(agent, sim, i) for i in range(n)])


def run_transfer(catalog: str, data_dir: Path | None, dialogues: Path, episodes: int, tune_episodes: int,
                 replay_dialogues: int, thresholds: list[float], seed: int, nlu: str = "learned",
                 log: Callable[[str], None] = lambda m: None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Select the `bayes` threshold on the attribute simulator and on the natural-language
    simulator, then evaluate both choices on held-out NL episodes and on replayed real dialogues."""
    from crs.eval.episodes import evaluate
    from crs.eval.natural import EpisodeJob, components, episode_seeds
    from crs.eval.transfer import select_threshold
    from crs.policy.rules import BayesThreshold
    from simulators.attribute import episodes_from_interactions
    from simulators.replay import ReplaySimulator, load_replay_dialogues
    from ui.cmd_train import policy_env_factory
    from ui.eval_factories import natural_components

    if min(episodes, tune_episodes, replay_dialogues) < 1 or not thresholds:
        raise CRSError("--episodes, --tune-episodes, --dialogues-n must be positive and --thresholds non-empty")
    dd = str(data_dir) if data_dir else None
    job = EpisodeJob(functools.partial(natural_components, catalog, dd, nlu, "bayes", None, 3, seed),
                     key=repr((catalog, dd, nlu, "bayes", None, 3, seed)))
    agent, nsim, pop = components(job)
    cat = agent.catalog
    rsim = ReplaySimulator(load_replay_dialogues(dialogues, cat), cat)
    make = policy_env_factory(cat, episodes_from_interactions(cat, "train"), "attribute")
    t0 = time.perf_counter()

    def attr_score(t: float) -> float:
        pol = BayesThreshold(threshold=t)
        m = evaluate(make(0.0, seed, pol.belief), pol, 300, seed=seed)
        return m["sr_at_15"] + 1e-3 * m["hdcg"]

    tune_seeds, test_seeds = episode_seeds(seed + 1, tune_episodes), episode_seeds(seed, episodes)

    def nl_score(t: float) -> float:
        agent.policy = BayesThreshold(threshold=t)
        m = _nl_score(agent, nsim, pop, tune_seeds)
        return m["sr_at_15"] + 1e-3 * m["hdcg"]  # SR@15, ties broken by hDCG (sooner is better)

    log("selecting on the attribute simulator (300 episodes per threshold; score SR@15 + 0.001 hDCG)")
    t_attr, attr_grid = select_threshold(attr_score, thresholds, log)
    log(f"selecting on the natural-language simulator ({tune_episodes} episodes per threshold)")
    t_nl, nl_grid = select_threshold(nl_score, thresholds, log)
    rows: dict[str, Any] = {}
    for name, t in (("selected_on_attribute", t_attr), ("selected_on_natural", t_nl)):
        same = [r for r in rows.values() if r["threshold"] == t]
        if same:  # both simulators chose the same policy: same figures
            rows[name] = same[0]
            continue
        agent.policy = BayesThreshold(threshold=t)
        log(f"evaluating {name} (threshold {t:g})")
        nl = _nl_score(agent, nsim, pop, test_seeds)
        rows[name] = {"threshold": t, "natural": {k: nl[k] for k in ("sr_at_15", "avg_turns", "hdcg", "action_shares")},
                      "replay": _replay_score(agent, rsim, min(replay_dialogues, len(rsim.dialogues)))}
    log("replaying real dialogues with every threshold of the grid")
    by_threshold = {}
    for t in thresholds:
        agent.policy = BayesThreshold(threshold=t)
        by_threshold[f"{t:g}"] = _replay_score(agent, rsim, min(replay_dialogues, len(rsim.dialogues)))
    a, b = rows["selected_on_attribute"], rows["selected_on_natural"]
    gap = {"natural_sr_at_15": round(b["natural"]["sr_at_15"] - a["natural"]["sr_at_15"], 4),
           "replay_decision_accuracy": _diff(b["replay"], a["replay"], "decision_accuracy"),
           "replay_recall_at_k": _diff(b["replay"], a["replay"], "recall_at_k")}
    report = {"policy_family": "bayes (recommend when top-k mass >= threshold)", "grid": thresholds,
              "attribute_selection": attr_grid, "natural_selection": nl_grid, **rows,
              "replay_by_threshold": by_threshold,
              "gap_natural_minus_attribute": gap, "seconds": round(time.perf_counter() - t0, 1)}
    config = {"catalog": catalog, "data_dir": dd, "dialogues": str(dialogues), "episodes": episodes,
              "tune_episodes": tune_episodes, "replay_dialogues": replay_dialogues, "thresholds": thresholds,
              "seed": seed, "nlu": nlu}
    return report, config


def _diff(b: Mapping[str, Any], a: Mapping[str, Any], key: str) -> float | None:
    return None if b.get(key) is None or a.get(key) is None else round(b[key] - a[key], 4)
