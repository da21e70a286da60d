"""`crs eval replay`: the agent reads real dialogues; its ranked list is scored at every human recommendation."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from crs.errors import CRSError
from ui.cli.common import DataDirOpt, JsonOpt, OutOpt, console, dd, finish, print_json


def eval_replay(
    dialogues: Path = typer.Option(..., "--dialogues", help="ReDial-format JSONL to replay (any file, an official test file too)."),
    catalog: str = typer.Option("redial", "--catalog", "-c", help="redial (the films of ReDial dialogues)."),
    data_dir: Optional[Path] = DataDirOpt,
    limit: Optional[int] = typer.Option(None, "--limit", help="Replay only the first N dialogues."),
    nlu: str = typer.Option("learned", "--nlu", help="learned | rules"),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Recall@1/3/10, SR and RDL of the agent's ranked list at each human recommendation (new films
    only), with the copy and popularity baselines; the agent learns nothing from the replayed file."""
    from crs.catalog.dialogues import read_dialogues
    from crs.config import torch_threads
    from crs.eval.backends import iter_progress
    from crs.eval.leaks import leak_check
    from crs.eval.replay import run_replay
    from ui.cli.factories import build_eval_agent, leak_sources, load_without

    if catalog != "redial":
        raise CRSError("crs eval replay scores ReDial films: use --catalog redial")
    if limit is not None and limit < 1:
        raise CRSError(f"--limit must be positive, got {limit}")
    torch_threads(1)
    ds = read_dialogues(dialogues).dialogues[:limit]
    if not ds:
        raise CRSError(f"no dialogues in {dialogues}")
    cat = load_without(catalog, dd(data_dir), ds)
    agent = build_eval_agent(cat, dd(data_dir), nlu)
    update, close = iter_progress(len(ds), "dialogues") if not as_json else (lambda n: None, lambda: None)
    try:
        report = run_replay(agent, ds, progress=update)
    finally:
        close()
    report["leak_check"] = leak_check(ds, leak_sources(agent))
    report.update({"dialogues": str(dialogues), "catalog": catalog})
    config = {"command": "eval replay", "dialogues": str(dialogues), "catalog": catalog, "data_dir": dd(data_dir),
              "limit": limit, "nlu": nlu}
    if finish("replay", report, config, out, as_json):
        return
    t = Table("ranker", "R@1", "R@3", "R@10", "SR", "RDL",
              title=f"replay of {report['n_dialogues']} dialogues, {report['n_turns']} scored recommender turns "
                    f"(new films only); leak check {report['leak_check']['total']}")
    rows = {"agent": report, **report["baselines"]}
    for name, m in rows.items():
        t.add_row(name, *(f"{m[k]:.4f}" for k in ("recall_at_1", "recall_at_3", "recall_at_10", "sr", "rdl")))
    console.print(t)


def eval_compare(
    report_a: Path = typer.Argument(..., help="JSON report of `crs eval simulate --json` (policy A)."),
    report_b: Path = typer.Argument(..., help="JSON report of the same run with policy B (same --seed, --episodes, goals)."),
    as_json: bool = JsonOpt,
) -> None:
    """Paired difference A − B of SR@15 and average turns on the episodes both reports played (same
    seeds, so the same goals), with paired standard errors."""
    import json

    from crs.eval.paired import paired_difference

    try:
        a, b = (json.loads(p.read_text()) for p in (report_a, report_b))
    except (OSError, ValueError) as e:
        raise CRSError(f"cannot read a report: {e}") from None
    out = paired_difference(a, b)
    if as_json:
        print_json(out)
        return
    console.print(f"{out['policy_a']} − {out['policy_b']} on {out['episodes']} paired episodes: SR@15 "
                  f"{out['sr_a']:.3f} vs {out['sr_b']:.3f}, difference {out['sr_difference']:+.3f} ± "
                  f"{out['sr_difference_se']:.3f} (z {out['sr_z']}); turns {out['turns_difference']:+.2f} ± "
                  f"{out['turns_difference_se']:.2f}")


def eval_policy_features(
    catalog: str = typer.Option("redial", "--catalog", "-c", help="redial | default (goals: ReDial dev dialogues)."),
    data_dir: Optional[Path] = DataDirOpt,
    episodes: int = typer.Option(60, "--episodes", help="Episodes played by the policy to record observations."),
    seed: int = typer.Option(0, "--seed"),
    as_json: bool = JsonOpt,
) -> None:
    """Ablation of what the chat's learned policy reads: share of its decisions that change when each
    observation group is neutralised (target-free users on the dev goals)."""
    from crs.dialogue.chat_env import ChatEnv, ChatEnvConfig
    from crs.eval.policy_features import ablate, record
    from crs.policy.policy import DQNPolicy
    from ui.cli.factories import natural_components

    agent, sim, _ = natural_components(catalog, dd(data_dir), "learned", "dqn-natural", None, 3, seed)
    if not isinstance(agent.policy, DQNPolicy):
        raise CRSError(f"catalog {catalog!r} has no learned chat policy to ablate")
    env = ChatEnv(agent, sim, ChatEnvConfig(n_ask=agent.policy.n_ask, top_k=agent.policy.top_k, observation="candidates"))
    out = ablate(agent.policy, record(env, agent.policy, episodes, seed))
    out.update({"catalog": catalog, "episodes": episodes, "policy": agent.policy.name})
    print_json(out) if as_json else console.print(out)
