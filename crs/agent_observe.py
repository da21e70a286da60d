"""The chat agent's policy observation, built from a candidate-set summary (never the full list).

Integration point with `crs.policy`: the policies consume a `PolicyObservation`. In chat there is
no Bayesian belief over a simulator's target, so the observation is built from the hard candidate
set: askable units are `name=value` labels of low-cardinality attributes, their frequency among
the candidates is both `unit_freq` and `unit_prob`, and `topk_mass` is a belief proxy that grows
with the evidence the user gave (liked items, preference phrases, included values, answered
questions): `1 - exp(-0.45 * evidence) + k / n_candidates`, capped at 1. With the `bayes` rule
(threshold 0.5) this asks once or twice on a cold start and recommends after two pieces of evidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from crs.policy.observation import PolicyObservation
from crs.policy.space import unit_label
from crs.tracker import liked_items
from crs.types import AttributeKind, Catalog, DialogueState

ASKABLE_MAX_VALUES = 60
"""Attributes with more distinct values than this (directors, stars) are not asked about."""
N_UNITS = 10


def askable(catalog: Catalog) -> tuple[str, ...]:
    return tuple(a.name for a in catalog.schema
                 if a.kind is not AttributeKind.NUMERIC and 1 < len(a.values) <= ASKABLE_MAX_VALUES)


def evidence(state: DialogueState) -> int:
    includes = sum(1 for c in state.constraints if c.op in ("include", "ge", "le", "gt", "lt", "eq"))
    return min(2, len(liked_items(state))) + min(2, len(state.preferences)) + includes


def value_counts(columns: Any, names: tuple[str, ...], mask: np.ndarray, top: int = 10) -> dict[str, list[tuple[str, int]]]:
    """Most common values of the askable attributes among the allowed rows (one sparse mat-vec each)."""
    out: dict[str, list[tuple[str, int]]] = {}
    m = mask.astype(np.float32)
    for name in names:
        col = columns.sets.get(name)
        if col is None:
            continue
        counts = np.asarray(col.by_value @ m).ravel()
        nz = np.flatnonzero(counts)
        order = nz[np.argsort(-counts[nz], kind="stable")][:top]
        out[name] = [(col.values[i], int(counts[i])) for i in order]
    return out


def _units(counts: dict[str, list[tuple[str, int]]], size: int, state: DialogueState) -> list[tuple[str, float]]:
    constrained = {c.attribute for c in state.constraints if c.op == "include"}
    asked = set(state.asked)
    out = []
    for name, top in counts.items():
        if name in constrained or name in asked:
            continue
        for value, count in top:
            label = unit_label(name, str(value))
            freq = count / max(1, size)
            if label not in asked and 0.02 < freq < 0.95:
                out.append((label, freq))
    out.sort(key=lambda t: abs(t[1] - 0.5))
    return out[:N_UNITS]


def observe_candidates(counts: dict[str, list[tuple[str, int]]], size: int, catalog: Catalog, state: DialogueState,
                       recommend_ids: tuple[str, ...], max_turns: int = 15) -> PolicyObservation:
    """A `PolicyObservation` for the chat agent from the candidate set's size and value counts of
    the askable attributes (`value_counts`), and the ranker's top ids."""
    units = _units(counts, size, state)
    n = max(1, size)
    k = len(recommend_ids)
    mass = min(1.0, 1 - math.exp(-0.45 * evidence(state)) + k / n) if k else 0.0
    rows = tuple(catalog.row(i) for i in recommend_ids)
    kinds = tuple(a for a in ("ask", "recommend", "wait") if state.last_action and state.last_action.kind == a)
    return PolicyObservation(
        turn=max(0, state.turn - 1), max_turns=max_turns, n_items=len(catalog), n_candidates=size,
        n_effective=float(size), top1_mass=mass / max(1, k), topk_mass=mass, noise_estimate=0.0,
        units=tuple(u for u, _ in units), unit_columns=tuple(range(len(units))),
        unit_prob=tuple(f for _, f in units), unit_freq=tuple(f for _, f in units),
        recommend_ids=recommend_ids, recommend_rows=rows, recommend_scores=tuple(mass / max(1, k) for _ in rows),
        accepted=tuple(f"{c.attribute}={c.value}" for c in state.constraints if c.op == "include"),
        rejected=tuple(f"{c.attribute}={c.value}" for c in state.constraints if c.op == "exclude"),
        rejected_items=len(state.rejected), last_actions=kinds, mode="soft",
    )


def build_policy(catalog: Catalog, name: str) -> Any:
    from crs.policy.rules import BayesThreshold, MaxEntropyRule

    policies: dict[str, Callable[[], Any]] = {"bayes": lambda: BayesThreshold(threshold=0.5),
                                              "rules": lambda: MaxEntropyRule(mode="hard")}
    if name in policies:
        return policies[name]()
    from crs.policy import load_policy  # learned policies (dqn) and the policy package's own rules

    return load_policy(catalog, name)
