"""`PolicyObservation`: what a dialogue policy sees each turn (a summary, never the full candidate list).

Build it with `observe(belief, ...)` from a `Belief` (the env and the chat agent both do), or
construct it directly from plain arrays. Unit probabilities are the posterior probability that
the target has the unit; unit frequencies are shares of the hard candidate set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from crs.policy.belief import Belief


@dataclass(frozen=True)
class TurnSignals:
    """What the dialogue manager read this turn beyond the candidate summary (all 0 in the attribute
    env): critique rewriting, sentiment, review alignment, the order-aware timeline, the user's pace.
    Built by `crs.dialogue.signals.turn_signals`."""

    critique: float = 0.0
    """1 when this message critiqued the shown items (rewritten into a preference)."""
    wishes: int = 0
    """Soft preference phrases so far (rewritten critiques included)."""
    excludes: int = 0
    """Hard exclusions so far ("no horror")."""
    polarity: float = 0.0
    """Polarity of the user's last message (mean of its non-neutral mentions, -1..1)."""
    review_alignment: float = 0.0
    """Mean review evidence of the films `recommend` would show, aligned with the user's opinion (0..1)."""
    rank_margin: float = 0.0
    """How far the ranker's top film stands above the rest of the shortlist (z-score units)."""
    recent_agreement: float = 0.0
    """Share of the latest liked films (up to 3, most recent mentions) that share their commonest genre."""
    volunteered: float = 0.0
    """1 when the user said more than was asked (several new wishes, or new ones unprompted): mid-thought."""
    people_named: float = 0.0
    """1 once the user named a person (or a people constraint exists)."""
    evidence: int = 0
    """Pieces of evidence so far (liked films, wishes, includes; `crs.dialogue.observe.evidence`)."""
    open_asked: int = 0
    """Open questions ("any actor you like?") asked so far."""
    rounds_rejected: int = 0
    """Rounds of recommendations shown so far (none accepted)."""
    requested: float = 0.0
    """1 when the user asked for recommendations or turned the last ones down this turn."""


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
    open_units: tuple[str, ...] = ()
    """Attributes an open question may ask about now, people first ("any actor you like?", then "what
    kind of movies?"), most covered first."""
    open_cover: tuple[float, ...] = ()
    """Share of catalog items that have each open attribute."""
    open_people: tuple[bool, ...] = ()
    """Whether each open attribute is about people (actors, director) rather than a kind (genre, era)."""
    signals: TurnSignals = field(default_factory=TurnSignals)


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
    post = belief.posterior()
    cand = belief.candidates()
    prob, freq = belief.unit_stats()
    sel = _select_units(belief, prob, freq, n_units)
    top = _top_items(belief, post, cand, top_k)
    rows = belief.rows[top]
    nz = post[post > 0]
    ent = float(-(nz * np.log(nz)).sum()) if nz.size else 0.0
    labels = belief.space.labels
    cols = belief.units[sel]
    return PolicyObservation(
        turn=turn,
        max_turns=max_turns,
        n_items=belief.space.n_items,
        n_candidates=int(cand.sum()),
        n_effective=float(np.exp(ent)),
        top1_mass=float(post[top[0]]) if top.size else 0.0,
        topk_mass=float(post[top].sum()) if top.size else 0.0,
        noise_estimate=belief.noise_estimate(),
        units=tuple(labels[c] for c in cols),
        unit_columns=tuple(cols.tolist()),
        unit_prob=tuple(prob[sel].tolist()),
        unit_freq=tuple(freq[sel].tolist()),
        recommend_ids=tuple(item_ids[r] for r in rows),
        recommend_rows=tuple(rows.tolist()),
        recommend_scores=tuple(post[top].tolist()),
        accepted=tuple(labels[u] for u in belief.yes),
        rejected=tuple(labels[u] for u in belief.no),
        rejected_items=belief.n_rejected,
        last_actions=last_actions,
        mode=belief.config.mode,
    )


def _select_units(belief: Belief, prob: np.ndarray, freq: np.ndarray, n: int) -> np.ndarray:
    """Local indices of the `n` unasked units whose yes-share is closest to one half."""
    split = prob if belief.config.mode == "soft" else freq
    score = np.abs(split - 0.5)
    score[(split <= 1e-9) | (split >= 1 - 1e-9)] = np.inf
    score[belief.asked_mask[belief.units]] = np.inf
    k = min(n, score.size)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(score, k - 1)[:k] if k < score.size else np.arange(score.size)
    part = part[np.isfinite(score[part])]
    return part[np.lexsort((belief.units[part], score[part]))]


def _top_items(belief: Belief, post: np.ndarray, cand: np.ndarray, k: int) -> np.ndarray:
    """Local indices of the top-k rows by belief; hard modes rank candidates (else all rows) by prior."""
    if belief.config.mode == "soft" and post.any():
        score = post
    else:
        prior = belief.log_prior[belief.rows]
        base = prior - prior.min() + 1.0 if prior.size else prior
        score = np.where(cand, base, 0.0) if cand.any() else base
    k = min(k, int((score > 0).sum()))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-score, k - 1)[:k]
    return part[np.lexsort((belief.rows[part], -score[part]))]
