"""`crs eval simulate|transfer|realism`: simulation-based evaluations.

The commands build catalogs, agents and simulators by name (`ui.cli.factories`) and hand them to
the engine's runners: `crs.eval.simulate.run_natural`, `crs.eval.attribute.evaluate_parallel`,
`crs.policy.episodes.evaluate`, `crs.eval.transfer.compare_policies`.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from crs.config import torch_threads
from crs.errors import CRSError
from ui.cli.common import DataDirOpt, JsonOpt, OutOpt, console, dd, finish, load, stderr_log

DEFAULT_POLICIES = ("bayes", "dqn", "dqn-natural")


def eval_simulate(
    catalog: str = typer.Option("lastfm-star", "--catalog", "-c", help="lastfm-star | redial | default"),
    split: Optional[Path] = typer.Option(None, "--split", help="attribute: {user: [items]} JSON (LastFM* review_dict_*.json) or ReDial JSONL."),
    data_dir: Optional[Path] = DataDirOpt,
    simulator: str = typer.Option("attribute", "--simulator", help="attribute (policy only) | natural (whole chatbot, text only)"),
    policy: Optional[str] = typer.Option(None, "--policy", help="dqn | rules | rules-yes-only | bayes | bayes-cf | bayes-cf-mc | always-recommend | random (default: dqn; natural: learned, the chat's default policy)"),
    answer_noise: float = typer.Option(0.0, "--answer-noise", help="Probability of flipping each yes/no answer."),
    initiative: float = typer.Option(0.0, "--initiative", help="Probability the user volunteers an attribute on wait."),
    episodes: int = typer.Option(3000, "--episodes"),
    seed: int = typer.Option(0, "--seed"),
    backend: str = typer.Option("local", "--backend", help="natural: local | process | ray"),
    workers: Optional[int] = typer.Option(None, "--workers", help="Worker processes (process / ray backends)."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (default: a local ray.init)."),
    nlu: str = typer.Option("learned", "--nlu", help="natural: learned | rules"),
    policy_path: Optional[Path] = typer.Option(None, "--policy-path", help="A DQN checkpoint file (natural: for the agent; attribute: for --policy dqn, e.g. one trained with --protocol multi-choice)."),
    top_k: int = typer.Option(3, "--k", help="natural: recommendations per turn."),
    oracle_constraints: bool = typer.Option(False, "--oracle-constraints", help="natural, diagnostic ablation: constraints from the simulator's labels, not the NLU."),
    user_model: str = typer.Option("profile", "--user-model", help="natural: profile (knows only what its real seeker said; default) | oracle (knows its target film)."),
    goals: Optional[Path] = typer.Option(None, "--goals", help="natural: ReDial-format JSONL the users take their goals from (default: the dev part of the ReDial train dialogues); nothing the agent or the user learns from contains them."),
    review_query: bool = typer.Option(False, "--review-query", help="natural, ablation: enrich the ranking query with aligned reviews of the liked films (RevCore; off in the chat)."),
    prior: Optional[str] = typer.Option(None, "--prior", help="attribute: item prior popularity | collaborative (default: the policy's own)."),
    protocol: str = typer.Option("binary", "--protocol", help="attribute: binary (yes/no on one value, EAR/SCPR/UNICORN) | multi-choice (several values of one type per question, multi-interest users; MCMIPL/SAPIENT)."),
    choices: int = typer.Option(2, "--choices", help="multi-choice: values offered per question."),
    targets: int = typer.Option(3, "--targets", help="multi-choice: target items per user at most."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """MCR evaluation (15 turns): SR@5/10/15, average turns, hDCG, action counts; `--simulator natural`
    drives the whole chatbot in text and adds NLU accuracy, strategies and popularity."""
    torch_threads(1)
    if simulator == "natural":
        report, cfg = simulate_natural(catalog, data_dir, episodes, seed, backend, workers, address, nlu,
                                       policy or "learned", policy_path, top_k, progress=not as_json,
                                       oracle_constraints=oracle_constraints, user_model=user_model, goals=goals,
                                       review_query=review_query)
        if not finish("simulate-natural", report, cfg, out, as_json):
            print_simulation(console, report, 15)
        return
    if address or oracle_constraints or goals or review_query:
        raise CRSError("--address/--oracle-constraints/--goals/--review-query apply to --simulator natural only")
    if policy_path is not None and (policy or "dqn") != "dqn":
        raise CRSError("--policy-path is a DQN checkpoint: use it with --policy dqn")
    if split is None:
        raise CRSError("--split is required for --simulator attribute (e.g. LastFM* review_dict_valid.json)")
    policy = policy or "dqn"
    if protocol not in ("binary", "multi-choice"):
        raise CRSError(f"unknown --protocol {protocol!r}; valid: binary, multi-choice")
    if protocol == "multi-choice":
        if workers or initiative:
            raise CRSError("--workers and --initiative apply to --protocol binary only")
        m = _simulate_multi_choice(catalog, data_dir, split, policy, answer_noise, episodes, seed, prior, choices, targets,
                                   policy_path)
    else:
        if workers and policy_path:
            raise CRSError("--policy-path with --workers is not supported; run without --workers")
        m = _simulate_attribute(catalog, data_dir, split, simulator, policy, answer_noise, initiative, episodes, seed,
                                prior, workers, backend, policy_path)
    m.update({"policy": policy, "catalog": catalog, "answer_noise": answer_noise, "split": str(split), "protocol": protocol})
    cfg = {"command": "eval simulate", "simulator": simulator, "catalog": catalog, "split": split, "policy": policy,
           "answer_noise": answer_noise, "initiative": initiative, "episodes": episodes, "seed": seed,
           "prior": m["prior"], "workers": workers, "protocol": protocol,
           **({"choices": choices, "targets": targets} if protocol == "multi-choice" else {})}
    if finish("simulate-attribute", m, cfg, out, as_json):
        return
    t = Table("metric", "value")
    for k, v in m.items():
        t.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
    console.print(t)


def _simulate_multi_choice(catalog: str, data_dir: Path | None, split: Path, policy: str, answer_noise: float,
                           episodes: int, seed: int, prior: str | None, choices: int, targets: int,
                           policy_path: Path | None = None) -> dict[str, Any]:
    """The policy under the multi-choice protocol (`ui.cli.factories.multi_choice_env_factory`)."""
    from crs.dialogue.observe import chat_ask_space
    from crs.policy import load_policy
    from crs.policy.episodes import evaluate
    from ui.cli.factories import multi_choice_env_factory, policy_episodes

    cat = load(catalog, data_dir)
    pol = (load_policy(cat, policy, space=chat_ask_space(cat), path=policy_path) if policy == "dqn"
           else load_policy(cat, policy))
    prior = prior or pol.prior
    make = multi_choice_env_factory(cat, policy_episodes(cat, data_dir, split, "dev"), prior, choices=choices,
                                    n_targets=targets, seed=seed)
    return evaluate(make(answer_noise, seed, pol.belief), pol, episodes, seed=seed) | {"prior": prior}


def _simulate_attribute(catalog: str, data_dir: Path | None, split: Path, simulator: str, policy: str,
                        answer_noise: float, initiative: float, episodes: int, seed: int, prior: str | None,
                        workers: int | None, backend: str, policy_path: Path | None = None) -> dict[str, Any]:
    """The policy against the attribute simulator: chunks over a process pool with `workers`, else here."""
    from crs.dialogue.observe import chat_ask_space
    from crs.policy import load_policy
    from crs.policy.episodes import evaluate
    from ui.cli.factories import AttributeJob, env_factory, policy_episodes

    if workers and simulator == "attribute":
        from crs.eval.attribute import evaluate_parallel

        job = AttributeJob(catalog, dd(data_dir), str(split), policy, answer_noise, initiative, seed, prior)
        return evaluate_parallel(job, episodes, workers, "ray" if backend == "ray" else "process")
    cat = load(catalog, data_dir)
    pol = (load_policy(cat, policy, space=chat_ask_space(cat), path=policy_path) if policy == "dqn"
           else load_policy(cat, policy))
    prior = prior or pol.prior
    make = env_factory(cat, policy_episodes(cat, data_dir, split, "dev"), simulator, prior, initiative=initiative,
                       hold_out=False)
    return evaluate(make(answer_noise, seed, pol.belief), pol, episodes, seed=seed) | {"prior": prior}


def simulate_natural(catalog: str, data_dir: Path | None, episodes: int, seed: int, backend: str = "local",
                     workers: int | None = None, address: str | None = None, nlu: str = "learned",
                     policy: str = "learned", policy_path: Path | None = None, k: int = 3, max_turns: int = 15,
                     progress: bool = True, oracle_constraints: bool = False, user_model: str = "profile",
                     goals: Path | None = None, review_query: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the chatbot against the natural-language simulator; returns (report, resolved config)."""
    from crs.eval.simulate import run_natural
    from simulators.profile import target_of as profile_target
    from ui.cli.factories import natural_components, natural_target, simulation_leak_check

    pp = str(policy_path) if policy_path else None
    gp = str(goals) if goals else None
    if catalog not in ("redial", "default") and user_model == "profile" and gp is None:
        user_model = "oracle"  # no real dialogues map onto other catalogs (ReDial films map onto default by title)
    factory = functools.partial(natural_components, catalog, dd(data_dir), nlu, policy, pp, k, seed, None, gp,
                                user_model, review_query)
    target = profile_target if user_model == "profile" else natural_target
    report, timing = run_natural(factory, repr((catalog, dd(data_dir), nlu, policy, pp, k, seed, gp, user_model, review_query)),
                                 episodes, seed, backend, workers, address, max_turns, target, oracle_constraints,
                                 progress, simulation_leak_check(dd(data_dir), gp))
    report.update({"simulator": "natural", "user_model": user_model, "goals": gp or "redial train dialogues, dev part",
                   "catalog": catalog, "policy": pp or policy, "k": k, "seed": seed,
                   "oracle_constraints": oracle_constraints, "review_query": review_query})
    config = {"command": "eval simulate", "simulator": "natural", "catalog": catalog, "data_dir": dd(data_dir),
              "episodes": episodes, "seed": seed, "backend": backend, "workers": workers, "address": address,
              "nlu": nlu, "policy": policy, "policy_path": pp, "k": k, "max_turns": max_turns, "timing": timing,
              "oracle_constraints": oracle_constraints, "user_model": user_model, "goals": gp,
              "review_query": review_query}
    return report, config


def print_simulation(console: Console, report: Mapping[str, Any], max_turns: int) -> None:
    um = report.get("user_model", "oracle")
    t = Table("metric", "value", title=f"natural-language simulation, {report['episodes']} episodes, "
              f"user model: {um}{' (knows its target)' if um == 'oracle' else ''}")
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
    if "leak_check" in report:
        t.add_row("leak check (goal dialogues found in training sources)", str(report["leak_check"].get("total")))
    console.print(t)


def eval_transfer(
    dialogues: Path = typer.Option(..., "--dialogues", help="Real dialogues to replay (ReDial JSONL, UniCRS JSONL or INSPIRED tsv)."),
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Catalog (redial)."),
    data_dir: Optional[Path] = DataDirOpt,
    episodes: int = typer.Option(60, "--episodes", help="Natural-language episodes per policy (dev goals of the ReDial train split)."),
    dialogues_n: int = typer.Option(60, "--dialogues-n", help="Replayed dialogues per policy."),
    policies: str = typer.Option("bayes,dqn,dqn-natural", "--policies", help="Comma-separated: bayes (shipped rule), dqn (attribute-trained), dqn-natural, or any policy name."),
    dqn_path: Optional[Path] = typer.Option(None, "--dqn-path", help="Checkpoint for `dqn` (default: the catalog's attribute-trained one)."),
    dqn_natural_path: Optional[Path] = typer.Option(None, "--dqn-natural-path", help="Checkpoint for `dqn-natural` (default: the catalog's NL-trained one)."),
    seed: int = typer.Option(0, "--seed"),
    nlu: str = typer.Option("learned", "--nlu", help="learned | rules"),
    goals: Optional[Path] = typer.Option(None, "--goals", help="Goal dialogues of the simulated users (ReDial JSONL; default the dev part of the ReDial train split); the agent learns nothing from them."),
    user_model: str = typer.Option("profile", "--user-model", help="profile (target-free, default) | oracle (knows its target)."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """DQN trained on the attribute simulator vs trained through the chat agent on the NL simulator
    (and the shipped bayes rule), each on the NL simulator and on replayed real dialogues (decision
    agreement with the human recommender, Recall@k of the human's movies)."""
    torch_threads(1)
    names = tuple(p.strip() for p in policies.split(",") if p.strip())
    paths = {k: str(v) for k, v in (("dqn", dqn_path), ("dqn-natural", dqn_natural_path)) if v is not None}
    report, cfg = run_transfer(catalog, data_dir, dialogues, episodes, dialogues_n, seed, nlu, names, paths,
                               stderr_log(not as_json), goals, user_model)
    if finish("transfer", report, cfg, out, as_json):
        return
    t = Table("policy", "NL SR@15", "NL AT", "replay decision acc.", "rec. precision / recall", "replay Recall@k",
              title=f"transfer: simulated users ({user_model}, leak check {report['leak_check_total']}) and replayed real dialogues")
    for name, r in report["policies"].items():
        nl, rp = r["natural"], r["replay"]
        t.add_row(name, f"{nl['sr_at_15']:.3f}", f"{nl['avg_turns']:.2f}", str(rp["decision_accuracy"]),
                  f"{rp['recommend_precision']} / {rp['recommend_recall']}", str(rp["recall_at_k"]))
    console.print(t)


def run_transfer(catalog: str, data_dir: Path | None, dialogues: Path, episodes: int, replay_dialogues: int, seed: int,
                 nlu: str = "learned", policies: tuple[str, ...] = DEFAULT_POLICIES,
                 paths: dict[str, str] | None = None, log: Callable[[str], None] = lambda m: None,
                 goals: Path | None = None, user_model: str = "profile") -> tuple[dict[str, Any], dict[str, Any]]:
    """`crs eval transfer`: each policy in the same agent on simulated users whose goals come from
    `goals` (default the dev part of the ReDial train split), the agent and the users built without
    them (`natural_components`), and on replayed real dialogues (`crs.eval.transfer.compare_policies`).
    `leak_check` per policy counts goal dialogues in the agent's sources, the grammar and the policy's
    training goals."""
    from crs.dialogue.build import with_policy
    from crs.eval.transfer import check_policies, compare_policies
    from simulators.profile import target_of as profile_target
    from simulators.replay import ReplaySimulator, load_replay_dialogues
    from ui.cli.factories import natural_components, natural_target, simulation_leak_check

    if min(episodes, replay_dialogues) < 1 or not policies:
        raise CRSError("--episodes and --dialogues-n must be positive and --policies non-empty")
    gp = str(goals) if goals else None
    base, nsim, cat = natural_components(catalog, dd(data_dir), nlu, "bayes", None, 3, seed, None, gp, user_model)
    check_policies(base, policies, paths or {})
    rsim = ReplaySimulator(load_replay_dialogues(dialogues, cat), cat)
    n_replay = min(replay_dialogues, len(rsim.dialogues))
    t0 = time.perf_counter()
    target = profile_target if user_model == "profile" else natural_target
    report = compare_policies(base, policies, paths or {}, nsim, rsim, episodes, n_replay, seed, target, log)
    check = simulation_leak_check(dd(data_dir), gp)
    for name, row in report["policies"].items():
        row["leak_check"] = check(with_policy(base, name, (paths or {}).get(name)), nsim)
    report.update({"seconds": round(time.perf_counter() - t0, 1), "user_model": user_model,
                   "nl_goals": gp or "dev part of crs.catalog.dialogues.redial_train_dev (ReDial train files, 0.2, seed 0)",
                   "replay_file": str(dialogues), "replayed_dialogues": n_replay,
                   "leak_check_total": sum(r["leak_check"]["total"] for r in report["policies"].values())})
    config = {"catalog": catalog, "data_dir": dd(data_dir), "dialogues": str(dialogues), "episodes": episodes,
              "replay_dialogues": replay_dialogues, "seed": seed, "nlu": nlu, "policies": list(policies),
              "paths": paths or {}, "goals": gp, "user_model": user_model}
    return report, config
def eval_realism(
    simulator: str = typer.Option("natural", "--simulator", help="natural | replay (real train messages: a baseline)."),
    dialogues: Path = typer.Option(..., "--dialogues", help="ReDial-format JSONL whose seeker messages are the real side."),
    user_model: str = typer.Option("profile", "--user-model", help="natural: profile (target-free, default) | oracle (knows its target)."),
    harness: str = typer.Option("scripted", "--harness", help="What the simulated user answers: scripted (random asks, waits, "
                                "suggestions) | replay (profile user: its own dialogue's human recommender moves)."),
    n: int = typer.Option(1000, "--n", help="Simulated utterances (the real side is sampled to the same size)."),
    units: str = typer.Option("auto", "--units", help="auto | messages (simulated turns cut into chat messages at the "
                              "rate of message-level training dialogues) | turns. auto: as the evaluated file keeps them."),
    seed: int = typer.Option(0, "--seed"),
    data_dir: Optional[Path] = DataDirOpt,
    config: Optional[Path] = typer.Option(None, "--config", help="JSON file of NaturalConfig fields."),
    llm: str = typer.Option("none", "--llm", help="Paraphrase backend: none | smollm2 | openai:URL[#model]."),
    paraphrase_prob: float = typer.Option(0.5, "--paraphrase-prob", help="Share of utterances paraphrased when --llm is set."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Realism of simulated seeker utterances vs the file's real ones: classifier AUC, distinct-n, acts, lengths."""
    from crs.embed import shared_encoder
    from simulators.latent import NaturalConfig
    from simulators.realism import evaluate_realism

    raw = {}
    if config is not None:
        try:
            raw = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise typer.BadParameter(f"--config {config}: {e}") from None
    backend = None
    if llm != "none":
        from crs.llm import build_llm

        backend = build_llm(llm)
        raw = {**raw, "paraphrase_prob": paraphrase_prob}
    cat = load("redial", data_dir)
    r = evaluate_realism(cat, dialogues, shared_encoder().encode, simulator, n=n, seed=seed, data_dir=data_dir,
                         config=NaturalConfig.from_dict(raw), llm=backend, user_model=user_model, harness=harness,
                         units=units)
    r["llm"] = llm
    if finish("realism", r, None, out, as_json):
        return
    who = f"{simulator} ({user_model})" if simulator == "natural" else simulator
    t = Table("metric", "simulated", "real", title=f"realism of {who} vs {dialogues} ({r['n_per_side']} each)")
    t.add_row("classifier AUC (0.5 = indistinguishable)", f"{r['auc']:.3f} ± {r['auc_std']:.3f}", "")
    for key in ("distinct_1", "distinct_2", "act_entropy", "mean_length"):
        t.add_row(key, f"{r[key]:.3f}", f"{r['real_' + key]:.3f}")
    t.add_row("act JS divergence", f"{r['act_js_divergence']:.3f}", "")
    t.add_row("length Wasserstein (words)", f"{r['length_wasserstein']:.2f}", "")
    if r.get("split_rate") is not None:
        t.add_row(f"units: messages (cut rate {r['split_rate']:.2f})", f"{r['sim_messages_per_turn']:.2f} per turn",
                  f"{r['split_rate_messages_per_turn']:.2f} per turn")
    console.print(t)
    if r.get("units_note"):
        console.print(f"[dim]units: turns ({r['units_note']})[/dim]")
