"""Order-aware sequence model: a small transformer encoder over item sequences (BERT4Rec-style).

Trained with a Cloze objective (random positions masked, predicted from both sides) mixed with a
next-item objective (only the last position masked), on ReDial mention sequences (the order in
which movies come up in each training dialogue) and MovieLens rating sequences ordered by time.
Sequences are right-aligned: the last position is always the most recent item, so the position
embeddings encode recency. To score, the context is followed by a [MASK] token whose output is
compared with every item embedding (tied weights): one score per catalog row.

torch is imported lazily (inside functions) so importing this module has no side effects.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from crs.config import atomic_write_bytes, cache_dir
from crs.errors import CRSError
from crs.types import Catalog, DialogueState

if TYPE_CHECKING:
    from crs.catalog.dialogues import Dialogue
    from crs.ranking.sequence_net import SequenceNet

PAD, MASK, OFFSET = 0, 1, 2


class SequenceModelError(CRSError):
    """A sequence-model file is missing, corrupt, or does not match the catalog."""


@dataclass(frozen=True)
class SequenceConfig:
    """Hyper-parameters of the sequence model (part of the cache fingerprint)."""

    max_len: int = 20
    """Longest context window (items); longer contexts keep their most recent items."""
    dim: int = 64
    """Embedding and hidden size."""
    layers: int = 2
    """Transformer encoder layers."""
    heads: int = 2
    """Attention heads."""
    dropout: float = 0.2
    """Dropout in embeddings and encoder layers."""
    epochs: int = 8
    """Passes over the training windows."""
    batch_size: int = 128
    """Windows per optimisation step."""
    lr: float = 2e-3
    """AdamW learning rate (cosine decay to 0)."""
    mask_prob: float = 0.25
    """Cloze: probability of masking each position."""
    last_prob: float = 0.5
    """Share of windows trained with the next-item objective (only the last position masked)."""
    min_rating: float = 3.5
    """MovieLens ratings at or above this enter the rating sequences."""
    use_movielens: bool = True
    """Add MovieLens rating sequences (ordered by timestamp) to the ReDial mention sequences."""
    redial_repeat: int = 1
    """How many times each ReDial sequence is repeated per epoch (they are short and in-domain)."""
    redial_prefixes: bool = True
    """Also train on every prefix of each ReDial sequence (next-item augmentation: the evaluation
    predicts the next new movie from the dialogue so far)."""
    seed: int = 0
    """Seed for initialisation, masking and shuffling."""
    threads: int = 1
    """torch CPU threads used for training and scoring."""


# --- training sequences --------------------------------------------------------------------


def redial_sequences(dialogues: Sequence[Dialogue], catalog: Catalog) -> list[list[str]]:
    """Movies in order of first mention in each dialogue (both speakers), catalog items only."""
    out = []
    for d in dialogues:
        seq = [m for msg in d.messages for m in msg.movies if m in catalog]
        seq = list(dict.fromkeys(seq))
        if len(seq) >= 2:
            out.append(seq)
    return out


def movielens_sequences(catalog: Catalog, min_rating: float = 3.5) -> list[list[str]]:
    """Per MovieLens user, items rated >= min_rating ordered by timestamp (from catalog.meta)."""
    ratings = catalog.meta.get("ratings") or {}
    by_user: dict[int, list[tuple[int, str]]] = {}
    for recs in ratings.values():
        for user, item, rating, ts in recs:
            if rating >= min_rating and item in catalog:
                by_user.setdefault(user, []).append((int(ts), item))
    return [[item for _, item in sorted(v)] for _, v in sorted(by_user.items()) if len(v) >= 2]


def windows(seqs: Sequence[Sequence[int]], max_len: int) -> list[list[int]]:
    """Cut sequences into consecutive windows of at most max_len items (the last ends at the end)."""
    out = []
    for s in seqs:
        end = len(s)
        while end > 0:
            start = max(0, end - max_len)
            if end - start >= 2:
                out.append(list(s[start:end]))
            end = start
    return out


# --- the network -----------------------------------------------------------------------------


def _build_net(n_items: int, cfg: SequenceConfig) -> SequenceNet:
    from crs.ranking.sequence_net import SequenceNet

    return SequenceNet(n_items, cfg)


def _right_align(batch: Sequence[Sequence[int]], max_len: int) -> np.ndarray:
    x = np.zeros((len(batch), max_len), dtype=np.int64)
    for i, s in enumerate(batch):
        s = list(s)[-max_len:]
        if s:
            x[i, max_len - len(s):] = s
    return x


def _mask_batch(x: np.ndarray, cfg: SequenceConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Cloze / next-item masking. Returns (inputs, targets) with target -100 where not masked."""
    real = x != PAD
    masked = (rng.random(x.shape) < cfg.mask_prob) & real
    last_only = rng.random(len(x)) < cfg.last_prob
    masked[last_only] = False
    masked[:, -1] |= last_only  # right-aligned: the last column is the most recent item
    none = ~masked.any(axis=1)
    masked[none, -1] = True
    targets = np.where(masked, x - OFFSET, -100)
    inputs = np.where(masked, MASK, x)
    return inputs, targets


# --- the model -------------------------------------------------------------------------------


class SequenceModel:
    """Scores every catalog item from an ordered list of liked item ids (most recent last)."""

    def __init__(self, item_ids: Sequence[str], config: SequenceConfig | None = None) -> None:
        self.config = config or SequenceConfig()
        self.item_ids = list(item_ids)
        self._row = {x: i for i, x in enumerate(self.item_ids)}
        self.net = _build_net(len(self.item_ids), self.config)
        self.history: list[dict[str, float]] = []

    # -- training
    def fit(self, catalog: Catalog, dialogues: Sequence[Dialogue], log: Callable[[str], None] | None = None) -> SequenceModel:
        """Train on ReDial mention sequences of `dialogues` (+ MovieLens sequences of the catalog)."""
        if list(catalog.ids) != self.item_ids:
            raise SequenceModelError("the model's item ids do not match the catalog it is fitted on")
        seqs = redial_sequences(dialogues, catalog)
        if self.config.redial_prefixes:
            seqs = [s[:end] for s in seqs for end in range(2, len(s) + 1)]
        seqs = seqs * max(1, self.config.redial_repeat)
        if self.config.use_movielens:
            seqs += movielens_sequences(catalog, self.config.min_rating)
        return self.fit_sequences(seqs, log=log)

    def fit_sequences(self, sequences: Sequence[Sequence[str]], log: Callable[[str], None] | None = None) -> SequenceModel:
        """Train on item-id sequences (oldest first); unknown ids are skipped."""
        import torch

        cfg = self.config
        if cfg.epochs < 1 or cfg.batch_size < 1 or cfg.max_len < 2:
            raise SequenceModelError(f"invalid sequence config: epochs={cfg.epochs}, batch_size={cfg.batch_size}, max_len={cfg.max_len}")
        torch.manual_seed(cfg.seed)
        rng = np.random.default_rng(cfg.seed)
        encoded = [[self._row[x] + OFFSET for x in s if x in self._row] for s in sequences]
        data = _right_align(windows([s for s in encoded if len(s) >= 2], cfg.max_len), cfg.max_len)
        if len(data) == 0:
            raise SequenceModelError("no training sequence with two or more known items")
        steps_per_epoch = math.ceil(len(data) / cfg.batch_size)
        total = steps_per_epoch * cfg.epochs
        opt = torch.optim.AdamW(self.net.parameters(), lr=cfg.lr, weight_decay=0.01)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
        prev_threads = torch.get_num_threads()
        torch.set_num_threads(cfg.threads)
        try:
            self.net.train()
            for epoch in range(cfg.epochs):
                t0, losses = time.perf_counter(), []
                idx = rng.permutation(len(data))
                for start in range(0, len(data), cfg.batch_size):
                    inputs, targets = _mask_batch(data[idx[start:start + cfg.batch_size]], cfg, rng)
                    h = self.net(torch.from_numpy(inputs))
                    t = torch.from_numpy(targets)
                    sel = t != -100
                    loss = torch.nn.functional.cross_entropy(self.net.logits(h[sel]), t[sel])
                    opt.zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)
                    opt.step()
                    sched.step()
                    losses.append(loss.item())
                self.history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "seconds": time.perf_counter() - t0})
                if log:
                    log(f"epoch {epoch + 1}/{cfg.epochs} loss {np.mean(losses):.3f} ({len(data)} windows)")
        finally:
            torch.set_num_threads(prev_threads)
        self.net.eval()
        return self

    # -- scoring
    def encode(self, item_ids_in_order: Sequence[str]) -> list[int]:
        """Token ids of the known items of a context (unknown ids skipped), most recent kept."""
        toks = [self._row[x] + OFFSET for x in item_ids_in_order if x in self._row]
        return toks[-(self.config.max_len - 1):]

    def score_batch(self, contexts: Sequence[Sequence[str]], batch_size: int = 256) -> np.ndarray:
        """Scores (len(contexts), n_items) for several ordered contexts at once."""
        import torch

        out = np.zeros((len(contexts), len(self.item_ids)), dtype=np.float32)
        prev_threads = torch.get_num_threads()
        torch.set_num_threads(self.config.threads)
        try:
            self.net.eval()
            with torch.inference_mode():
                for s in range(0, len(contexts), batch_size):
                    toks = [self.encode(c) + [MASK] for c in contexts[s:s + batch_size]]
                    x = torch.from_numpy(_right_align(toks, self.config.max_len))
                    out[s:s + len(toks)] = self.net.logits(self.net(x)[:, -1]).numpy()
        finally:
            torch.set_num_threads(prev_threads)
        return out

    def score(self, item_ids_in_order: Sequence[str]) -> np.ndarray:
        """One score per catalog row from an ordered context (oldest first); empty → prior only."""
        return self.score_batch([list(item_ids_in_order)])[0]

    # -- persistence
    def save(self, path: str | Path) -> Path:
        import torch

        buf = io.BytesIO()
        torch.save({"config": asdict(self.config), "item_ids": self.item_ids, "history": self.history,
                    "state_dict": self.net.state_dict()}, buf)
        path = Path(path)
        atomic_write_bytes(path, buf.getvalue())
        return path

    @classmethod
    def load(cls, path: str | Path, catalog: Catalog | None = None) -> SequenceModel:
        """Load a saved model; with `catalog`, check that it was trained on the same item ids."""
        import torch

        path = Path(path)
        if not path.is_file():
            raise SequenceModelError(f"sequence model file not found: {path} (train it with `crs train sequence`)")
        try:
            blob = torch.load(path, map_location="cpu", weights_only=True)
            model = cls(blob["item_ids"], SequenceConfig(**blob["config"]))
            model.net.load_state_dict(blob["state_dict"])
        except (OSError, EOFError, RuntimeError, KeyError, TypeError, ValueError, pickle.UnpicklingError) as e:
            raise SequenceModelError(f"cannot load sequence model {path}: {type(e).__name__}: {e}") from None
        if catalog is not None and list(catalog.ids) != model.item_ids:
            raise SequenceModelError(f"sequence model {path} was trained on another catalog")
        model.history = list(blob.get("history", []))
        model.net.eval()
        return model


# --- caching ---------------------------------------------------------------------------------


def fingerprint(catalog: Catalog, dialogues: Sequence[Dialogue], config: SequenceConfig) -> str:
    """Hash of the catalog, the training dialogues' mention sequences and the config."""
    h = hashlib.sha256(b"sequence-v2")
    h.update(catalog.fingerprint().encode())
    h.update(json.dumps(asdict(config), sort_keys=True).encode())
    for d in dialogues:
        h.update(d.conversation_id.encode() + b"\x00")
        h.update(",".join(m for msg in d.messages for m in msg.movies).encode() + b"\x01")
    if config.use_movielens:
        ratings = catalog.meta.get("ratings") or {}
        h.update(str(sum(len(v) for v in ratings.values())).encode())
        h.update(str(sum(ts for v in ratings.values() for *_, ts in v)).encode())
    return h.hexdigest()[:16]


def model_path(catalog: Catalog, dialogues: Sequence[Dialogue], config: SequenceConfig, cache: str | Path | None = None) -> Path:
    return cache_dir(cache) / "sequence" / f"{catalog.name}-{fingerprint(catalog, dialogues, config)}.pt"


def train_or_load(
    catalog: Catalog,
    dialogues: Sequence[Dialogue],
    config: SequenceConfig | None = None,
    cache: str | Path | None = None,
    force: bool = False,
    log: Callable[[str], None] | None = None,
) -> tuple[SequenceModel, Path, bool]:
    """Load the cached model for these inputs, or train and save it. Returns (model, path, trained)."""
    config = config or SequenceConfig()
    path = model_path(catalog, dialogues, config, cache)
    if path.is_file() and not force:
        try:
            return SequenceModel.load(path, catalog), path, False
        except SequenceModelError:
            pass  # corrupt cache entry: retrain and overwrite
    model = SequenceModel(catalog.ids, config).fit(catalog, dialogues, log=log)
    model.save(path)
    return model, path, True


class SequenceRanker:
    """`Ranker` adapter: scores candidate rows from the state's ordered liked items."""

    def __init__(self, model: SequenceModel, catalog: Catalog) -> None:
        if list(catalog.ids) != model.item_ids:
            raise SequenceModelError("the sequence model was trained on another catalog")
        self.model = model

    def score(self, state: DialogueState, rows: np.ndarray) -> np.ndarray:
        from crs.types import liked_items

        return self.model.score(liked_items(state))[np.asarray(rows, dtype=np.int64)]
