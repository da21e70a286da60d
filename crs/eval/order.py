"""Does the order of liked entities help? Ordered context vs the same model on shuffled order.

Each ReDial-format dialogue is replayed through the pure tracker (`crs.dialogue.track.update`), one
message at a time, with the movie mentions of each message as the parsed turn. At every
recommender message that mentions a movie not mentioned before, the context is the ordered list of
liked items so far (`liked_items`), and the targets are the new movies of that message. The same
model scores the ordered context and shuffled copies of it (a bag of entities); items already
mentioned are removed from the ranking (repeated-item control). Recall@k is averaged over turns.

Polarity of a mention (`context="liked"`): the seeker's post-chat `liked` label of that movie
(1 → +1, 0 → -1, 2/missing → neutral), identical in both conditions, so the comparison isolates
order. `context="all"` treats every mentioned movie as liked (for files without labels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from crs.dialogue.track import liked_items, mentioned_items, update
from crs.ranking.sequence import SequenceModel
from crs.types import Catalog, DialogueState, Mention, ParsedTurn, Speaker

CONTEXTS = ("liked", "all")


@dataclass(frozen=True)
class OrderCase:
    """One evaluation point: ordered liked context, new target items, items to exclude."""

    conversation_id: str
    context: tuple[str, ...]
    targets: tuple[str, ...]
    seen: tuple[str, ...]


def _polarity(dialogue: Any, movie: str, context: str) -> int:
    if context == "all":
        return 1
    liked = dialogue.seeker_labels.get(movie, {}).get("liked")
    return 1 if liked == 1 else -1 if liked == 0 else 0


def replay(dialogue: Any, catalog: Catalog, context: str = "liked") -> list[OrderCase]:
    """Evaluation cases of one dialogue (see module doc)."""
    if context not in CONTEXTS:
        raise ValueError(f"unknown context {context!r}; valid: {', '.join(CONTEXTS)}")
    state = DialogueState(session_id=dialogue.conversation_id)
    cases = []
    for msg in dialogue.messages:
        movies = [m for m in dict.fromkeys(msg.movies) if m in catalog]
        if msg.role == "recommender" and movies:
            seen = mentioned_items(state)
            targets = tuple(m for m in movies if m not in seen)
            ctx = tuple(liked_items(state))
            if targets and ctx:
                cases.append(OrderCase(dialogue.conversation_id, ctx, targets, tuple(seen)))
        speaker = Speaker.USER if msg.role == "seeker" else Speaker.SYSTEM
        mentions = tuple(Mention(m, "item", 0, speaker, _polarity(dialogue, m, context), text=msg.text[:80]) for m in movies)
        state = update(state, ParsedTurn(text=msg.text, mentions=mentions))
    return cases


def order_cases(dialogues: Sequence[Any], catalog: Catalog, context: str = "liked") -> list[OrderCase]:
    return [c for d in dialogues for c in replay(d, catalog, context)]


def _recalls(scores: np.ndarray, cases: Sequence[OrderCase], catalog: Catalog, ks: Sequence[int]) -> np.ndarray:
    """(len(cases), len(ks)) recall of each case's targets in the top-k of its scores."""
    out = np.zeros((len(cases), len(ks)))
    kmax = max(ks)
    for i, case in enumerate(cases):
        s = scores[i].copy()
        s[[catalog.row(x) for x in case.seen]] = -np.inf
        top = np.argpartition(-s, kmax)[:kmax]
        top = top[np.argsort(-s[top], kind="stable")]
        targets = {catalog.row(x) for x in case.targets}
        for j, k in enumerate(ks):
            out[i, j] = len(targets.intersection(top[:k].tolist())) / len(targets)
    return out


def _shuffled(case: OrderCase, rng: np.random.Generator) -> list[str]:
    return [case.context[i] for i in rng.permutation(len(case.context))]


def per_case_recalls(
    model: SequenceModel, catalog: Catalog, cases: Sequence[OrderCase], ks: Sequence[int] = (10, 50),
    shuffles: int = 5, seed: int = 0, chunk: int = 256,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-case recalls (n, len(ks)) for the ordered context and the mean over shuffled copies."""
    rng = np.random.default_rng(seed)
    ordered = np.zeros((len(cases), len(ks)))
    shuffled = np.zeros((len(cases), len(ks)))
    for s in range(0, len(cases), chunk):
        part = cases[s:s + chunk]
        ordered[s:s + len(part)] = _recalls(model.score_batch([c.context for c in part]), part, catalog, ks)
        for _ in range(shuffles):
            scores = model.score_batch([_shuffled(c, rng) for c in part])
            shuffled[s:s + len(part)] += _recalls(scores, part, catalog, ks) / shuffles
    return ordered, shuffled


def _bootstrap_ci(diff: np.ndarray, seed: int = 0, n_boot: int = 2000) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(n_boot, len(diff)))].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def _summary(rec: np.ndarray, ks: Sequence[int]) -> dict[str, float]:
    return {f"recall_at_{k}": float(rec[:, j].mean()) if len(rec) else 0.0 for j, k in enumerate(ks)}


def evaluate_order(
    model: SequenceModel, catalog: Catalog, cases: Sequence[OrderCase], ks: Sequence[int] = (10, 50),
    shuffles: int = 5, seed: int = 0,
) -> dict[str, Any]:
    """Report: `ordered` / `shuffled` recalls, `n` cases, the effect on Recall@max(k) with a 95%
    paired-bootstrap interval, and the same figures restricted to contexts of two or more items."""
    ks = sorted({int(k) for k in ks})
    ordered, shuffled = per_case_recalls(model, catalog, cases, ks, shuffles, seed)
    diff = ordered[:, -1] - shuffled[:, -1]
    multi = np.array([len(c.context) >= 2 for c in cases], dtype=bool)
    k = ks[-1]
    report: dict[str, Any] = {
        "ordered": _summary(ordered, ks),
        "shuffled": _summary(shuffled, ks),
        "n": len(cases),
        "n_targets": sum(len(c.targets) for c in cases),
        "shuffles": shuffles,
        "effect": {
            f"recall_at_{k}_diff": float(diff.mean()) if len(diff) else 0.0,
            "ci95": list(_bootstrap_ci(diff, seed)) if len(diff) else [0.0, 0.0],
            "better_cases": int((diff > 1e-9).sum()),
            "worse_cases": int((diff < -1e-9).sum()),
        },
        "context_ge_2": {"n": int(multi.sum()), "ordered": _summary(ordered[multi], ks), "shuffled": _summary(shuffled[multi], ks)},
    }
    return report


def run_order_eval(
    dialogue_paths: Sequence[str], data_dir: str | Path | None = None, context: str = "liked", shuffles: int = 5,
    epochs: int | None = None, seed: int = 0, log: Any = None,
) -> dict[str, Any]:
    """What `crs eval order` does: load the ReDial catalog, train (or load from the cache) the
    sequence model on the train split of the ReDial train dialogues, and evaluate it on the given
    ReDial-format files, leaving out any dialogue the model was trained on."""
    from dataclasses import replace

    from crs.catalog import load_catalog
    from crs.catalog.dialogues import read_dialogues, redial_train_dev
    from crs.errors import CRSError
    from crs.ranking.sequence import SequenceConfig, train_or_load

    if context not in CONTEXTS:
        raise CRSError(f"unknown --context {context!r}; valid: {', '.join(CONTEXTS)}")
    if shuffles < 1:
        raise CRSError("--shuffles must be at least 1")
    files = [read_dialogues(p) for p in dialogue_paths]  # missing file → CatalogError before any training
    catalog = load_catalog("redial", data_dir=data_dir)
    train, _dev = redial_train_dev(data_dir)
    seen_ids = {d.conversation_id for d in train}
    dialogues = [d for f in files for d in f.dialogues if d.conversation_id not in seen_ids]
    cases = order_cases(dialogues, catalog, context)
    if not cases:
        raise CRSError(
            f"no evaluable turn in {', '.join(map(str, dialogue_paths))}: need recommender messages that "
            "mention a new catalog movie after at least one liked movie (dialogues used in training are left out; "
            "for files without seeker `liked` labels use --context all)"
        )
    config = SequenceConfig() if epochs is None else replace(SequenceConfig(), epochs=epochs)
    model, path, trained = train_or_load(catalog, train, config, log=log)
    report = evaluate_order(model, catalog, cases, shuffles=shuffles, seed=seed)
    report.update({
        "dialogues": len(dialogues),
        "excluded_training_dialogues": sum(len(f.dialogues) for f in files) - len(dialogues),
        "bad_lines": sum(len(f.bad_lines) for f in files),
        "context": context,
        "model": str(path),
        "trained_now": trained,
    })
    return report
