"""`crs eval simulate|transfer|realism|order`: simulation-based and dialogue-order evaluations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from crs.errors import CRSError
from ui.cmd_train import policy_env_factory, policy_episodes
from ui.common import DataDirOpt, JsonOpt, OutOpt, console, err_console, load
from ui.eval_commands import finish


def eval_simulate(
    catalog: str = typer.Option("lastfm-star", "--catalog", "-c", help="lastfm-star | redial | default"),
    split: Optional[Path] = typer.Option(None, "--split", help="attribute: {user: [items]} JSON (LastFM* review_dict_*.json) or ReDial JSONL."),
    data_dir: Optional[Path] = DataDirOpt,
    simulator: str = typer.Option("attribute", "--simulator", help="attribute (policy only) | natural (whole chatbot, text only)"),
    policy: Optional[str] = typer.Option(None, "--policy", help="dqn | rules | rules-yes-only | bayes | bayes-cf | always-recommend | random (default: dqn; natural: bayes)"),
    answer_noise: float = typer.Option(0.0, "--answer-noise", help="Probability of flipping each yes/no answer."),
    initiative: float = typer.Option(0.0, "--initiative", help="Probability the user volunteers an attribute on wait."),
    episodes: int = typer.Option(3000, "--episodes"),
    seed: int = typer.Option(0, "--seed"),
    backend: str = typer.Option("local", "--backend", help="natural: local | process | ray"),
    workers: Optional[int] = typer.Option(None, "--workers", help="Worker processes (process / ray backends)."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (default: a local ray.init)."),
    nlu: str = typer.Option("learned", "--nlu", help="natural: learned | rules"),
    policy_path: Optional[Path] = typer.Option(None, "--policy-path", help="natural: a DQN checkpoint file for the agent."),
    top_k: int = typer.Option(3, "--k", help="natural: recommendations per turn."),
    oracle_constraints: bool = typer.Option(False, "--oracle-constraints", help="natural, diagnostic ablation: constraints from the simulator's labels, not the NLU."),
    prior: Optional[str] = typer.Option(None, "--prior", help="attribute: item prior popularity | collaborative (default: the policy's own)."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """MCR evaluation (15 turns): SR@5/10/15, average turns, hDCG, action counts; `--simulator natural`
    drives the whole chatbot in text and adds NLU accuracy, strategies and popularity."""
    import torch

    from crs.dialogue.observe import chat_ask_space
    from crs.policy import load_policy
    from crs.policy.episodes import evaluate
    from ui.eval_commands import finish, print_simulation, simulate_natural

    torch.set_num_threads(1)
    if simulator == "natural":
        report, cfg = simulate_natural(catalog, data_dir, episodes, seed, backend, workers, address, nlu,
                                       policy or "bayes", policy_path, top_k, progress=not as_json,
                                       oracle_constraints=oracle_constraints)
        if not finish("simulate-natural", report, cfg, out, as_json):
            print_simulation(console, report, 15)
        return
    if address or policy_path or oracle_constraints:
        raise CRSError("--address/--policy-path/--oracle-constraints apply to --simulator natural only")
    if split is None:
        raise CRSError("--split is required for --simulator attribute (e.g. LastFM* review_dict_valid.json)")
    policy = policy or "dqn"
    if workers and simulator == "attribute":
        from ui.policy_eval import AttributeJob, evaluate_parallel

        job = AttributeJob(catalog, str(data_dir) if data_dir else None, str(split), policy, answer_noise, initiative, seed, prior)
        m = evaluate_parallel(job, episodes, workers, "ray" if backend == "ray" else "process")
    else:
        cat = load(catalog, data_dir)
        pol = load_policy(cat, policy, space=chat_ask_space(cat)) if policy == "dqn" else load_policy(cat, policy)
        prior = prior or getattr(pol, "prior", "popularity")
        make = policy_env_factory(cat, policy_episodes(cat, data_dir, split, "dev"), simulator, initiative, prior)
        m = evaluate(make(answer_noise, seed, pol.belief), pol, episodes, seed=seed) | {"prior": prior}
    m.update({"policy": policy, "catalog": catalog, "answer_noise": answer_noise, "split": str(split)})
    cfg = {"command": "eval simulate", "simulator": simulator, "catalog": catalog, "split": split, "policy": policy,
           "answer_noise": answer_noise, "initiative": initiative, "episodes": episodes, "seed": seed,
           "prior": m["prior"], "workers": workers}
    if finish("simulate-attribute", m, cfg, out, as_json):
        return
    t = Table("metric", "value")
    for k, v in m.items():
        t.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
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
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """DQN trained on the attribute simulator vs trained through the chat agent on the NL simulator
    (and the shipped bayes rule), each on the NL simulator and on replayed real dialogues (decision
    agreement with the human recommender, Recall@k of the human's movies)."""
    import torch

    from ui.chat_policy import run_transfer

    torch.set_num_threads(1)
    names = tuple(p.strip() for p in policies.split(",") if p.strip())
    paths = {k: str(v) for k, v in (("dqn", dqn_path), ("dqn-natural", dqn_natural_path)) if v is not None}
    log = (lambda m: None) if as_json else (lambda m: err_console.print(m, highlight=False))
    report, cfg = run_transfer(catalog, data_dir, dialogues, episodes, dialogues_n, seed, nlu, names, paths, log)
    if finish("transfer", report, cfg, out, as_json):
        return
    t = Table("policy", "NL SR@15", "NL AT", "replay decision acc.", "rec. precision / recall", "replay Recall@k",
              title="transfer: NL simulator (dev goals) and replayed real dialogues")
    for name, r in report["policies"].items():
        nl, rp = r["natural"], r["replay"]
        t.add_row(name, f"{nl['sr_at_15']:.3f}", f"{nl['avg_turns']:.2f}", str(rp["decision_accuracy"]),
                  f"{rp['recommend_precision']} / {rp['recommend_recall']}", str(rp["recall_at_k"]))
    console.print(t)


def eval_realism(
    simulator: str = typer.Option("natural", "--simulator", help="natural | replay (real train messages: a baseline)."),
    dialogues: Path = typer.Option(..., "--dialogues", help="ReDial-format JSONL whose seeker messages are the real side."),
    n: int = typer.Option(1000, "--n", help="Simulated utterances (the real side is sampled to the same size)."),
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
                         config=NaturalConfig.from_dict(raw), llm=backend)
    r["llm"] = llm
    if finish("realism", r, None, out, as_json):
        return
    t = Table("metric", "simulated", "real", title=f"realism of {simulator} vs {dialogues} ({r['n_per_side']} each)")
    t.add_row("classifier AUC (0.5 = indistinguishable)", f"{r['auc']:.3f} ± {r['auc_std']:.3f}", "")
    for key in ("distinct_1", "distinct_2", "act_entropy", "mean_length"):
        t.add_row(key, f"{r[key]:.3f}", f"{r['real_' + key]:.3f}")
    t.add_row("act JS divergence", f"{r['act_js_divergence']:.3f}", "")
    t.add_row("length Wasserstein (words)", f"{r['length_wasserstein']:.2f}", "")
    console.print(t)


def eval_order(
    dialogues: list[Path] = typer.Option(..., "--dialogues", help="ReDial-format JSONL file (repeatable)."),
    data_dir: Path | None = DataDirOpt,
    context: str = typer.Option("liked", "--context", help="liked (seeker labels give polarity) | all"),
    shuffles: int = typer.Option(5, "--shuffles", help="Shuffled copies per context (averaged)."),
    epochs: int | None = typer.Option(None, "--epochs", help="Override training epochs (if not cached)."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Sequence model on ordered liked entities vs the same model on shuffled order: Recall@10/50."""
    from crs.eval.order import run_order_eval

    log = None if as_json else err_console.print
    r = run_order_eval([str(p) for p in dialogues], data_dir, context, shuffles, epochs, log=log)
    if finish("order", r, None, out, as_json):
        return
    t = Table("context order", "Recall@10", "Recall@50", title=f"order effect on {r['n']} recommender turns")
    for key in ("ordered", "shuffled"):
        t.add_row(key, f"{r[key]['recall_at_10']:.4f}", f"{r[key]['recall_at_50']:.4f}")
    console.print(t)
    e = r["effect"]
    console.print(f"Recall@50 ordered − shuffled: {e['recall_at_50_diff']:+.4f} "
                  f"(95% CI {e['ci95'][0]:+.4f} … {e['ci95'][1]:+.4f}; {e['better_cases']} turns better, "
                  f"{e['worse_cases']} worse)")
