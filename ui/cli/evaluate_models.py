"""`crs eval nlu|critiques|redial|reviews`: component evaluations on labelled real data."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from crs.errors import CRSError
from ui.cli.common import DataDirOpt, JsonOpt, OutOpt, console, err_console, finish, load


def eval_nlu_cmd(
    dialogues: Path = typer.Option(..., "--dialogues", help="ReDial-format JSONL (or an IARD JSON file for intents)."),
    data_dir: Optional[Path] = DataDirOpt,
    include_training: bool = typer.Option(False, "--include-training", help="Also score dialogues the model was trained on."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Mention sentiment macro-F1 (learned vs VADER) on seeker mentions labelled liked 0/1; intents if labelled."""
    from crs.config import torch_threads
    from crs.nlu.evaluate import eval_nlu

    torch_threads(1)
    report = eval_nlu(dialogues, data_dir=data_dir, include_training=include_training)
    if finish("nlu", report, None, out, as_json):
        return
    t = Table("task", "metric", "value")
    for task in ("sentiment", "intent"):
        for k, v in (report.get(task) or {}).items():
            t.add_row(task, k, f"{v:.4f}" if isinstance(v, float) else str(v))
    console.print(t)


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

    path = critique_set or Path(__file__).resolve().parents[2] / "tests" / "data" / "critiques.jsonl"
    backends = {"rules": None} | ({} if llm == "none" else {f"llm:{llm}": build_llm(llm)})
    report = eval_critiques(path, backends, lambda name: load(name, data_dir))
    if finish("critiques", report, None, out, as_json):
        return
    t = Table("backend", "n", "exact match", "precision", "recall", "F1")
    for name in backends:
        r = report[name]
        t.add_row(name, str(r["n"]), f"{r['exact_match']:.3f}", f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}")
    console.print(t)
    if report["skipped"]:
        console.print(f"skipped {report['skipped']} critiques whose catalog is unavailable")


def eval_redial(
    dialogues: Path = typer.Option(..., "--dialogues", help="ReDial-format JSONL file to evaluate (e.g. a dev split)."),
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Catalog (redial)."),
    data_dir: Optional[Path] = DataDirOpt,
    collaborative: str = typer.Option("ease", "--collaborative", help="ease | knn | pop"),
    without: list[str] = typer.Option([], "--without", help="Switch off a fusion signal (repeatable), for ablations."),
    no_history: bool = typer.Option(False, "--no-history", help="Ignore past sessions and look-alike users."),
    sequence_weight: float = typer.Option(0.0, "--sequence-weight", help="Fuse the sequence model with this weight."),
    hand_weights: bool = typer.Option(False, "--hand-weights", help="Hand-tuned fusion weights, not the learned ones."),
    no_projection: bool = typer.Option(False, "--no-projection", help="Plain MiniLM dialogue query (no trained projection)."),
    ablations: bool = typer.Option(False, "--ablations", help="Also report recall with each signal switched off."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Recall@1/10/50 (all / dedup / new_item_turns) of retrieve-then-rank vs popularity and repeat-context."""
    from crs.ranking.evaluate import RedialEvalConfig, evaluate_redial

    cat = load(catalog, data_dir)
    cfg = RedialEvalConfig(collaborative=collaborative, without=tuple(without), history=not no_history,
                           sequence_weight=sequence_weight, hand_weights=hand_weights,
                           projection=not no_projection, ablations=ablations)
    r = evaluate_redial(cat, dialogues, cfg, log=None if as_json else (lambda m: err_console.print(m)))
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
        report = evaluate_alignment(train, dev, load("redial", data_dir))
    except ValueError as e:
        raise CRSError(str(e)) from None
    report.update({"files": [str(p) for p in paths], "dev_fraction": dev_fraction, "seed": seed})
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


def eval_understanding(
    split: str = typer.Option("tune", "--split", help="tune | test | all (rules and models are tuned on tune only)."),
    labels: Optional[Path] = typer.Option(None, "--labels", help="Label file (default data/understanding/labels.jsonl)."),
    data_dir: Optional[Path] = DataDirOpt,
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Exact-constraint F1 (overall, per phenomenon), intents and film references on labelled real
    ReDial seeker messages, read in context by the agent's reading path; empty and keyword-rule baselines."""
    from crs.config import data_dir as resolve
    from crs.config import torch_threads
    from crs.eval import understanding as u
    from crs.nlu import build_nlu

    torch_threads(1)
    root = resolve(data_dir)
    if root is None:
        raise CRSError("crs eval understanding reads the labelled messages from the data directory: pass --data-dir")
    meta, rows = u.load_labels(labels or u.LABELS)
    examples = u.load_examples(u.select(rows, split), root)
    catalog = load("redial", data_dir)
    parsers = {"learned": u.reading_parser(build_nlu(catalog), catalog),
               "rules": u.reading_parser(build_nlu(catalog, learned=False), catalog), "empty": u.empty_turn}
    report = u.evaluate_understanding(examples, parsers, "learned")
    report.update(split=split, labels=str(labels or u.LABELS), label_split=meta.get("split"))
    if finish("understanding", report, None, out, as_json):
        return
    t = Table("parser", "n", "F1", "P", "R", "intent acc", "items F1", title=f"understanding ({split})")
    for name, r in [("learned", report), *report["baselines"].items()]:
        t.add_row(name, str(report["n"]), f"{r['f1']:.3f}", f"{r['precision']:.3f}", f"{r['recall']:.3f}",
                  f"{r['intent_accuracy']:.3f}", f"{r['items']['f1']:.3f}")
    console.print(t)
    p = Table("phenomenon", "n", "F1 learned", "F1 rules", title="exact-constraint F1 per phenomenon")
    for name, f1 in report["per_phenomenon"].items():
        rules = report["baselines"]["rules"]["per_phenomenon"].get(name)
        p.add_row(name, str(report["per_phenomenon_n"][name]), "-" if f1 is None else f"{f1:.3f}",
                  "-" if rules is None else f"{rules:.3f}")
    console.print(p)
