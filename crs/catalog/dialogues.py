"""Reader for ReDial-format dialogue files (one JSON dialogue per line).

Bad lines (malformed JSON, missing fields) are counted and reported, never fatal: evaluation
commands must run unchanged on any ReDial-format file, including the official test split.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crs.catalog.errors import CatalogError

MENTION = re.compile(r"@(\d+)")


@dataclass(frozen=True)
class Message:
    text: str
    sender: str  # worker id as string
    role: str  # "seeker" | "recommender"
    movies: tuple[str, ...]  # @ids mentioned in this message, in order


@dataclass(frozen=True)
class Dialogue:
    conversation_id: str
    seeker: str
    recommender: str
    messages: tuple[Message, ...]
    mentions: dict[str, str] = field(default_factory=dict)  # movieId -> "Title (Year)"
    seeker_labels: dict[str, dict[str, int]] = field(default_factory=dict)
    recommender_labels: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class DialogueFile:
    dialogues: list[Dialogue]
    path: str
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    empty: int = 0


def _labels(raw: Any) -> dict[str, dict[str, int]]:
    if not isinstance(raw, dict):
        return {}
    out: dict[str, dict[str, int]] = {}
    for mid, qs in raw.items():
        if isinstance(qs, dict):
            out[str(mid)] = {k: int(v) for k, v in qs.items() if isinstance(v, (int, float))}
    return out


def parse_dialogue(obj: dict[str, Any]) -> Dialogue:
    """Parse one ReDial dialogue object; raises ValueError naming the missing/bad field."""
    if not isinstance(obj, dict):
        raise TypeError("dialogue is not a JSON object")
    if "messages" not in obj or not isinstance(obj["messages"], list):
        raise ValueError("missing 'messages' list")
    seeker = str(obj.get("initiatorWorkerId", ""))
    rec = str(obj.get("respondentWorkerId", ""))
    msgs = []
    for m in obj["messages"]:
        if not isinstance(m, dict) or "text" not in m:
            raise ValueError("message without 'text'")
        sender = str(m.get("senderWorkerId", ""))
        text = str(m["text"])
        role = "seeker" if sender == seeker else "recommender"
        msgs.append(Message(text, sender, role, tuple(MENTION.findall(text))))
    mentions = obj.get("movieMentions") or {}
    if not isinstance(mentions, dict):
        mentions = {}
    return Dialogue(
        conversation_id=str(obj.get("conversationId", "")),
        seeker=seeker,
        recommender=rec,
        messages=tuple(msgs),
        mentions={str(k): str(v or "") for k, v in mentions.items()},
        seeker_labels=_labels(obj.get("initiatorQuestions")),
        recommender_labels=_labels(obj.get("respondentQuestions")),
    )


def read_dialogues(path: str | Path) -> DialogueFile:
    """Read a ReDial-format JSONL file. Missing file → CatalogError; bad lines are collected."""
    path = Path(path)
    if not path.exists():
        raise CatalogError(path, "dialogue file not found")
    out = DialogueFile([], str(path))
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                d = parse_dialogue(json.loads(raw.decode("utf-8", errors="replace")))
            except (json.JSONDecodeError, ValueError, TypeError) as e:
                out.bad_lines.append((lineno, str(e)[:200]))
                continue
            if not d.messages:
                out.empty += 1
                continue
            out.dialogues.append(d)
    return out


def split_dialogues(dialogues: list[Dialogue], dev_fraction: float = 0.2, seed: int = 0) -> tuple[list[Dialogue], list[Dialogue]]:
    """Deterministic train/dev split by a hash of conversationId (stable across runs and files)."""
    import hashlib

    train: list[Dialogue] = []
    dev: list[Dialogue] = []
    for d in dialogues:
        h = int(hashlib.md5(f"{seed}:{d.conversation_id}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (dev if h < dev_fraction else train).append(d)
    return train, dev


DEV_FRACTION = 0.2
"""Share of the ReDial train dialogues held out as the dev part (`redial_train_dev`)."""
SPLIT_SEED = 0


def redial_train_dev(data_dir: str | Path | None, required: bool = True) -> tuple[list[Dialogue], list[Dialogue]]:
    """(train, dev): the ReDial train dialogues of the data directory, `split_dialogues(0.2, seed 0)`.

    The one ReDial train/dev split of the project: the learned NLU and the
    simulator's grammar train on `train`; `dev` is held out (dev goals). Reads the
    train files present under `data_dir` (resolved by `crs.config.data_dir`); with none present it
    raises `CatalogError`, or returns two empty lists when not `required`.
    """
    from crs.catalog.redial import DEFAULT_DIALOGUES  # here: crs.catalog.redial imports this module
    from crs.config import data_dir as resolve

    root = resolve(data_dir)
    files = [root / f for f in DEFAULT_DIALOGUES] if root is not None else []
    dialogues = [d for f in files if f.is_file() for d in read_dialogues(f).dialogues]
    if not dialogues and required:
        raise CatalogError(root, f"no ReDial train dialogues (expected {', '.join(DEFAULT_DIALOGUES)}); "
                                 "pass --data-dir or set CRS_DATA_DIR")
    return split_dialogues(dialogues, DEV_FRACTION, SPLIT_SEED)
