"""Stage 4 of a turn, observation: what the policy sees, built from a candidate-set summary (never the full list).

Integration point with `crs.policy`: the policies consume a `PolicyObservation` whose ask units
carry their ids in the catalog's chat ask space (`chat_ask_space`: the `name=value` units of the
low-cardinality attributes the agent asks about), the same ids the DQN embeds in training (the
attribute env and `crs.dialogue.chat_env` build the same space). Two observers:

- `CandidateObserver` (the chat-tuned rules `bayes` / `rules`): units from the hard candidate set,
  their frequency is both `unit_freq` and `unit_prob`, and `topk_mass` is a belief proxy that
  grows with the evidence the user gave (liked items, preference phrases, included values):
  `1 - exp(-0.45 * evidence) + k / n_candidates`, capped at 1. With `bayes` (threshold 0.5) this
  asks once or twice on a cold start and recommends after two pieces of evidence.
- `BeliefObserver` (learned policies, `dqn` / `dqn-natural`, and the policy package's rules): a
  real `crs.policy.Belief` over the ask space, as in training: item prior = the collaborative
  prior of the items the user liked (`CollaborativePrior.for_items`) when the user has such
  history and the policy was trained with it, else popularity; rejected and already shown items
  removed, the agent's hard candidate set kept, included values answered yes, excluded no.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from crs.lru import LRU
from crs.policy.belief import Belief, BeliefConfig
from crs.policy.observation import PolicyObservation, TurnSignals, observe
from crs.policy.prior import CollaborativePrior, PriorConfig
from crs.policy.space import AskSpace, build_ask_space, unit_label
from crs.retrieval.columns import AttributeColumns
from crs.types import AttributeKind, Catalog, Constraint, DialogueState, liked_items

ASKABLE_MAX_VALUES = 60
"""Attributes with more distinct values than this (directors, stars) are not asked about."""
N_UNITS = 10

ValueCounts = dict[str, list[tuple[str, int]]]
"""Most common values per askable attribute among the candidates: name -> [(value, count)]."""
OpenUnits = tuple[tuple[str, float, bool], ...]
"""Open-question attributes the policy may ask now: (attribute, catalog coverage, is about people)."""


def askable(catalog: Catalog) -> tuple[str, ...]:
    return tuple(a.name for a in catalog.schema
                 if a.kind is not AttributeKind.NUMERIC and 1 < len(a.values) <= ASKABLE_MAX_VALUES)


def chat_ask_space(catalog: Catalog) -> AskSpace:
    """The ask space shared by the chat agent and the DQN trainers: units of `askable(catalog)`
    (every non-numeric attribute when none is low-cardinality, e.g. LastFM*'s tags)."""
    return build_ask_space(catalog, askable(catalog) or None)


def evidence(state: DialogueState) -> int:
    includes = sum(1 for c in state.constraints if c.op in ("include", "ge", "le", "gt", "lt", "eq"))
    return min(2, len(liked_items(state))) + min(2, len(state.preferences)) + includes


def value_counts(columns: AttributeColumns, names: tuple[str, ...], mask: np.ndarray, top: int = 10) -> ValueCounts:
    """Most common values of the askable attributes among the allowed rows (one sparse mat-vec each)."""
    m = mask.astype(np.float32)
    return {name: _top_values(col.values, np.asarray(col.by_value @ m).ravel(), top)
            for name in names if (col := columns.sets.get(name)) is not None}


def _top_values(values: tuple[str, ...], counts: np.ndarray, top: int) -> list[tuple[str, int]]:
    nz = np.flatnonzero(counts)
    order = nz[np.argsort(-counts[nz], kind="stable")][:top]
    return [(values[i], int(counts[i])) for i in order]


class ValueCounter:
    """`value_counts` of a candidate mask (the rows the kept constraints allow, less the rejected
    rows) from counts memoised per kept-constraint set: the sparse mat-vecs run only when the
    constraints change, a rejection subtracts its rows' values (exact; at 1M items the mat-vecs cost
    ~3.6 ms a turn)."""

    def __init__(self, size: int = 16) -> None:
        self._memo: LRU[tuple[np.ndarray, dict[str, np.ndarray]]] = LRU(size)

    def __call__(self, columns: AttributeColumns, names: tuple[str, ...], kept: tuple[Constraint, ...],
                 allowed: Callable[[], np.ndarray], removed: np.ndarray, top: int = 10) -> ValueCounts:
        """Counts among `allowed()` (the mask of `kept`, computed on a miss) less the rows `removed`."""
        key = (id(columns), names, kept)
        hit = self._memo.get(key)
        if hit is None:
            m = np.asarray(allowed(), dtype=bool)
            f = m.astype(np.float32)
            full = {name: np.asarray(col.by_value @ f).ravel()
                    for name in names if (col := columns.sets.get(name)) is not None}
            hit = self._memo.put(key, (m, full))
        m, full = hit
        rows = removed[m[removed]] if len(removed) else removed
        out: ValueCounts = {}
        for name, counts in full.items():
            col = columns.sets[name]
            if len(rows):
                counts = counts - np.bincount(col.by_row[rows].indices, minlength=len(counts))
            out[name] = _top_values(col.values, counts, top)
        return out


def _units(counts: ValueCounts, size: int, state: DialogueState,
           index: dict[str, int] | None) -> list[tuple[str, float]]:
    constrained = {c.attribute for c in state.constraints if c.op == "include"}
    asked = set(state.asked)
    out = []
    for name, top in counts.items():
        if name in constrained or name in asked:
            continue
        for value, count in top:
            label = unit_label(name, str(value))
            freq = count / max(1, size)
            if label not in asked and 0.02 < freq < 0.95 and (index is None or label in index):
                out.append((label, freq))
    out.sort(key=lambda t: abs(t[1] - 0.5))
    return out[:N_UNITS]


def _last_kinds(state: DialogueState) -> tuple[str, ...]:
    return tuple(a for a in ("ask", "recommend", "wait") if state.last_action and state.last_action.said.kind == a)


def observe_candidates(counts: ValueCounts, size: int, catalog: Catalog, state: DialogueState,
                       recommend_ids: tuple[str, ...], max_turns: int = 15, space: AskSpace | None = None,
                       signals: TurnSignals | None = None, open_units: OpenUnits = ()) -> PolicyObservation:
    """A `PolicyObservation` from the candidate set's size and value counts of the askable
    attributes (`value_counts`) and the ranker's top ids; unit ids from `space` (else positions)."""
    units = _units(counts, size, state, space.index if space is not None else None)
    n = max(1, size)
    k = len(recommend_ids)
    mass = min(1.0, 1 - math.exp(-0.45 * evidence(state)) + k / n) if k else 0.0
    rows = tuple(catalog.row(i) for i in recommend_ids)
    cols = tuple(space.index[u] for u, _ in units) if space is not None else tuple(range(len(units)))
    return PolicyObservation(
        turn=max(0, state.turn - 1), max_turns=max_turns, n_items=len(catalog), n_candidates=size,
        n_effective=float(size), top1_mass=mass / max(1, k), topk_mass=mass, noise_estimate=0.0,
        units=tuple(u for u, _ in units), unit_columns=cols,
        unit_prob=tuple(f for _, f in units), unit_freq=tuple(f for _, f in units),
        recommend_ids=recommend_ids, recommend_rows=rows, recommend_scores=tuple(mass / max(1, k) for _ in rows),
        accepted=tuple(f"{c.attribute}={c.value}" for c in state.constraints if c.op == "include"),
        rejected=tuple(f"{c.attribute}={c.value}" for c in state.constraints if c.op == "exclude"),
        rejected_items=len(state.rejected), last_actions=_last_kinds(state), mode="soft",
        open_units=tuple(o[0] for o in open_units), open_cover=tuple(o[1] for o in open_units),
        open_people=tuple(o[2] for o in open_units), signals=signals or TurnSignals(),
    )


@dataclass
class CandidateObserver:
    """The candidate-set proxy observation (chat-tuned rules), unit ids from the chat ask space."""

    catalog: Catalog
    space: AskSpace
    max_turns: int = 15

    def __call__(self, state: DialogueState, mask: np.ndarray, counts: ValueCounts,
                 rec_ids: tuple[str, ...], relaxed: tuple[Constraint, ...] = (),
                 signals: TurnSignals | None = None, open_units: OpenUnits = ()) -> PolicyObservation:
        return observe_candidates(counts, int(mask.sum()), self.catalog, state, rec_ids, self.max_turns, self.space,
                                  signals, open_units)


@dataclass
class BeliefObserver:
    """A real belief over the chat ask space, built from the dialogue state each turn (as in training)."""

    catalog: Catalog
    space: AskSpace
    belief: BeliefConfig = field(default_factory=BeliefConfig)
    prior: str = "popularity"
    """`collaborative`: the item prior comes from the items the user liked (when there are any)."""
    n_units: int = N_UNITS
    top_k: int = 10
    max_turns: int = 15

    def __post_init__(self) -> None:
        self._pop = np.log1p(self.catalog.popularity().astype(np.float64))
        self._cf: CollaborativePrior | None = None

    def log_prior(self, state: DialogueState) -> np.ndarray:
        """Collaborative prior of the user's liked items when the policy uses it and there are any, else popularity."""
        rows = [self.catalog.row(i) for i in dict.fromkeys((*liked_items(state), *state.accepted)) if i in self.catalog]
        if self.prior != "collaborative" or not rows or self.catalog.interactions is None:
            return self._pop
        if self._cf is None:
            self._cf = CollaborativePrior(self.catalog, PriorConfig(content_weight=0.0))  # the chat DQN's prior
        return self._cf.for_items(np.asarray(rows, dtype=np.int64))

    def __call__(self, state: DialogueState, mask: np.ndarray, counts: ValueCounts,
                 rec_ids: tuple[str, ...], relaxed: tuple[Constraint, ...] = (),
                 signals: TurnSignals | None = None, open_units: OpenUnits = ()) -> PolicyObservation:
        b = Belief(self.space, self.belief, self.log_prior(state))
        shown = [self.catalog.row(i) for i in (*state.rejected, *state.recommended) if i in self.catalog]
        if shown:
            b.reject(np.asarray(shown, dtype=np.int64))
        b.restrict_to(np.flatnonzero(mask))
        for c in state.constraints:
            u = self.space.index.get(unit_label(c.attribute, str(c.value)))
            if u is None or c in relaxed or c.op not in ("include", "exclude"):
                continue
            b.answer(u, c.op == "include")  # the mask already holds the hard filter; OR-ed includes stay soft
        for label in state.asked:  # asked, maybe unanswered: not asked again
            u = self.space.index.get(label)
            if u is not None:
                b.asked.add(u)
                b.asked_mask[u] = True
        obs = observe(b, self.catalog.ids, max(0, state.turn - 1), self.max_turns, self.n_units, self.top_k,
                      _last_kinds(state))
        return replace(obs, open_units=tuple(o[0] for o in open_units), open_cover=tuple(o[1] for o in open_units),
                       open_people=tuple(o[2] for o in open_units), signals=signals or TurnSignals())


class Observer(Protocol):
    """Builds the policy's observation from the updated state and the turn's candidate summary."""

    def __call__(self, state: DialogueState, mask: np.ndarray, counts: ValueCounts, rec_ids: tuple[str, ...],
                 relaxed: tuple[Constraint, ...] = (), signals: TurnSignals | None = None,
                 open_units: OpenUnits = ()) -> PolicyObservation: ...
