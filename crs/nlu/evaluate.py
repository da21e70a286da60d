"""NLU evaluations: mention sentiment (+ intents) on a dialogue file, critique rewriting on a labelled set.

`eval_nlu(path)` runs unchanged on any ReDial-format file (and on an IARD JSON file for intents).
Dialogues the sentiment model was trained on are left out unless `include_training` is set, so
the train files give honest dev-split figures and the official test file is scored in full.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from crs.errors import CRSError


class NLUEvalError(CRSError):
    """Bad input for an NLU evaluation (missing file, no labels, no training data)."""


def _f1(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    if len(y) == 0:
        return float("nan"), float("nan")
    return float(f1_score(y, p, average="macro", labels=[0, 1], zero_division=0)), float(accuracy_score(y, p))


def _is_iard(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip()
    return head.startswith(b"{") and b"dialogue_info" in head


def eval_nlu(path: str | Path, data_dir: str | Path | None = None, cache: str | Path | None = None,
             include_training: bool = False) -> dict[str, Any]:
    """Sentiment macro-F1 (learned vs VADER) on seeker mentions with liked 0/1; intent macro-F1 if labelled."""
    from crs.config import data_dir as resolve

    path = Path(path)
    if not path.exists():
        raise NLUEvalError(f"{path}: dialogue file not found")
    root = resolve(data_dir)
    if root is None or not Path(root).is_dir():
        raise NLUEvalError("crs eval nlu needs the training data (ReDial train files, IARD): pass --data-dir DIR")
    report: dict[str, Any] = {"file": str(path)}
    if _is_iard(path):
        report["sentiment"] = {"n": 0, "macro_f1": None, "accuracy": None, "vader_macro_f1": None, "vader_accuracy": None}
        report["intent"] = _eval_intent_iard(path, root, cache, include_training)
        return report
    report["sentiment"] = _eval_sentiment(path, root, cache, include_training, report)
    intent = _eval_intent_redial(path, root, cache)
    if intent is not None:
        report["intent"] = intent
    return report


def _eval_sentiment(path: Path, root: Path, cache: str | Path | None, include_training: bool,
                    report: dict[str, Any]) -> dict[str, Any]:
    from crs.catalog.dialogues import read_dialogues
    from crs.nlu.sentiment import VaderBaseline, mention_examples
    from crs.nlu.train import load_or_train_sentiment, sentiment_training_ids

    df = read_dialogues(path)
    seen = set() if include_training else sentiment_training_ids(root)
    dialogues = [d for d in df.dialogues if d.conversation_id not in seen]
    report.update({"dialogues": len(df.dialogues), "excluded_training_dialogues": len(df.dialogues) - len(dialogues),
                   "bad_lines": len(df.bad_lines)})
    examples = mention_examples(dialogues)
    out: dict[str, Any] = {"n": len(examples), "n_not_liked": sum(1 for e in examples if e.label == 0)}
    if not examples:
        out.update(macro_f1=None, accuracy=None, vader_macro_f1=None, vader_accuracy=None)
        return out
    y = np.array([e.label for e in examples])
    texts, spans = [e.text for e in examples], [e.span for e in examples]
    model = load_or_train_sentiment(root, cache)
    if model is None:
        raise NLUEvalError(f"no ReDial training dialogues under {root}/redial: cannot train the sentiment model")
    m_f1, m_acc = _f1(y, model.predict(texts, spans))
    v_f1, v_acc = _f1(y, VaderBaseline().predict(texts))
    out.update(macro_f1=m_f1, accuracy=m_acc, vader_macro_f1=v_f1, vader_accuracy=v_acc,
               always_liked_accuracy=float(y.mean()), threshold=model.threshold)
    return out


def _intent_scores(y: Sequence[str], p: Sequence[str]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, f1_score

    return {"n": len(y), "macro_f1": float(f1_score(y, p, average="macro", zero_division=0)),
            "accuracy": float(accuracy_score(y, p))}


def _eval_intent_iard(path: Path, root: Path, cache: str | Path | None, include_training: bool) -> dict[str, Any]:
    from crs.nlu.intent import read_iard, rule_intent, split_iard
    from crs.nlu.train import DEV_FRACTION, SEED, iard_path, load_or_train_intent

    examples = read_iard(path)
    train_keys: set[str] = set()
    if not include_training and iard_path(root).exists():
        train_keys = {e.dialogue for e in split_iard(read_iard(iard_path(root)), DEV_FRACTION, SEED)[0]}
    test = [e for e in examples if e.dialogue not in train_keys]
    model = load_or_train_intent(root, cache)
    if model is None or not test:
        raise NLUEvalError(f"{path}: no held-out intent-labelled utterances (or no IARD training file under {root})")
    y = [e.intent for e in test]
    texts = [e.text for e in test]
    out = _intent_scores(y, model.predict(texts))
    out["full_model_macro_f1"] = _intent_scores(y, model.predict(texts, cascade=False))["macro_f1"]
    out["cheap_share"] = model.cheap_share(texts)  # answered without a MiniLM encoding
    out["rules_macro_f1"] = _intent_scores(y, [rule_intent(e.text) for e in test])["macro_f1"]
    return out


def _eval_intent_redial(path: Path, root: Path, cache: str | Path | None) -> dict[str, Any] | None:
    """Intent labels in a ReDial-format file: a message field `intent` with a taxonomy name."""
    from crs.nlu.intent import INTENTS
    from crs.nlu.train import load_or_train_intent

    texts, labels = [], []
    with path.open("rb") as fh:
        for raw in fh:
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            for m in obj.get("messages", []) if isinstance(obj, dict) else []:
                if isinstance(m, dict) and m.get("intent") in INTENTS and isinstance(m.get("text"), str):
                    texts.append(m["text"])
                    labels.append(m["intent"])
    if not texts:
        return None
    model = load_or_train_intent(root, cache)
    return _intent_scores(labels, model.predict(texts)) if model is not None else None
