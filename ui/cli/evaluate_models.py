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
    cv: int = typer.Option(0, "--cv", help="Also cross-validate sentiment settings: K folds grouped by conversation over the model's training part."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Mention sentiment macro-F1 (learned vs VADER) on seeker mentions labelled liked 0/1; intents if labelled."""
    from crs.config import torch_threads
    from crs.nlu.evaluate import eval_nlu

    torch_threads(1)
    report = eval_nlu(dialogues, data_dir=data_dir, include_training=include_training)
    if cv:
        from crs.nlu.train import sentiment_cv

        if cv < 2:
            raise CRSError("--cv needs at least 2 folds")
        report["sentiment_cv"] = sentiment_cv(data_dir, cv)
    if finish("nlu", report, None, out, as_json):
        return
    t = Table("task", "metric", "value")
    for task in ("sentiment", "intent"):
        for k, v in (report.get(task) or {}).items():
            t.add_row(task, k, f"{v:.4f}" if isinstance(v, float) else str(v))
    console.print(t)
    for name, r in (report.get("sentiment_cv") or {}).items():
        if isinstance(r, dict):
            console.print(f"sentiment cv {name}: macro-F1 {r['mean']:.3f} ± {r['sd']:.3f} {r['folds']}")


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
    hand_weights: bool = typer.Option(False, "--hand-weights", help="Hand-tuned fusion weights, not the learned ones."),
    no_projection: bool = typer.Option(False, "--no-projection", help="Plain MiniLM dialogue query (no trained projection)."),
    ablations: bool = typer.Option(False, "--ablations", help="Also report recall with each signal switched off."),
    variants: bool = typer.Option(False, "--variants", help="Also report recency-weighted and review-enriched "
                                  "variants against the live ranking (paired bootstrap)."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Recall@1/10/50 (all / dedup / new_item_turns) of retrieve-then-rank vs popularity and repeat-context."""
    from crs.ranking.evaluate import RedialEvalConfig, evaluate_redial

    cat = load(catalog, data_dir)
    cfg = RedialEvalConfig(collaborative=collaborative, without=tuple(without), history=not no_history,
                           hand_weights=hand_weights,
                           projection=not no_projection, ablations=ablations,
                           variants=variants)
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
    dialogues: list[Path] = typer.Option(..., "--dialogues", help="ReDial-format JSONL to evaluate (repeatable)."),
    data_dir: Optional[Path] = DataDirOpt,
    folds: int = typer.Option(5, "--folds", help="Folds over the evaluated dialogues that overlap the training data."),
    stance: str = typer.Option("balanced", "--stance", help="How the user's stance is read: balanced (the live chat's reader: "
                               "the sentiment model's balanced-accuracy threshold) | learned (the tracker's threshold) | vader."),
    seed: int = typer.Option(0, "--seed", help="Seed of the fold assignment."),
    out: Optional[Path] = OutOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Sentiment-aligned review retrieval: snippet polarity vs the seeker's liked/disliked label
    (balanced accuracy, aspect agreement, constant and unaligned baselines); stores built without
    the evaluated dialogues."""
    from crs.catalog.dialogues import read_dialogues, redial_train_dev
    from crs.config import data_dir as resolve
    from crs.config import torch_threads
    from crs.reviews.evaluate import STANCES, evaluate_reviews

    if stance not in STANCES:
        raise CRSError(f"--stance must be one of {', '.join(STANCES)}, not {stance!r}")
    torch_threads(1)
    for p in dialogues:
        if not p.is_file():
            raise CRSError(f"{p}: dialogue file not found")
    evaluated = [d for p in dialogues for d in read_dialogues(p).dialogues]
    train, dev = redial_train_dev(data_dir)
    try:
        report = evaluate_reviews(evaluated, train + dev, load("redial", data_dir), STANCES[stance],
                                  resolve(data_dir), folds=folds, seed=seed)
    except ValueError as e:
        raise CRSError(str(e)) from None
    report.update({"files": [str(p) for p in dialogues], "stance": stance, "seed": seed})
    if finish("reviews", report, None, out, as_json):
        return
    t = Table("retrieval", "balanced accuracy", "liked recall", "disliked recall", "aspect agreement",
              title=f"{report['n_pos']} liked / {report['n_neg']} disliked queries, {report['pairs_with_snippet']} "
                    f"(query, film) pairs with a snippet, {report['folds']} fold(s)")
    for name, m in report["detail"].items():
        agree = "-" if m["aspect_agreement"] is None else f"{m['aspect_agreement']:.3f}"
        t.add_row(name, f"{m['balanced_accuracy']:.3f}", f"{m['positive_recall']:.3f}", f"{m['negative_recall']:.3f}", agree)
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
