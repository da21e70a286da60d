"""Honest ReDial evaluation of recommendation from dialogue context.

For every recommender message that mentions catalog movies, the catalog is ranked using only the
messages before it; the ground truth is the set of movies in that message. Recall@k is computed per
(turn, ground-truth movie) pair, as in CRSLab / UniCRS, three ways:

- `all`: every such turn, full ground truth, the ranker's list as is;
- `dedup`: movies mentioned earlier in the dialogue removed from the ground truth *and* from the
  predictions (turns left without ground truth are dropped);
- `new_item_turns`: only turns whose ground truth holds a movie never mentioned before; the ground
  truth is those new movies and the predictions are *not* filtered by the evaluator.

Two baselines go through the same code: `popularity` (interaction counts of the training matrix)
and `repeat_context` (the context's movies, most recent first). Bad input (unknown movie ids,
empty dialogues, missing fields, malformed lines) is counted and reported, never fatal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from crs.catalog.dialogues import Dialogue, read_dialogues
from crs.types import Catalog, DialogueState, Mention, Speaker

KS = (1, 10, 50)
MODES = ("all", "dedup", "new_item_turns")


@dataclass(frozen=True)
class Turn:
    dialogue: Dialogue
    index: int  # index of the recommender message in dialogue.messages
    truth: tuple[str, ...]  # catalog ids in that message
    context_items: tuple[str, ...]  # catalog ids mentioned before it (order of mention, deduplicated)


@dataclass
class TurnStats:
    dialogues: int = 0
    bad_lines: int = 0
    empty_dialogues: int = 0
    unknown_movie_ids: int = 0
    turns: int = 0
    examples: list[str] = field(default_factory=list)


def extract_turns(dialogues: Iterable[Dialogue], catalog: Catalog, stats: TurnStats | None = None) -> list[Turn]:
    stats = stats or TurnStats()
    unknown: set[str] = set()
    turns: list[Turn] = []
    for d in dialogues:
        stats.dialogues += 1
        seen: dict[str, None] = {}
        for i, msg in enumerate(d.messages):
            known = [m for m in msg.movies if m in catalog]
            unknown.update(m for m in msg.movies if m not in catalog)
            if msg.role == "recommender" and known:
                turns.append(Turn(d, i, tuple(dict.fromkeys(known)), tuple(seen)))
            seen.update(dict.fromkeys(known))
    stats.unknown_movie_ids += len(unknown)
    stats.examples.extend(sorted(unknown)[:5])
    stats.turns += len(turns)
    return turns


def context_state(turn: Turn, catalog: Catalog, with_user: bool = True) -> DialogueState:
    """Dialogue state from the messages before the turn: item mentions (neutral polarity, in order)
    and the seeker's messages, with @ids replaced by titles, as preference phrases."""
    mentions: list[Mention] = []
    prefs: list[str] = []
    for t, msg in enumerate(turn.dialogue.messages[: turn.index]):
        speaker = Speaker.USER if msg.role == "seeker" else Speaker.SYSTEM
        for m in msg.movies:
            if m in catalog:
                mentions.append(Mention(m, "item", t, speaker))
        if msg.role == "seeker":
            text = msg.text
            for m in msg.movies:
                text = text.replace("@" + m, catalog.item(m).display if m in catalog else "")
            prefs.append(text)
    user = turn.dialogue.seeker if with_user else ""
    return DialogueState(session_id=turn.dialogue.conversation_id, user_id=user, turn=turn.index,
                         mentions=tuple(mentions), preferences=tuple(prefs))


def _hits(ranked: Sequence[int], truth_rows: Sequence[int], k: int) -> int:
    top = set(ranked[:k])
    return sum(1 for r in truth_rows if r in top)


class RecallAccumulator:
    """Per-(turn, target) recall for the three modes."""

    def __init__(self) -> None:
        self.hits = {m: np.zeros(len(KS)) for m in MODES}
        self.targets = dict.fromkeys(MODES, 0)
        self.turns = dict.fromkeys(MODES, 0)

    def add(self, ranked: Sequence[int], turn: Turn, catalog: Catalog) -> None:
        ranked = [int(r) for r in ranked]
        ctx = {catalog.row(i) for i in turn.context_items}
        truth = [catalog.row(i) for i in turn.truth]
        new = [r for r in truth if r not in ctx]
        deduped = [r for r in ranked if r not in ctx]
        for mode, gt, lst in (("all", truth, ranked), ("dedup", new, deduped), ("new_item_turns", new, ranked)):
            if not gt:
                continue
            self.turns[mode] += 1
            self.targets[mode] += len(gt)
            self.hits[mode] += [_hits(lst, gt, k) for k in KS]

    def report(self, mode: str) -> dict[str, float | int]:
        n = max(1, self.targets[mode])
        out: dict[str, float | int] = {f"recall_at_{k}": round(float(h) / n, 4) for k, h in zip(KS, self.hits[mode])}
        out["n_turns"] = self.turns[mode]
        out["n_targets"] = self.targets[mode]
        return out


def training_matrix(catalog: Catalog, exclude: Iterable[str] = (), files: Sequence[str | Path] | None = None,
                    dialogue_weight: float = 1.0) -> tuple[sp.csr_matrix, list[Dialogue]]:
    """The ReDial catalog's interactions rebuilt without the dialogues being evaluated.

    MovieLens users are kept; one pseudo-user per training dialogue (the seeker's liked or mentioned
    movies, and the movies the recommender suggested that the seeker liked) is added, skipping every
    dialogue whose conversationId is in `exclude`. Returns (matrix, training dialogues).
    """
    from crs.catalog.redial import DEFAULT_DIALOGUES

    root = Path(catalog.meta.get("root", "."))
    n_ml = int(catalog.meta.get("movielens_users", 0))
    base = sp.csr_matrix(catalog.interactions)[:n_ml] if catalog.interactions is not None else None
    skip = set(exclude)
    train: list[Dialogue] = []
    for f in files if files is not None else DEFAULT_DIALOGUES:
        p = Path(f) if Path(f).is_absolute() else root / f
        if p.exists():
            train.extend(d for d in read_dialogues(p).dialogues if d.conversation_id not in skip)
    rows, cols = [], []
    for u, d in enumerate(train):
        items = {m for msg in d.messages for m in msg.movies if m in catalog}
        items -= {m for m, q in d.seeker_labels.items() if q.get("liked") == 0}
        for m in items:
            rows.append(u)
            cols.append(catalog.row(m))
    dial = sp.csr_matrix((np.full(len(rows), dialogue_weight, np.float32), (rows, cols)), shape=(len(train), len(catalog)))
    X = sp.vstack([base, dial]).tocsr() if base is not None else dial
    return X, train


def evaluate_turns(turns: Sequence[Turn], catalog: Catalog, rank: Callable[[Turn], Sequence[int]]) -> RecallAccumulator:
    acc = RecallAccumulator()
    for t in turns:
        acc.add(rank(t), t, catalog)
    return acc


def popularity_ranker(pop: np.ndarray, k: int = max(KS)) -> Callable[[Turn], Sequence[int]]:
    top = np.argsort(-pop, kind="stable")[:k].tolist()
    return lambda t: top


def repeat_context_ranker(catalog: Catalog) -> Callable[[Turn], Sequence[int]]:
    return lambda t: [catalog.row(i) for i in reversed(t.context_items)]


def load_turns(path: str | Path, catalog: Catalog) -> tuple[list[Turn], TurnStats, list[Dialogue]]:
    f = read_dialogues(path)
    stats = TurnStats(bad_lines=len(f.bad_lines), empty_dialogues=f.empty)
    stats.examples.extend(f"line {n}: {why}" for n, why in f.bad_lines[:3])
    return extract_turns(f.dialogues, catalog, stats), stats, f.dialogues
