"""Persistence and training-data plumbing shared by the learned NLU models.

Models are pickled under `cache_dir()/nlu/` with a name keyed by a fingerprint of their inputs
(training texts, labels, code version); writes are atomic. A corrupt file is logged and retrained.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crs.config import atomic_write_bytes, cache_dir

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

VERSION = "nlu-1"


def fingerprint(parts: Iterable[object]) -> str:
    h = hashlib.sha256(VERSION.encode())
    for p in parts:
        h.update(repr(p).encode("utf-8", errors="replace"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


def model_path(kind: str, key: str, cache: str | Path | None = None) -> Path:
    return cache_dir(cache) / "nlu" / f"{kind}-{key}.pkl"


def save_pickle(obj: Any, path: str | Path) -> None:
    atomic_write_bytes(Path(path), pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def load_pickle(path: str | Path) -> Any | None:
    """The unpickled object, or None (logged) when the file is missing or unreadable."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except Exception as e:  # noqa: BLE001 - a broken cache file is rebuilt, never fatal
        log.warning("model cache %s unreadable (%s): retraining", path, e)
        return None


def encode(texts: list[str]) -> np.ndarray:
    """MiniLM vectors for texts (unique texts encoded once)."""
    import numpy as np

    from crs.embed import shared_encoder

    uniq = list(dict.fromkeys(texts))
    if not uniq:
        return np.zeros((0, 384), dtype=np.float32)
    if len(uniq) == 1:  # a chat turn: the cached one-sentence path, shared with the ranker's query encodings
        return np.repeat(shared_encoder().encode_one(uniq[0])[None, :], len(texts), axis=0)
    vecs = shared_encoder().encode(uniq)
    row = {t: i for i, t in enumerate(uniq)}
    return vecs[[row[t] for t in texts]]
