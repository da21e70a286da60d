"""Training data selection and load-or-train for the learned NLU models.

Sentiment: seeker mentions of the ReDial train files in the data dir, *train part* of the
deterministic `split_dialogues(dev_fraction=0.2, seed=0)`; the dev part is never trained on.
Intent: IARD seeker utterances, train part of `split_iard(dev_fraction=0.2, seed=0)`.
Models are cached under `cache_dir()/nlu/` keyed by a fingerprint of their training data.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from crs.catalog.dialogues import Dialogue, read_dialogues, split_dialogues
from crs.nlu.intent import IntentClassifier, read_iard, split_iard
from crs.nlu.models import fingerprint, model_path
from crs.nlu.sentiment import MentionSentiment, mention_examples

log = logging.getLogger(__name__)

REDIAL_TRAIN_FILES = ("redial/train_subset_1000_annotated.jsonl", "redial/train_subset_raw.jsonl")
IARD_FILE = "iard/umap2020_IARD_Cai.json"
DEV_FRACTION = 0.2
SEED = 0


def redial_split(data_dir: str | Path) -> tuple[list[Dialogue], list[Dialogue]]:
    """(train, dev) ReDial dialogues from the train files present in the data dir."""
    dialogues: list[Dialogue] = []
    for rel in REDIAL_TRAIN_FILES:
        path = Path(data_dir) / rel
        if path.exists():
            dialogues += read_dialogues(path).dialogues
    return split_dialogues(dialogues, DEV_FRACTION, SEED)


def sentiment_training_ids(data_dir: str | Path) -> set[str]:
    """conversationIds the sentiment model was trained on (evaluation leaves them out)."""
    return {d.conversation_id for d in redial_split(data_dir)[0]}


def load_or_train_sentiment(data_dir: str | Path, cache: str | Path | None = None) -> MentionSentiment | None:
    """The cached sentiment model for this data, trained (tens of seconds) when missing."""
    train, _ = redial_split(data_dir)
    examples = mention_examples(train)
    if not examples:
        return None
    key = fingerprint([(e.text, e.span, e.label) for e in examples])
    path = model_path("sentiment", key, cache)
    model = MentionSentiment.load(path)
    if model is None:
        t0 = time.perf_counter()
        model = MentionSentiment().fit([e.text for e in examples], [e.span for e in examples],
                                       [e.label for e in examples])
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
    model = IntentClassifier.load(mpath)
    if model is None:
        t0 = time.perf_counter()
        model = IntentClassifier().fit([e.text for e in train], [e.intent for e in train])
        model.save(mpath)
        log.info("trained intent classifier on %d utterances in %.1fs -> %s", len(train), time.perf_counter() - t0, mpath)
    return model
