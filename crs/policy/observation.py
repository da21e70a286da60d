"""`PolicyObservation`: what a dialogue policy sees each turn (a summary, never the full candidate list).

Build it with `observe(belief, ...)` from a `Belief` (the env and the chat agent both do), or
construct it directly from plain arrays. Unit probabilities are the posterior probability that
the target has the unit; unit frequencies are shares of the hard candidate set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crs.policy.belief import Belief


@dataclass(frozen=True)
class PolicyObservation:
    """One turn's policy input. Units are askable `name=value` labels pre-selected by entropy."""

    turn: int
    """System turns taken so far (0 before the first system action)."""
    max_turns: int
    n_items: int
    n_candidates: int
    """Items consistent with every answer and not rejected (hard candidate set)."""
    n_effective: float
    """exp(entropy) of the belief over items: the soft candidate count."""
    top1_mass: float
    topk_mass: float
    """Belief mass of the items `recommend` would show."""
    noise_estimate: float
    units: tuple[str, ...]
    unit_columns: tuple[int, ...]
    unit_prob: tuple[float, ...]
    unit_freq: tuple[float, ...]
    recommend_ids: tuple[str, ...]
    recommend_rows: tuple[int, ...]
    recommend_scores: tuple[float, ...]
    accepted: tuple[str, ...] = ()
    """Units the user confirmed (including the opening statement)."""
    rejected: tuple[str, ...] = ()
    """Units the user denied."""
    rejected_items: int = 0
    last_actions: tuple[str, ...] = ()
    """Kinds of the previous system actions, oldest first."""
    mode: str = "soft"


def observe(
    belief: Belief,
    item_ids: list[str] | tuple[str, ...],
    turn: int,
    max_turns: int = 15,
    n_units: int = 10,
    top_k: int = 10,
    last_actions: tuple[str, ...] = (),
) -> PolicyObservation:
    """Summarise a belief for the policy: top askable units by entropy, top-k items by belief."""
    space = belief.space
    post = belief.posterior()
    cand = belief.candidates()
    n_cand = int(cand.sum())
    unit_prob = space.items.T @ post if post.any() else np.zeros(space.n_units)
    unit_freq = space.items.T @ cand.astype(np.float32) / max(n_cand, 1)
    cols = _select_units(belief, unit_prob, unit_freq, n_units)
    rows = _top_items(belief, post, cand, top_k)
    nz = post[post > 0]
    ent = float(-(nz * np.log(nz)).sum()) if nz.size else 0.0
    labels = space.labels
    return PolicyObservation(
        turn=turn,
        max_turns=max_turns,
        n_items=space.n_items,
        n_candidates=n_cand,
        n_effective=float(np.exp(ent)),
        top1_mass=float(post[rows[0]]) if rows.size else 0.0,
        topk_mass=float(post[rows].sum()) if rows.size else 0.0,
        noise_estimate=belief.noise_estimate(),
        units=tuple(labels[c] for c in cols),
        unit_columns=tuple(int(c) for c in cols),
        unit_prob=tuple(float(unit_prob[c]) for c in cols),
        unit_freq=tuple(float(unit_freq[c]) for c in cols),
        recommend_ids=tuple(item_ids[r] for r in rows),
        recommend_rows=tuple(int(r) for r in rows),
        recommend_scores=tuple(float(post[r]) for r in rows),
        accepted=tuple(labels[u] for u in belief.yes),
        rejected=tuple(labels[u] for u in belief.no),
        rejected_items=int(belief.rejected.sum()),
        last_actions=last_actions,
        mode=belief.config.mode,
    )


def _select_units(belief: Belief, unit_prob: np.ndarray, unit_freq: np.ndarray, n: int) -> np.ndarray:
    """The `n` unasked units whose yes-probability is closest to one half (most informative)."""
    split = unit_prob if belief.config.mode == "soft" else unit_freq
    score = np.abs(split - 0.5)
    score[(split <= 1e-9) | (split >= 1 - 1e-9)] = np.inf
    if belief.asked:
        score[list(belief.asked)] = np.inf
    k = min(n, score.size)
    part = np.argpartition(score, k - 1)[:k] if k < score.size else np.arange(score.size)
    part = part[np.isfinite(score[part])]
    return part[np.lexsort((part, score[part]))]


def _top_items(belief: Belief, post: np.ndarray, cand: np.ndarray, k: int) -> np.ndarray:
    """Top-k rows by belief (ties broken by prior); falls back to the prior over allowed rows."""
    if belief.config.mode == "soft" and post.any():
        score = post
    elif cand.any():
        score = np.where(cand, belief.log_prior - belief.log_prior.min() + 1.0, 0.0)
    else:
        score = np.where(~belief.rejected, belief.log_prior - belief.log_prior.min() + 1.0, 0.0)
    k = min(k, int((score > 0).sum()))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-score, k - 1)[:k]
    return part[np.argsort(-score[part], kind="stable")]
