"""Fixed-size feature tensors for the Q-network and the Gymnasium observation space.

Action slots: `n_ask` yes/no ask slots (the pre-selected `name=value` units, closest to a half
split first), then `recommend`, then `wait`, then `N_OPEN` open-question slots (`ask_open`: "any
actor you like?", one per open attribute the catalog has). Every slot has the same per-action
feature vector; a mask marks empty slots. The global vector holds the candidate summary and the
turn's `TurnSignals` (critiques, polarity, review alignment, recency, the user's pace).
"""

from __future__ import annotations

import math

import numpy as np

from crs.policy.observation import PolicyObservation
from crs.types import Action

GLOBAL_DIM = 26
ACTION_DIM = 13
KINDS = ("ask", "recommend", "wait", "ask_open")
N_OPEN = 5
"""Open-question slots (people attributes, then kinds such as genres and era; empty slots are masked)."""


def n_slots(n_ask: int) -> int:
    return n_ask + 2 + N_OPEN


def _signals(obs: PolicyObservation) -> list[float]:
    """The turn's `TurnSignals`, scaled to about [-1, 2] (12 values)."""
    s = obs.signals
    return [s.critique, min(s.wishes / 3.0, 2.0), min(s.excludes / 3.0, 2.0), s.polarity, s.review_alignment,
            max(-2.0, min(s.rank_margin / 3.0, 2.0)), s.recent_agreement, s.volunteered, s.people_named,
            min(s.evidence / 4.0, 1.5), min(s.open_asked / 2.0, 1.5), min(s.rounds_rejected / 3.0, 2.0)]


def encode(obs: PolicyObservation, n_ask: int, top_k: int) -> dict[str, np.ndarray]:
    """Observation → {"global", "actions", "mask", "units", "items"} arrays (gym Dict space)."""
    j = n_slots(n_ask)
    last = obs.last_actions[-1] if obs.last_actions else ""
    g = np.array(
        [
            obs.turn / obs.max_turns,
            (obs.max_turns - obs.turn) / obs.max_turns,
            math.log1p(obs.n_candidates) / math.log1p(obs.n_items),
            math.log(max(obs.n_effective, 1.0)) / math.log(max(obs.n_items, 2)),
            obs.top1_mass,
            obs.topk_mass,
            min(obs.noise_estimate * 5.0, 1.0),
            min(len(obs.accepted) / 5.0, 2.0),
            min(len(obs.rejected) / 10.0, 2.0),
            min(obs.rejected_items / 50.0, 2.0),
            float(last == "ask"),
            float(last == "recommend"),
            float(last == "wait"),
            len(obs.units) / max(n_ask, 1),
            *_signals(obs),
        ],
        dtype=np.float32,
    )
    a = np.zeros((j, ACTION_DIM), dtype=np.float32)
    mask = np.zeros(j, dtype=np.int8)
    units = np.zeros(j, dtype=np.int64)
    for s, (col, p, f) in enumerate(zip(obs.unit_columns[:n_ask], obs.unit_prob, obs.unit_freq)):
        a[s] = (1.0, 0.0, 0.0, p, 4 * p * (1 - p), f, 4 * f * (1 - f), abs(p - 0.5), s / n_ask, 0.0, 0.0, 0.0, 0.0)
        mask[s] = 1
        units[s] = col + 1
    if obs.recommend_rows:
        a[n_ask] = (0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, obs.topk_mass, obs.top1_mass, 0.0, 0.0)
        mask[n_ask] = 1
    a[n_ask + 1, 2] = 1.0
    mask[n_ask + 1] = 1
    people = obs.open_people or (True,) * len(obs.open_cover)
    for i, (cover, person) in enumerate(zip(obs.open_cover[:N_OPEN], people)):
        a[n_ask + 2 + i, 11:] = (1.0, cover)
        a[n_ask + 2 + i, 8] = i / N_OPEN
        a[n_ask + 2 + i, 9] = float(person)
        mask[n_ask + 2 + i] = 1
    items = np.zeros(top_k, dtype=np.int64)
    rows = obs.recommend_rows[:top_k]
    items[: len(rows)] = np.asarray(rows, dtype=np.int64) + 1
    return {"global": g, "actions": a, "mask": mask, "units": units, "items": items}


def slot_kind(slot: int, n_ask: int) -> str:
    """The kind (`KINDS`) of an action slot."""
    if slot < n_ask:
        return "ask"
    return KINDS[min(slot - n_ask + 1, 3)]


def slot_action(obs: PolicyObservation, slot: int, n_ask: int, score: float = 0.0) -> Action:
    """The Action of one slot (an empty ask slot or an empty recommendation becomes `wait`)."""
    if slot < n_ask and slot < len(obs.units):
        return Action("ask", attribute=obs.units[slot], score=score)
    if slot == n_ask and obs.recommend_ids:
        return Action("recommend", items=obs.recommend_ids, score=score)
    if slot >= n_ask + 2 and slot - n_ask - 2 < len(obs.open_units):
        return Action("ask", attribute=obs.open_units[slot - n_ask - 2], score=score)
    return Action("wait", score=score)


def action_slot(obs: PolicyObservation, action: Action, n_ask: int) -> int:
    """The slot of a structured action (a rule's choice) in this observation; `wait` when it has none."""
    if action.kind == "recommend" and obs.recommend_ids:
        return n_ask
    if action.kind == "ask" and action.attribute in obs.open_units[:N_OPEN]:
        return n_ask + 2 + obs.open_units.index(action.attribute)
    if action.kind == "ask" and action.attribute in obs.units[:n_ask]:
        return obs.units.index(action.attribute)
    return n_ask + 1


def slot_label(obs: PolicyObservation, slot: int, n_ask: int) -> str:
    act = slot_action(obs, slot, n_ask)
    if act.kind == "ask" and act.attribute and "=" not in act.attribute:
        return f"ask_open {act.attribute}"
    return f"ask {act.attribute}" if act.kind == "ask" else act.kind
