"""Training data selection and load-or-train for the learned NLU models.

Sentiment: seeker mentions of the ReDial train files in the data dir, *train part* of the
deterministic `crs.catalog.dialogues.redial_train_dev` split (0.2, seed 0); the dev part is never trained on.
Intent: IARD seeker utterances, train part of `split_iard(dev_fraction=0.2, seed=0)`.
Models are cached under `cache_dir()/nlu/` keyed by a fingerprint of their training data.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from crs.catalog.dialogues import redial_train_dev
from crs.errors import CRSError
from crs.nlu.intent import IntentClassifier, read_iard, split_iard
from crs.nlu.models import fingerprint, model_path
from crs.nlu.sentiment import MODEL_VERSION as SENTIMENT_VERSION
from crs.nlu.sentiment import MentionExample, MentionSentiment, mention_examples

log = logging.getLogger(__name__)

IARD_FILE = "iard/umap2020_IARD_Cai.json"
DEV_FRACTION = 0.2
SEED = 0


SHIPPED_DIR = Path(__file__).resolve().parents[2] / "data" / "models"
"""Trained NLU models shipped with the project (`crs train nlu` writes them; each under 1 MiB)."""
MANIFEST = "nlu.json"


def shipped_path(kind: str, key: str) -> Path:
    return SHIPPED_DIR / f"nlu-{kind}-{key}.pkl"


def load_shipped() -> tuple[MentionSentiment | None, IntentClassifier | None]:
    """The shipped sentiment and intent models (building the agent loads these; it never trains)."""
    manifest = shipped_manifest()
    sentiment = MentionSentiment.load(shipped_path("sentiment", manifest["sentiment"]["key"])) if manifest else None
    intent = IntentClassifier.load(shipped_path("intent", manifest["intent"]["key"])) if manifest else None
    return sentiment, intent


def shipped_manifest() -> dict[str, Any]:
    """What the shipped models were trained on (keys, counts, conversation ids, licences), or {}."""
    path = SHIPPED_DIR / MANIFEST
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else {}


def train_shipped(data_dir: str | Path) -> dict[str, Any]:
    """`crs train nlu`: train both models on the training data and write them to `SHIPPED_DIR`
    with their manifest (older shipped versions are removed)."""
    import sklearn

    train, _ = redial_train_dev(data_dir, required=True)
    examples = mention_examples(train)
    skey = sentiment_key(examples)
    iard = iard_path(data_dir)
    if not iard.exists():
        raise CRSError(f"IARD file not found at {iard}")
    itrain, _ = split_iard(read_iard(iard), DEV_FRACTION, SEED)
    ikey = fingerprint(["intent-cascade-1", *((e.text, e.intent) for e in itrain)])
    SHIPPED_DIR.mkdir(parents=True, exist_ok=True)
    for old in SHIPPED_DIR.glob("nlu-*.pkl"):
        old.unlink()
    _fit_sentiment(examples).save(shipped_path("sentiment", skey))
    IntentClassifier().fit([e.text for e in itrain], [e.intent for e in itrain]).save(shipped_path("intent", ikey))
    manifest = {
        "command": "crs train nlu --data-dir DATA",
        "scikit_learn": sklearn.__version__,
        "sentiment": {"key": skey, "examples": len(examples), "licence": "ReDial, CC BY 4.0 (Li et al., NeurIPS 2018)",
                      "data": "seeker mentions of the ReDial train files, train part of split_dialogues(0.2, seed 0)",
                      "conversations": sorted(d.conversation_id for d in train)},
        "intent": {"key": ikey, "examples": len(itrain), "licence": "IARD, MIT (Cai & Chen, UMAP 2020)",
                   "data": "IARD seeker utterances, train part of split_iard(0.2, seed 0)"},
    }
    (SHIPPED_DIR / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return {k: v for k, v in manifest.items() if k != "sentiment"} | {
        "sentiment": {k: v for k, v in manifest["sentiment"].items() if k != "conversations"}}


SENTIMENT_SETTINGS: dict[str, dict[str, Any]] = {
    "message only (earlier model)": {"use_window": False, "use_cues": False},
    "message + cues": {"use_window": False},
    "message + window": {"use_cues": False},
    "message + window + cues, C=0.3": {"C": 0.3},
    "message + window + cues (shipped)": {},
    "message + window + cues, no veto": {"veto": None},
}
"""The sentiment settings compared by `crs eval nlu --cv K` (keyword arguments of MentionSentiment)."""


def sentiment_cv(data_dir: str | Path | None, folds: int = 5, seed: int = 0) -> dict[str, Any]:
    """Group k-fold (by conversation) macro-F1 of each sentiment setting and VADER over the mentions
    the shipped model may train on (the train part of the ReDial train files; the dev part stays unseen)."""
    from crs.nlu.sentiment import cross_validate

    train, _ = redial_train_dev(data_dir, required=True)
    return cross_validate(mention_examples(train), SENTIMENT_SETTINGS, folds, seed)


def sentiment_key(examples: list[MentionExample]) -> str:
    """Fingerprint of the sentiment model's training mentions and feature version."""
    return fingerprint([f"sentiment-{SENTIMENT_VERSION}", *((e.text, e.span, e.label) for e in examples)])


def _fit_sentiment(examples: list[MentionExample]) -> MentionSentiment:
    """The shipped setting, its threshold's inner folds grouped by conversation."""
    return MentionSentiment().fit([e.text for e in examples], [e.span for e in examples], [e.label for e in examples],
                                  groups=[e.dialogue for e in examples])


def sentiment_training_ids(data_dir: str | Path) -> set[str]:
    """conversationIds the sentiment model was trained on (evaluation leaves them out)."""
    return {d.conversation_id for d in redial_train_dev(data_dir, required=False)[0]}


def load_or_train_sentiment(data_dir: str | Path, cache: str | Path | None = None) -> MentionSentiment | None:
    """The cached sentiment model for this data, trained (tens of seconds) when missing."""
    train, _ = redial_train_dev(data_dir, required=False)
    examples = mention_examples(train)
    if not examples:
        return None
    key = sentiment_key(examples)
    path = model_path("sentiment", key, cache)
    model = MentionSentiment.load(shipped_path("sentiment", key)) or MentionSentiment.load(path)
    if model is None:
        t0 = time.perf_counter()
        model = _fit_sentiment(examples)
        model.save(path)
        log.info("trained mention sentiment on %d mentions in %.1fs -> %s", len(examples), time.perf_counter() - t0, path)
    return model


def iard_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / IARD_FILE


def load_or_train_intent(data_dir: str | Path, cache: str | Path | None = None) -> IntentClassifier | None:
    """The cached IARD intent classifier, trained (tens of seconds) when missing."""
    path = iard_path(data_dir)
    if not path.exists():
        return None
    train, _ = split_iard(read_iard(path), DEV_FRACTION, SEED)
    key = fingerprint(["intent-cascade-1", *((e.text, e.intent) for e in train)])
    mpath = model_path("intent", key, cache)
    model = IntentClassifier.load(shipped_path("intent", key)) or IntentClassifier.load(mpath)
    if model is None:
        t0 = time.perf_counter()
        model = IntentClassifier().fit([e.text for e in train], [e.intent for e in train])
        model.save(mpath)
        log.info("trained intent classifier on %d utterances in %.1fs -> %s", len(train), time.perf_counter() - t0, mpath)
    return model
