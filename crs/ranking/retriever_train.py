"""`crs train retriever`: a query projection on top of MiniLM, trained with a contrastive loss.

Reads top to bottom: config, pairs, encodings, the loop, the artifact.

- Pairs: at every recommender message of a *training* dialogue that suggests a catalog film not
  mentioned before and not labelled disliked by the seeker, (the dialogue query of the messages
  before it -> that film). The dialogue query is `crs.retrieval.dialogue.dialogue_query` of the
  same context state the evaluation builds (`crs.ranking.redial_eval.context_state`), so training
  and the live path read one text form.
- Encodings: the cached MiniLM item vectors (`crs.embed.item_vectors`) stay fixed; the contexts
  are encoded once with MiniLM (cached under the cache dir, keyed by the texts).
- Model: q -> normalise((I + A) q + b), A and b start at zero, with an L2 pull of A towards 0.
- Loss: InfoNCE, temperature `temperature`, against every catalog item (`negatives="catalog"`,
  the default: the catalog has 6.9k items, so the full softmax is cheap and contains every in-batch
  negative) or against the batch's other targets only (`"in-batch"`, pairs with the same target
  masked out). On the held-out tenth, in-batch negatives did not beat the plain MiniLM query
  (R@10 0.041 vs 0.035, R@50 0.122 vs 0.135) while the full softmax did (0.100 / 0.227): see
  docs/retrieval-and-ranking.md.
- A tenth of the training dialogues (by a hash of the conversation id) is held out to report
  recall of the projected vs the plain MiniLM query; the dev split is never read.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from crs.catalog.dialogues import Dialogue
from crs.ranking.redial_eval import context_state, extract_turns
from crs.retrieval.dialogue import QueryProjection, dialogue_query, manifest_key
from crs.types import Catalog


@dataclass(frozen=True)
class ProjectionConfig:
    """Training options of the query projection (written into the manifest)."""

    epochs: int = 30
    """Passes over the training pairs."""
    batch_size: int = 256
    """Pairs per batch (the in-batch negatives)."""
    lr: float = 2e-3
    """Adam learning rate."""
    temperature: float = 0.05
    """Softmax temperature of the InfoNCE loss."""
    l2: float = 0.1
    """Weight of the pull of A (W = I + A) towards zero."""
    holdout: float = 0.1
    """Share of the training dialogues held out for the reported recall."""
    seed: int = 0
    """Seed of the initialisation and batch order."""
    negatives: str = "catalog"
    """in-batch: the other targets of the batch; catalog: every catalog item (full softmax)."""


@dataclass(frozen=True)
class Pair:
    conversation: str
    query: str
    target: int  # catalog row


def training_pairs(catalog: Catalog, dialogues: Sequence[Dialogue]) -> list[Pair]:
    """(dialogue query -> suggested new film the seeker did not dislike) pairs, see module doc."""
    out: list[Pair] = []
    for t in extract_turns(dialogues, catalog):
        labels = t.dialogue.seeker_labels
        new = [m for m in t.truth if m not in t.context_items and labels.get(m, {}).get("liked") != 0]
        if not new:
            continue
        q = dialogue_query(catalog, context_state(t, catalog, with_user=False))
        if q:
            out.extend(Pair(t.dialogue.conversation_id, q, catalog.row(m)) for m in new)
    return out


def held_out(conversation: str, share: float) -> bool:
    h = int(hashlib.md5(f"holdout:{conversation}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return h < share


def encode_cached(texts: Sequence[str], encode: Callable[[list[str]], np.ndarray], cache: Path) -> np.ndarray:
    """MiniLM vectors of `texts`, cached in one file keyed by a digest of the texts."""
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:20]
    path = cache / f"contexts-{key}.npy"
    if path.exists():
        arr = np.load(path)
        if arr.shape[0] == len(texts):
            return arr
    arr = np.asarray(encode(list(texts)), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, arr)
    return arr


def recall_at(Q: np.ndarray, items: np.ndarray, targets: np.ndarray, ks: Sequence[int] = (1, 10, 50)) -> dict[str, float]:
    """Share of pairs whose target is in the top k of the catalog by cosine."""
    if len(Q) == 0:
        return {f"recall_at_{k}": 0.0 for k in ks}
    S = Q @ items.T
    rank = (S > S[np.arange(len(Q)), targets][:, None]).sum(axis=1)
    return {f"recall_at_{k}": round(float((rank < k).mean()), 4) for k in ks}


def fit(Q: np.ndarray, targets: np.ndarray, items: np.ndarray, config: ProjectionConfig,
        log: Callable[[str], None] | None = None) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Train W = I + A and b on (query vector, target row) pairs; returns (W, b, loss per epoch)."""
    import torch

    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    d = Q.shape[1]
    A = torch.zeros(d, d, requires_grad=True)
    b = torch.zeros(d, requires_grad=True)
    opt = torch.optim.Adam([A, b], lr=config.lr)
    q_all = torch.from_numpy(np.ascontiguousarray(Q, dtype=np.float32))
    v_all = torch.from_numpy(np.ascontiguousarray(items[targets], dtype=np.float32))
    t_all = torch.from_numpy(np.asarray(targets, dtype=np.int64))
    items_t = torch.from_numpy(np.ascontiguousarray(items, dtype=np.float32))
    eye = torch.eye(d)
    losses: list[float] = []
    for epoch in range(config.epochs):
        perm = torch.randperm(len(Q), generator=gen)
        total, n = 0.0, 0
        for s in range(0, len(Q), config.batch_size):
            idx = perm[s:s + config.batch_size]
            q = torch.nn.functional.normalize(q_all[idx] @ (eye + A).T + b, dim=1)
            if config.negatives == "catalog":
                logits, labels = q @ items_t.T / config.temperature, t_all[idx]
            else:
                logits = q @ v_all[idx].T / config.temperature
                same = (t_all[idx][:, None] == t_all[idx][None, :]) & ~torch.eye(len(idx), dtype=torch.bool)
                logits, labels = logits.masked_fill(same, float("-inf")), torch.arange(len(idx))
            loss = torch.nn.functional.cross_entropy(logits, labels) + config.l2 * (A * A).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
            n += len(idx)
        losses.append(round(total / max(1, n), 4))
        if log and (epoch % 10 == 9 or epoch == config.epochs - 1):
            log(f"epoch {epoch + 1}/{config.epochs}: loss {losses[-1]}")
    W = (eye + A).detach().numpy().astype(np.float32)
    return W, b.detach().numpy().astype(np.float32), losses


def train_projection(catalog: Catalog, dialogues: Sequence[Dialogue], items: np.ndarray,
                     encode: Callable[[list[str]], np.ndarray], cache: Path,
                     config: ProjectionConfig | None = None,
                     log: Callable[[str], None] | None = None) -> tuple[QueryProjection, dict[str, Any]]:
    """Train the projection on the training dialogues; returns it and a report (manifest content)."""
    cfg = config or ProjectionConfig()
    say = log or (lambda _m: None)
    start = time.process_time()
    pairs = training_pairs(catalog, dialogues)
    if not pairs:
        from crs.errors import CRSError

        raise CRSError("no training pairs: the dialogues suggest no catalog film")
    texts = sorted({p.query for p in pairs})
    say(f"{len(pairs)} pairs from {len({p.conversation for p in pairs})} dialogues; encoding {len(texts)} contexts")
    vecs = encode_cached(texts, encode, cache)
    pos = {t: i for i, t in enumerate(texts)}
    Q = vecs[[pos[p.query] for p in pairs]]
    T = np.asarray([p.target for p in pairs], dtype=np.int64)
    hold = np.asarray([held_out(p.conversation, cfg.holdout) for p in pairs])
    W, b, losses = fit(Q[~hold], T[~hold], items, cfg, say)
    key = manifest_key(asdict(cfg), [(hashlib.sha256(p.query.encode()).hexdigest()[:12], str(p.target)) for p in pairs])
    proj = QueryProjection(W, b, key)
    report: dict[str, Any] = {
        "key": key, "config": asdict(cfg), "pairs": int((~hold).sum()), "held_out_pairs": int(hold.sum()),
        "dialogues": len({p.conversation for p in pairs}), "loss": losses,
        "held_out_recall": {"minilm": recall_at(Q[hold], items, T[hold]),
                            "projected": recall_at(proj.batch(Q[hold]), items, T[hold])},
        "cpu_seconds": round(time.process_time() - start, 1),
    }
    return proj, report


def train_and_ship(catalog: Catalog, data_dir: str | Path | None, cache: str | Path | None = None,
                   config: ProjectionConfig | None = None, fusion: bool = True, out_dir: Path | None = None,
                   log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """`crs train retriever`: the projection on the train part of the ReDial train dialogues, then
    (unless `fusion` is False) the fusion weights on the tuning half of the dev part
    (`split_dialogues(dev, 0.5, seed 1)`, the half named A in docs/retrieval-and-ranking.md); the other half
    is never read. Writes `retriever-projection.npz`, `fusion.json` and the manifest
    `retriever.json` to `out_dir` (data/models)."""
    import json

    from crs.catalog.dialogues import redial_train_dev, split_dialogues
    from crs.config import cache_dir
    from crs.embed import item_vectors, shared_encoder
    from crs.ranking.learned import fit_fusion, write_weights
    from crs.retrieval import build_engine
    from crs.retrieval.dialogue import PROJECTION_NAME, SHIPPED_DIR

    say = log or (lambda _m: None)
    out = out_dir or SHIPPED_DIR
    train, dev = redial_train_dev(data_dir)
    items = item_vectors(catalog, cache=cache, progress=False)
    proj, report = train_projection(catalog, train, items, lambda ts: shared_encoder().encode(ts),
                                    cache_dir(cache) / "retriever", config, say)
    proj.save(out / PROJECTION_NAME)
    manifest: dict[str, Any] = {
        "command": "crs train retriever --data-dir DATA", "projection": {"file": PROJECTION_NAME, **report},
        "data": "ReDial train files, train part of split_dialogues(0.2, seed 0) (1,233 dialogues); "
                "item vectors: packaged all-MiniLM-L6-v2 over the catalog's item text",
        "licence": "ReDial, CC BY 4.0 (Li et al., NeurIPS 2018); MiniLM all-MiniLM-L6-v2, Apache-2.0",
    }
    if fusion:
        _b, tuning = split_dialogues(dev, 0.5, 1)
        say(f"fitting the fusion on {len(tuning)} tuning dialogues")
        engine = build_engine(catalog, cache, progress=False)
        weights, fit = fit_fusion(catalog, tuning, {d.conversation_id for d in dev}, engine, proj,
                                  Path(cache) if cache else None)
        write_weights(weights, {"fit": fit, "data": "new-item turns of dev half A: split_dialogues(dev, 0.5, seed 1)[1]",
                                "projection": proj.key}, out)
        manifest["fusion"] = {"file": "fusion.json", **fit}
    (out / "retriever.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest
