"""Critique-rewriting evaluation on a labelled JSONL set (`tests/data/critiques.jsonl`).

Each line: {"text", "catalog" ("default"|"redial"), "about" (item id or null: the last
recommendation), "add": [[attribute, op, value], ...], "remove": [...], optional
"state_constraints"}. Scores: exact match of (add, remove) per critique, and micro precision /
recall / F1 over constraint changes. Records whose catalog cannot be loaded are skipped (counted).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crs.errors import CRSError
from crs.types import Action, Catalog, Constraint, DialogueState

if TYPE_CHECKING:
    from crs.protocols import LLM

log = logging.getLogger(__name__)


class CritiqueSetError(CRSError):
    """The labelled critique file is missing or malformed."""


def load_critique_set(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        raise CritiqueSetError(f"{path}: critique set not found")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            assert isinstance(rec["text"], str) and isinstance(rec["add"], list)
        except (json.JSONDecodeError, KeyError, AssertionError, TypeError):
            raise CritiqueSetError(f"{path}:{n}: expected {{'text': str, 'add': [[attr, op, value]], ...}}") from None
        out.append(rec)
    return out


def _key(c: Iterable[Any]) -> tuple[str, str, str]:
    attr, op, value = c
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (attr, op, f"{float(value):.4g}")
    return (attr, op, str(value).lower())


def _state(rec: dict[str, Any]) -> DialogueState:
    about = rec.get("about")
    cons = tuple(Constraint(*c) for c in rec.get("state_constraints", []))
    if about:
        return DialogueState(turn=2, constraints=cons, recommended=(about,), last_action=Action("recommend", items=(about,)))
    return DialogueState(turn=2, constraints=cons)


def score(records: list[dict[str, Any]],
          predictions: list[tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]]) -> dict[str, Any]:
    tp = fp = fn = exact = 0
    for rec, (add, remove) in zip(records, predictions):
        want = {("add",) + _key(c) for c in rec["add"]} | {("remove",) + _key(c) for c in rec.get("remove", [])}
        got = {("add",) + k for k in add} | {("remove",) + k for k in remove}
        tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
        exact += want == got
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"n": len(records), "exact_match": exact / max(1, len(records)), "precision": p, "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0}


def eval_critiques(path: str | Path, backends: Mapping[str, LLM | None], load: Callable[[str], Catalog],
                   errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Scores per backend name ("rules" → llm None). `load(name)` returns a catalog or raises."""
    from crs.nlu import build_nlu

    records = load_critique_set(path)
    catalogs: dict[str, Catalog] = {}
    skipped = 0
    for name in sorted({r.get("catalog", "default") for r in records}):
        try:
            catalogs[name] = load(name)
        except CRSError as e:
            log.warning("critique set: skipping catalog %s (%s)", name, e)
    usable = [r for r in records if r.get("catalog", "default") in catalogs]
    skipped = len(records) - len(usable)
    report: dict[str, Any] = {"file": str(path), "skipped": skipped}
    for backend, llm in backends.items():
        nlus = {n: build_nlu(c, llm=llm, learned=False) for n, c in catalogs.items()}
        preds = []
        t0 = time.perf_counter()
        for rec in usable:
            parsed = nlus[rec.get("catalog", "default")].parse(rec["text"], _state(rec))
            add = {_key((c.attribute, c.op, c.value)) for c in parsed.add}
            remove = {_key((c.attribute, c.op, c.value)) for c in parsed.remove}
            preds.append((add, remove))
            if errors is not None and backend == "rules":
                want = {_key(c) for c in rec["add"]}
                if want != add:
                    errors.append({"text": rec["text"], "want": sorted(want), "got": sorted(add)})
        report[backend] = score(usable, preds) | {"seconds": time.perf_counter() - t0}
        llm_parts = [n.models.llm_critique for n in nlus.values() if n.models.llm_critique is not None]
        if llm_parts:
            report[backend]["llm_calls"] = sum(p.calls for p in llm_parts)
            report[backend]["llm_valid"] = sum(p.valid for p in llm_parts)
    return report
