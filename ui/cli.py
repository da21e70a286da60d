"""The `crs` command: the composition root. The only module that imports every package.

It picks catalogs, simulators, policies and front ends by name and hands them to the engine.
Sub-commands: data, eval, train, bench, chat, demo.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from crs.errors import CRSError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="crs: offline-first conversational recommender.")
data_app = typer.Typer(no_args_is_help=True, help="Catalogs and data sets.")
eval_app = typer.Typer(no_args_is_help=True, help="Evaluation runs (JSON reports with --json).")
train_app = typer.Typer(no_args_is_help=True, help="Train learned components (outputs go to the cache directory).")
bench_app = typer.Typer(no_args_is_help=True, help="Speed and memory benchmarks.")
app.add_typer(data_app, name="data")
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")
app.add_typer(bench_app, name="bench")

console = Console()
err_console = Console(stderr=True)

CatalogOpt = typer.Option("default", "--catalog", "-c", help="default | redial | lastfm-star | jsonl")
DataDirOpt = typer.Option(None, "--data-dir", help="Real-data directory (else $CRS_DATA_DIR, else ../shared/data).")
PathOpt = typer.Option(None, "--path", help="Catalog file for --catalog jsonl.")
JsonOpt = typer.Option(False, "--json", help="Print one JSON object instead of tables.")
OutOpt = typer.Option(None, "--out", help="Write the JSON report, resolved config and PNG plots to this folder.")


def _load(catalog: str, data_dir: Optional[Path], path: Optional[Path] = None):  # type: ignore[no-untyped-def]
    from crs.catalog import load_catalog

    return load_catalog(catalog, data_dir=data_dir, path=path)


def _print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, default=_json_default) + "\n")
    sys.stdout.flush()


def _json_default(o: object) -> object:
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


@data_app.command("info")
def data_info(
    catalog: str = CatalogOpt,
    data_dir: Optional[Path] = DataDirOpt,
    path: Optional[Path] = PathOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Item count, attributes with value counts, share of items with text, interaction count."""
    from crs.catalog import summary

    s = summary(_load(catalog, data_dir, path))
    if as_json:
        _print_json({k: s[k] for k in ("catalog", "items", "attributes", "with_text", "interactions")})
        return
    _print_summary(s)


def _print_summary(s: dict) -> None:
    console.print(f"[bold]{s['catalog']}[/]: {s['items']:,} items, {s['with_text']:.1%} with text, "
                  f"{s['interactions']:,} interactions from {s['users']:,} users")
    t = Table("attribute", "kind", "values", "coverage", "most common")
    for name, d in s["details"].items():
        top = ", ".join(f"{k} ({n})" for k, n in d["top"][:4])
        t.add_row(name, d["kind"], f"{s['attributes'][name]:,}", f"{d['coverage']:.0%}", top)
    console.print(t)


@app.command("demo")
def demo(
    catalog: str = CatalogOpt,
    data_dir: Optional[Path] = DataDirOpt,
    port: int = typer.Option(7860, "--port", help="Port for the web demo."),
) -> None:
    """Prepare the catalog and launch the chat demo (Gradio, http://127.0.0.1:PORT)."""
    from crs.agent import AgentConfig, build_agent
    from ui.gradio_app import build_demo

    err_console.print(f"loading the {catalog} catalog and building indexes (first run: a few minutes)…")
    agent = build_agent(AgentConfig(catalog=catalog, data_dir=str(data_dir) if data_dir else None))
    agent.warm_up()  # load the lazy models now, not on the first visitor's message
    err_console.print(f"ready: {len(agent.catalog):,} items; open http://127.0.0.1:{port}")
    build_demo(agent).launch(server_name="127.0.0.1", server_port=port, show_error=True)


@bench_app.command("retrieval")
def bench_retrieval(
    items: str = typer.Option("100000", "--items", help="Catalog sizes, comma-separated (e.g. 100000,1M)."),
    queries: int = typer.Option(200, "--queries", help="Single queries timed per size."),
    seed: int = typer.Option(0, "--seed", help="Seed of the synthetic catalog."),
    rank_bm25: bool = typer.Option(True, "--rank-bm25/--no-rank-bm25", help="Time rank-bm25 (on <= 100k docs)."),
    as_json: bool = JsonOpt,
) -> None:
    """Retrieval at scale on synthetic catalogs: build time, memory, p50/p99 latency, recall@100."""
    from crs.retrieval.bench import bench_size, parse_sizes

    sizes = parse_sizes(items)
    if queries < 10:
        raise typer.BadParameter("--queries must be at least 10")
    for n in sizes:
        r = bench_size(n, queries, seed=seed, rank_bm25=rank_bm25, log=lambda m: err_console.print(m, highlight=False))
        if as_json:
            _print_json(r)
            continue
        t = Table("search", "p50 ms", "p99 ms", "cpu p50", "cpu p99", "recall@100", title=f"{n:,} items: build {r['build_s']:.1f}s, "
                  f"RSS {r['rss_mb']:.0f} MB, dense index {r['dense_index']}")
        for key in ("lexical", "dense", "hybrid_filtered"):
            m = r[key]
            rec = "-" if m["recall_at_100"] is None else f"{m['recall_at_100']:.3f}"
            t.add_row(key, *(f"{m[c]:.2f}" for c in ("p50_ms", "p99_ms", "cpu_p50_ms", "cpu_p99_ms")), rec)
        console.print(t)
        if "rank_bm25_speedup" in r:
            console.print(f"rank-bm25: {r['rank_bm25_ms']:.1f} ms/query ({r['rank_bm25_basis']}); "
                          f"lexical speed-up x{r['rank_bm25_speedup']:.0f}")


@app.command("chat")
def chat(
    catalog: str = CatalogOpt,
    data_dir: Optional[Path] = DataDirOpt,
    user: str = typer.Option("", "--user", help="User id (returning users get their history)."),
    session: Optional[str] = typer.Option(None, "--session", help="Resume a session by id."),
    store: Optional[Path] = typer.Option(None, "--store", help="SQLite store (default: cache dir/chat.db)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per turn (reply, action, recommendations, state)."),
    policy: str = typer.Option("bayes", "--policy", help="bayes | rules | dqn (a trained checkpoint)."),
    llm: str = typer.Option("none", "--llm", help="none | smollm2 | openai:URL[#model]: grounded paraphrase."),
) -> None:
    """Chat in the terminal; with piped stdin, one message per line."""
    from crs.agent import AgentConfig, build_agent
    from ui.terminal import chat as run_chat

    agent = build_agent(AgentConfig(catalog=catalog, data_dir=str(data_dir) if data_dir else None,
                                    store=str(store) if store else None, policy=policy, llm=llm))
    run_chat(agent, user_id=user, session_id=session, as_json=as_json)


@bench_app.command("turn")
def bench_turn(
    items: Optional[str] = typer.Option(None, "--items", help="Synthetic catalog size (e.g. 1M); default: the --catalog."),
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Catalog when --items is not given."),
    data_dir: Optional[Path] = DataDirOpt,
    turns: int = typer.Option(300, "--turns", help="Timed turns."),
    nlu: str = typer.Option("learned", "--nlu", help="learned | rules (see AgentConfig.nlu)."),
    as_json: bool = JsonOpt,
) -> None:
    """Latency of one agent turn without an LLM (p50/p99 ms) on a real or synthetic catalog."""
    from crs.agent_bench import run_bench

    if turns < 20:
        raise typer.BadParameter("--turns must be at least 20")
    r = run_bench(catalog=catalog, data_dir=str(data_dir) if data_dir else None, items=items, turns=turns,
                  nlu=nlu, log=lambda m: err_console.print(m, highlight=False))
    if as_json:
        _print_json(r)
        return
    console.print(f"{r['items']:,} items ({r['catalog']}, {nlu} NLU): one turn p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms "
                  f"over {r['turns']} turns (build {r['build_s']:.1f} s)")


@eval_app.command("realism")
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
    cat = _load("redial", data_dir)
    r = evaluate_realism(cat, dialogues, shared_encoder().encode, simulator, n=n, seed=seed, data_dir=data_dir,
                         config=NaturalConfig.from_dict(raw), llm=backend)
    r["llm"] = llm
    from ui.eval_commands import finish

    if finish("realism", r, None, out, as_json):
        return
    t = Table("metric", "simulated", "real", title=f"realism of {simulator} vs {dialogues} ({r['n_per_side']} each)")
    t.add_row("classifier AUC (0.5 = indistinguishable)", f"{r['auc']:.3f} ± {r['auc_std']:.3f}", "")
    for key in ("distinct_1", "distinct_2", "act_entropy", "mean_length"):
        t.add_row(key, f"{r[key]:.3f}", f"{r['real_' + key]:.3f}")
    t.add_row("act JS divergence", f"{r['act_js_divergence']:.3f}", "")
    t.add_row("length Wasserstein (words)", f"{r['length_wasserstein']:.2f}", "")
    console.print(t)


@train_app.command("sequence")
def train_sequence(
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Only redial: sequences come from ReDial dialogues."),
    data_dir: Path | None = DataDirOpt,
    epochs: int | None = typer.Option(None, "--epochs", help="Override the number of epochs."),
    force: bool = typer.Option(False, "--force", help="Retrain even if a cached model exists."),
    as_json: bool = JsonOpt,
) -> None:
    """Train the order-aware sequence model on the train split of the ReDial train dialogues."""
    from dataclasses import asdict, replace

    from crs.config import data_dir as resolve_data_dir
    from crs.ranking.sequence import SequenceConfig, redial_train_split, train_or_load

    if catalog != "redial":
        raise CRSError(f"the sequence model is trained on ReDial dialogues: use --catalog redial (got {catalog!r})")
    cat = _load(catalog, data_dir)
    train, dev = redial_train_split(resolve_data_dir(data_dir) or "")
    config = SequenceConfig() if epochs is None else replace(SequenceConfig(), epochs=epochs)
    log = None if as_json else err_console.print
    model, path, trained = train_or_load(cat, train, config, force=force, log=log)
    out = {"path": str(path), "trained_now": trained, "train_dialogues": len(train), "dev_dialogues": len(dev),
           "config": asdict(config), "history": model.history}
    if as_json:
        _print_json(out)
        return
    console.print(f"sequence model {'trained' if trained else 'loaded from cache'}: {path}")


@eval_app.command("order")
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
    from crs.ranking.order_eval import run_order_eval

    log = None if as_json else err_console.print
    r = run_order_eval([str(p) for p in dialogues], data_dir, context, shuffles, epochs, log=log)
    from ui.eval_commands import finish

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


def _policy_episodes(cat, data_dir: Optional[Path], split: Optional[Path], part: str):  # type: ignore[no-untyped-def]
    """Episodes of the attribute simulator: --split FILE, else LastFM*'s train/valid split, else interactions."""
    from simulators.attribute import episodes_from_interactions, load_episodes

    if split is not None:
        return load_episodes(split, cat)
    if cat.name == "lastfm-star":
        name = "review_dict_train.json" if part == "train" else "review_dict_valid.json"
        return load_episodes(Path(cat.meta["root"]) / "UI_Interaction_data" / name, cat)
    return episodes_from_interactions(cat, part)


def _policy_env_factory(cat, episodes, simulator: str, initiative: float = 0.0, prior: str = "popularity"):  # type: ignore[no-untyped-def]
    """(answer_noise, seed) -> DialogueEnv around the named simulator (the env never imports simulators)."""
    from crs.policy.env import DialogueEnv, EnvConfig
    from crs.policy.prior import build_prior
    from crs.policy.space import build_ask_space
    from simulators.attribute import AttributeSimConfig, AttributeSimulator

    if simulator != "attribute":
        raise CRSError(f"unknown simulator {simulator!r} for the attribute-level policy env; valid: attribute")
    space = build_ask_space(cat)
    item_prior = build_prior(cat, prior)

    def make(noise: float, seed: int, belief=None):  # type: ignore[no-untyped-def]
        sim = AttributeSimulator(cat, episodes, AttributeSimConfig(answer_noise=noise, initiative=initiative, seed=seed))
        return DialogueEnv(cat, space, sim, EnvConfig() if belief is None else EnvConfig(belief=belief), prior=item_prior)

    return make


@train_app.command("policy")
def train_policy(
    catalog: str = typer.Option("lastfm-star", "--catalog", "-c", help="lastfm-star | redial | default"),
    data_dir: Optional[Path] = DataDirOpt,
    simulator: str = typer.Option("attribute", "--simulator", help="Simulator to train against."),
    split: Optional[Path] = typer.Option(None, "--split", help="Training split (default: LastFM* train / catalog interactions)."),
    dev_split: Optional[Path] = typer.Option(None, "--dev-split", help="Split for periodic evaluation (default: LastFM* valid)."),
    minutes: float = typer.Option(10.0, "--minutes", help="Wall-clock training budget."),
    seed: int = typer.Option(0, "--seed"),
    prior: str = typer.Option("collaborative", "--prior", help="Item prior: collaborative (user-kNN) | popularity."),
    prior_weight: Optional[float] = typer.Option(None, "--prior-weight", help="Exponent on the prior in the belief (default 0.2 collaborative, 1.0 popularity)."),
    as_json: bool = JsonOpt,
) -> None:
    """Train the unified ask/recommend/wait DQN policy; the checkpoint goes to the cache directory."""
    import torch

    from crs.policy.belief import BeliefConfig
    from crs.policy.dqn import Args, train

    torch.set_num_threads(1)
    cat = _load(catalog, data_dir)
    if prior == "collaborative" and cat.interactions is None:
        prior = "popularity"
    belief = BeliefConfig(prior_weight=prior_weight or (0.2 if prior == "collaborative" else 1.0))
    make = _policy_env_factory(cat, _policy_episodes(cat, data_dir, split, "train"), simulator, prior=prior)
    make_dev = _policy_env_factory(cat, _policy_episodes(cat, data_dir, dev_split, "dev"), simulator, prior=prior)
    guide = 0.7 if prior == "collaborative" else 0.0  # bayes-cf's threshold (0.2) guides exploration
    res = train(Args(minutes=minutes, seed=seed, prior=prior, belief=belief, guide_share=guide), cat, make, make_dev,
                progress=not as_json)
    out = {"checkpoint": str(res.path), "steps": res.steps, "episodes": res.episodes,
           "seconds": round(res.seconds, 1), "best": res.best}
    if as_json:
        _print_json(out)
    else:
        console.print(out)


@eval_app.command("simulate")
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

    from crs.eval.episodes import evaluate
    from crs.policy import load_policy
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
        cat = _load(catalog, data_dir)
        pol = load_policy(cat, policy)
        prior = prior or getattr(pol, "prior", "popularity")
        make = _policy_env_factory(cat, _policy_episodes(cat, data_dir, split, "dev"), simulator, initiative, prior)
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


@eval_app.command("nlu")
def eval_nlu_cmd(
    dialogues: Path = typer.Option(..., "--dialogues", help="ReDial-format JSONL (or an IARD JSON file for intents)."),
    data_dir: Optional[Path] = DataDirOpt,
    include_training: bool = typer.Option(False, "--include-training", help="Also score dialogues the model was trained on."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Mention sentiment macro-F1 (learned vs VADER) on seeker mentions labelled liked 0/1; intents if labelled."""
    import torch

    from crs.nlu.evaluate import eval_nlu

    torch.set_num_threads(1)
    report = eval_nlu(dialogues, data_dir=data_dir, include_training=include_training)
    from ui.eval_commands import finish

    if finish("nlu", report, None, out, as_json):
        return
    t = Table("task", "metric", "value")
    for task in ("sentiment", "intent"):
        for k, v in (report.get(task) or {}).items():
            t.add_row(task, k, f"{v:.4f}" if isinstance(v, float) else str(v))
    console.print(t)


@eval_app.command("critiques")
def eval_critiques_cmd(
    critique_set: Optional[Path] = typer.Option(None, "--set", help="Labelled critiques JSONL (default tests/data/critiques.jsonl)."),
    llm: str = typer.Option("none", "--llm", help="Also score an LLM backend: smollm2 | openai:URL[#model]."),
    data_dir: Optional[Path] = DataDirOpt,
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Exact match and constraint F1 of critique rewriting (rules, and an LLM backend if given)."""
    from crs.llm import build_llm
    from crs.nlu.critique_eval import eval_critiques

    path = critique_set or Path(__file__).resolve().parents[1] / "tests" / "data" / "critiques.jsonl"
    backends = {"rules": None} | ({} if llm == "none" else {f"llm:{llm}": build_llm(llm)})
    report = eval_critiques(path, backends, lambda name: _load(name, data_dir))
    from ui.eval_commands import finish

    if finish("critiques", report, None, out, as_json):
        return
    t = Table("backend", "n", "exact match", "precision", "recall", "F1")
    for name in backends:
        r = report[name]
        t.add_row(name, str(r["n"]), f"{r['exact_match']:.3f}", f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}")
    console.print(t)
    if report["skipped"]:
        console.print(f"skipped {report['skipped']} critiques whose catalog is unavailable")


@eval_app.command("redial")
def eval_redial(
    dialogues: Path = typer.Option(..., "--dialogues", help="ReDial-format JSONL file to evaluate (e.g. a dev split)."),
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Catalog (redial)."),
    data_dir: Optional[Path] = DataDirOpt,
    collaborative: str = typer.Option("ease", "--collaborative", help="ease | knn | pop"),
    without: list[str] = typer.Option([], "--without", help="Switch off a fusion signal (repeatable), for ablations."),
    no_history: bool = typer.Option(False, "--no-history", help="Ignore past sessions and look-alike users."),
    sequence_weight: float = typer.Option(0.0, "--sequence-weight", help="Fuse the sequence model with this weight."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Recall@1/10/50 (all / dedup / new_item_turns) of the fused ranker vs popularity and repeat-context."""
    from crs.ranking.evaluate import RedialEvalConfig, evaluate_redial

    cat = _load(catalog, data_dir)
    cfg = RedialEvalConfig(collaborative=collaborative, without=tuple(without), history=not no_history,
                           sequence_weight=sequence_weight)
    r = evaluate_redial(cat, dialogues, cfg, log=None if as_json else (lambda m: err_console.print(m)))
    from ui.eval_commands import finish

    if finish("redial", r, None, out, as_json):
        return
    t = Table("setting", "R@1", "R@10", "R@50", "turns", title=f"ReDial recommendation: {dialogues}")
    rows = [(m, r[m]) for m in ("all", "dedup", "new_item_turns")]
    rows += [(f"baseline {b}", r["baselines"][b]) for b in ("popularity", "repeat_context")]
    for name, v in rows:
        t.add_row(name, f"{v['recall_at_1']:.4f}", f"{v['recall_at_10']:.4f}", f"{v['recall_at_50']:.4f}", str(v["n_turns"]))
    console.print(t)
    i = r["input"]
    console.print(f"input: {i['dialogues']} dialogues, {i['bad_lines']} bad lines, {i['empty_dialogues']} empty, "
                  f"{i['unknown_movie_ids']} unknown movie ids; diversity@10: {r['diversity_at_10']['fused']}")


@bench_app.command("simulator")
def bench_simulator(
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Catalog of the natural-language simulator."),
    data_dir: Optional[Path] = DataDirOpt,
    episodes: int = typer.Option(2000, "--episodes", help="Timed episodes."),
    seed: int = typer.Option(0, "--seed"),
    as_json: bool = JsonOpt,
) -> None:
    """Episodes/s of the natural-language simulator against random ask / recommend / wait actions."""
    from simulators.bench import bench_natural
    from simulators.natural import build_natural

    if episodes < 10:
        raise typer.BadParameter("--episodes must be at least 10")
    sim = build_natural(_load(catalog, data_dir), data_dir, seed=seed)
    r = bench_natural(sim, episodes, seed)
    if as_json:
        _print_json(r)
        return
    console.print(f"natural simulator ({r['grammar']} grammar): {r['episodes_per_s']:.0f} episodes/s, "
                  f"{r['turns_per_s']:.0f} turns/s, {r['turns_per_episode']:.1f} turns/episode")


@bench_app.command("ease")
def bench_ease(
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Catalog whose interactions are fitted."),
    data_dir: Optional[Path] = DataDirOpt,
    items: int = typer.Option(0, "--items", help="Synthetic Zipf matrix with this many items instead of a catalog."),
    as_json: bool = JsonOpt,
) -> None:
    """EASE fit time, scoring time and peak memory (dense, or low-rank above 20,000 active items)."""
    from crs.ranking import row_weights
    from crs.ranking.ease import benchmark_fit, synthetic_interactions

    if items > 0:
        r = benchmark_fit(synthetic_interactions(items))
    else:
        cat = _load(catalog, data_dir)
        if cat.interactions is None:
            raise CRSError(f"catalog {catalog!r} has no interactions to fit")
        r = benchmark_fit(cat.interactions, row_weights=row_weights(cat, cat.interactions))
    if as_json:
        _print_json(r)
    else:
        console.print(r)


@eval_app.command("reviews")
def eval_reviews(
    paths: list[Path] = typer.Argument(..., help="ReDial-format dialogue file(s); split into train/dev by conversation."),
    data_dir: Optional[Path] = DataDirOpt,
    dev_fraction: float = typer.Option(0.2, "--dev-fraction", help="Share of dialogues held out as labelled queries."),
    seed: int = typer.Option(0, "--seed", help="Seed of the deterministic split."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Sentiment-aligned vs unaligned review retrieval: polarity match on held-out seeker labels."""
    from crs.catalog.dialogues import read_dialogues, split_dialogues
    from crs.reviews import evaluate_alignment

    dialogues = [d for p in paths for d in read_dialogues(p).dialogues]
    train, dev = split_dialogues(dialogues, dev_fraction, seed=seed)
    try:
        report = evaluate_alignment(train, dev, _load("redial", data_dir))
    except ValueError as e:
        raise CRSError(str(e)) from None
    report.update({"files": [str(p) for p in paths], "dev_fraction": dev_fraction, "seed": seed})
    from ui.eval_commands import finish

    if finish("reviews", report, None, out, as_json):
        return
    t = Table("retrieval", "polarity match", "positive", "negative", "balanced",
              title=f"{report['queries']} labelled queries ({report['negative']} negative), "
                    f"{report['candidates']} candidate films, {report['snippets']} snippets")
    for name in ("aligned", "unaligned"):
        m = report[name]
        t.add_row(name, f"{m['polarity_match']:.3f}", f"{m['positive_match']:.3f}", f"{m['negative_match']:.3f}",
                  f"{m['balanced_match']:.3f}")
    console.print(t)


@eval_app.command("transfer")
def eval_transfer(
    dialogues: Path = typer.Option(..., "--dialogues", help="Real dialogues to replay (ReDial JSONL, UniCRS JSONL or INSPIRED tsv)."),
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Catalog (redial)."),
    data_dir: Optional[Path] = DataDirOpt,
    episodes: int = typer.Option(60, "--episodes", help="Held-out natural-language episodes per policy."),
    tune_episodes: int = typer.Option(20, "--tune-episodes", help="NL episodes per threshold when selecting on the NL simulator."),
    dialogues_n: int = typer.Option(60, "--dialogues-n", help="Replayed dialogues per policy."),
    thresholds: str = typer.Option("0.3,0.5,0.7,0.9", "--thresholds", help="Grid of the bayes policy's mass threshold."),
    seed: int = typer.Option(0, "--seed"),
    nlu: str = typer.Option("learned", "--nlu", help="learned | rules"),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Policy selected on the attribute vs the natural-language simulator, each evaluated on the NL
    simulator and on replayed real dialogues (decision agreement with the human, Recall@k)."""
    import torch

    from ui.eval_commands import finish, run_transfer

    torch.set_num_threads(1)
    try:
        grid = [float(x) for x in thresholds.split(",") if x.strip()]
    except ValueError:
        raise CRSError(f"--thresholds must be comma-separated numbers, got {thresholds!r}") from None
    log = (lambda m: None) if as_json else (lambda m: err_console.print(m, highlight=False))
    report, cfg = run_transfer(catalog, data_dir, dialogues, episodes, tune_episodes, dialogues_n, grid, seed, nlu, log)
    if finish("transfer", report, cfg, out, as_json):
        return
    t = Table("policy", "threshold", "NL SR@15", "NL avg turns", "replay decision acc.", "replay Recall@k",
              title="transfer: selected on attribute vs natural-language simulator")
    for name in ("selected_on_attribute", "selected_on_natural"):
        r = report[name]
        t.add_row(name, f"{r['threshold']:g}", f"{r['natural']['sr_at_15']:.3f}", f"{r['natural']['avg_turns']:.2f}",
                  str(r["replay"]["decision_accuracy"]), str(r["replay"]["recall_at_k"]))
    console.print(t)


@bench_app.command("all")
def bench_all_cmd(
    out: Path = typer.Option(Path("docs/BENCHMARKS.md"), "--out", help="Markdown file whose auto-generated block is rewritten."),
    data_dir: Optional[Path] = DataDirOpt,
    full: bool = typer.Option(False, "--full", help="Also retrieval at 1M items and longer runs (slow)."),
    only: list[str] = typer.Option([], "--only", help="Run only benchmarks whose name contains this (repeatable)."),
) -> None:
    """Run every benchmark (retrieval, turn latency, simulators, episodes/s and scaling, training time)
    and rewrite the auto-generated block of docs/BENCHMARKS.md (hand-written sections are kept)."""
    from ui.bench_all import bench_all

    results = bench_all(out, data_dir, full, tuple(only), log=lambda m: err_console.print(m, highlight=False))
    failed = [r["name"] for r in results if "error" in r]
    console.print(f"wrote {out}: {len(results) - len(failed)} benchmarks" + (f", failed: {', '.join(failed)}" if failed else ""))


def main() -> None:
    """Console-script entry point: user errors become one line on stderr and exit code 2."""
    try:
        app(standalone_mode=False)
    except CRSError as e:
        err_console.print(f"[red]error:[/] {e}", highlight=False, soft_wrap=True)
        raise SystemExit(2) from None
    except (typer.Exit, SystemExit) as e:
        code = getattr(e, "exit_code", None)
        if code is None:
            code = getattr(e, "code", 0)
        raise SystemExit(code) from None
    except typer.Abort:
        raise SystemExit(130) from None
    except Exception as e:  # click usage errors
        import click

        if isinstance(e, click.exceptions.ClickException):
            e.show()
            raise SystemExit(e.exit_code) from None
        raise


if __name__ == "__main__":
    main()
