"""Belief over the target item: soft (noise-aware Bayesian) or hard pruning, fully vectorised.

Modes:
- `soft`: every yes/no answer may be wrong with an unknown rate; the belief is a mixture over
  noise hypotheses (`noise_levels` with `noise_prior`), so items that disagree with one answer
  are down-weighted, not removed, and the noise rate itself is inferred from the answers.
- `hard`: prune on yes and on no (the max-entropy rule's candidate set).
- `yes-only`: prune on yes only (SCPR/UNICORN-era candidate handling).
The user's own statements (the opening attribute) and rejected recommendations are certain in
every mode. State lives in numpy arrays over catalog rows; no per-item Python loops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crs.policy.space import AskSpace, PolicyError

MODES = ("soft", "hard", "yes-only")


@dataclass(frozen=True)
class BeliefConfig:
    """How answers move the belief."""

    mode: str = "soft"
    """soft | hard | yes-only (see module docstring)."""
    noise_levels: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2)
    """Answer-flip rates considered by the soft belief."""
    noise_prior: tuple[float, ...] = (0.4, 0.2, 0.2, 0.2)
    """Prior probability of each noise level (soft mode)."""
    prior_weight: float = 1.0
    """Exponent on the item prior (popularity or a ranker's scores) in the posterior."""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise PolicyError(f"unknown belief mode {self.mode!r}; valid: {', '.join(MODES)}")
        if len(self.noise_levels) != len(self.noise_prior) or not self.noise_levels:
            raise PolicyError("noise_levels and noise_prior must have the same non-zero length")


class Belief:
    """Mutable per-episode belief over catalog rows (owned by one env or one chat session).

    Only the rows still allowed (after the user's certain statements and rejections) are kept,
    with the CSR entries of their units, so every update and read-out costs O(active nnz).
    """

    def __init__(self, space: AskSpace, config: BeliefConfig, log_prior: np.ndarray) -> None:
        if log_prior.shape != (space.n_items,):
            raise PolicyError(f"prior has shape {log_prior.shape}, expected ({space.n_items},)")
        self.space = space
        self.config = config
        levels = np.asarray(config.noise_levels if config.mode == "soft" else (0.0,), dtype=np.float64)
        prior = np.asarray(config.noise_prior if config.mode == "soft" else (1.0,), dtype=np.float64)
        with np.errstate(divide="ignore"):
            self._log_ok = np.log1p(-levels)[:, None]
            self._log_err = np.log(levels)[:, None]
            self._log_h = np.log(prior / prior.sum())[:, None]
        self._levels = levels
        self.log_prior = config.prior_weight * np.asarray(log_prior, dtype=np.float64)
        self.n_answers = 0
        self.yes: list[int] = []
        self.no: list[int] = []
        self.asked: set[int] = set()
        self.asked_mask = np.zeros(space.n_units, dtype=bool)
        self.n_rejected = 0
        self._restrict(np.arange(space.n_items), np.zeros(space.n_items, dtype=np.int32))

    def _restrict(self, rows: np.ndarray, disagree: np.ndarray) -> None:
        """Keep only `rows` (global, sorted) with their disagreement counts; rebuild local CSR views."""
        m = self.space.items
        self.rows = rows
        self.disagree = disagree
        self._post: np.ndarray | None = None
        self._noise = 0.0
        if rows.size == self.space.n_items:
            self._nnz_row = self.space.nnz_rows
            self.units, self._nnz_unit = np.arange(self.space.n_units), m.indices
            return
        starts, ends = m.indptr[rows], m.indptr[rows + 1]
        lens = ends - starts
        pos = np.repeat(ends - np.cumsum(lens), lens) + np.arange(int(lens.sum()))
        self._nnz_row = np.repeat(np.arange(rows.size), lens)
        idx = m.indices[pos]
        present = np.zeros(self.space.n_units, dtype=bool)
        present[idx] = True
        self.units = np.flatnonzero(present)
        lut = np.zeros(self.space.n_units, dtype=np.int64)
        lut[self.units] = np.arange(self.units.size)
        self._nnz_unit = lut[idx]

    # --- updates ----------------------------------------------------------------------------
    def _has(self, unit: int) -> np.ndarray:
        """Local boolean mask of active rows that have `unit`."""
        has = np.zeros(self.rows.size, dtype=bool)
        items = self.space.item_rows(unit)  # sorted catalog rows with the unit (CSC column)
        if self.rows.size == self.space.n_items:
            has[items] = True
            return has
        pos = np.searchsorted(self.rows, items)
        pos = pos[pos < self.rows.size]
        has[pos[self.rows[pos] == items[: pos.size]]] = True
        return has

    def inform(self, unit: int) -> None:
        """The user stated the target has `unit` (certain)."""
        keep = self._has(unit)
        self.asked.add(unit)
        self.asked_mask[unit] = True
        if unit not in self.yes:
            self.yes.append(unit)
        self._restrict(self.rows[keep], self.disagree[keep])

    def answer(self, unit: int, yes: bool) -> None:
        """A yes/no answer to `ask(unit)` (possibly noisy)."""
        self.asked.add(unit)
        self.asked_mask[unit] = True
        (self.yes if yes else self.no).append(unit)
        if self.config.mode == "yes-only" and not yes:
            return
        has = self._has(unit)
        self.n_answers += 1
        self.disagree = self.disagree + (~has if yes else has)
        self._post = None

    def choose(self, accepted: Sequence[int], rejected: Sequence[int]) -> None:
        """The answer to a multi-choice question from a user who may want several items: at least
        one wanted item has each accepted value, so an item is consistent when it has *any* accepted
        value (one observation); no wanted item has a rejected value (one observation each)."""
        if accepted:
            anyhas = np.zeros(self.rows.size, dtype=bool)
            for unit in accepted:
                self.asked.add(unit)
                self.asked_mask[unit] = True
                self.yes.append(unit)
                anyhas |= self._has(unit)
            self.n_answers += 1
            self.disagree = self.disagree + ~anyhas
            self._post = None
        for unit in rejected:
            self.answer(unit, False)

    def restrict_to(self, rows: np.ndarray) -> None:
        """Keep only catalog `rows` (e.g. a retrieval candidate set after hard filters)."""
        keep = np.isin(self.rows, np.asarray(rows, dtype=np.int64))
        self._restrict(self.rows[keep], self.disagree[keep])

    def reject(self, rows: np.ndarray) -> None:
        """Recommended items the user rejected are never the target."""
        keep = ~np.isin(self.rows, np.asarray(rows, dtype=np.int64))
        self.n_rejected += int((~keep).sum())
        self._restrict(self.rows[keep], self.disagree[keep])

    # --- read-outs (local: aligned with `self.rows` / `self.units`) ------------------------------
    def posterior(self) -> np.ndarray:
        """P(target = self.rows[i]) (float64; all zero if no row is left)."""
        if self._post is None:
            self._post, self._noise = self._compute()
        return self._post

    def noise_estimate(self) -> float:
        """Posterior mean answer-flip rate (0 in hard modes)."""
        self.posterior()
        return self._noise

    def candidates(self) -> np.ndarray:
        """Local boolean mask of rows consistent with every answer (hard candidate set)."""
        return self.disagree == 0

    def unit_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """(P(target has unit), share of hard candidates with unit) for every unit in `self.units`."""
        post = self.posterior()
        cand = self.candidates()
        prob = np.bincount(self._nnz_unit, weights=post[self._nnz_row], minlength=self.units.size)
        freq = np.bincount(self._nnz_unit, weights=cand[self._nnz_row], minlength=self.units.size)
        return prob, freq / max(int(cand.sum()), 1)

    def _compute(self) -> tuple[np.ndarray, float]:
        """Posterior over rows and mean noise rate. Rows differ only by prior and disagreement count d,
        so the mixture likelihood is computed once per distinct d (a handful), not once per row."""
        if self.rows.size == 0:
            return np.zeros(0), 0.0
        d = self.disagree
        dmax = int(d.max()) if d.size else 0
        ds = np.arange(dmax + 1, dtype=np.float64)[None, :]
        with np.errstate(invalid="ignore"):
            loglik = self._log_h + (self.n_answers - ds) * self._log_ok + np.where(ds > 0, ds * self._log_err, 0.0)
        lp = self.log_prior[self.rows]
        lik_top = np.max(loglik)
        if not np.isfinite(lik_top) or not np.isfinite(lp.max()):
            return np.zeros(self.rows.size), 0.0
        lik = np.exp(loglik - lik_top)  # (hypotheses, d values)
        w = np.exp(lp - lp.max())
        mass_by_d = np.bincount(d, weights=w, minlength=dmax + 1)
        post = w * lik.sum(axis=0)[d]
        total = post.sum()
        if not total > 0:
            return np.zeros(self.rows.size), 0.0
        per_h = lik @ mass_by_d
        return post / total, float((per_h / per_h.sum()) @ self._levels)
