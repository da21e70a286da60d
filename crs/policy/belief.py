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
    """Mutable per-episode belief over catalog rows (owned by one env or one chat session)."""

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
        n = space.n_items
        self.allowed = np.ones(n, dtype=bool)  # certain: opening attributes, not rejected
        self.rejected = np.zeros(n, dtype=bool)
        self.disagree = np.zeros(n, dtype=np.int32)
        self.n_answers = 0
        self.yes: list[int] = []
        self.no: list[int] = []
        self.asked: set[int] = set()
        self._post: np.ndarray | None = None
        self._noise: float = 0.0

    # --- updates ----------------------------------------------------------------------------
    def inform(self, unit: int) -> None:
        """The user stated the target has `unit` (certain)."""
        mask = np.zeros(self.space.n_items, dtype=bool)
        mask[self.space.item_rows(unit)] = True
        self.allowed &= mask
        self.asked.add(unit)
        if unit not in self.yes:
            self.yes.append(unit)
        self._post = None

    def answer(self, unit: int, yes: bool) -> None:
        """A yes/no answer to `ask(unit)` (possibly noisy)."""
        self.asked.add(unit)
        (self.yes if yes else self.no).append(unit)
        rows = self.space.item_rows(unit)
        if self.config.mode == "yes-only" and not yes:
            return
        self.n_answers += 1
        if yes:
            self.disagree += 1
            self.disagree[rows] -= 1
        else:
            self.disagree[rows] += 1
        self._post = None

    def reject(self, rows: np.ndarray) -> None:
        """Recommended items the user rejected are never the target."""
        self.rejected[np.asarray(rows, dtype=np.int64)] = True
        self.allowed[np.asarray(rows, dtype=np.int64)] = False
        self._post = None

    # --- read-outs ----------------------------------------------------------------------------
    def posterior(self) -> np.ndarray:
        """P(target = row) over catalog rows (float64, sums to 1 unless every row is excluded)."""
        if self._post is None:
            self._post, self._noise = self._compute()
        return self._post

    def noise_estimate(self) -> float:
        """Posterior mean answer-flip rate (0 in hard modes)."""
        self.posterior()
        return self._noise

    def candidates(self) -> np.ndarray:
        """Boolean mask of rows consistent with every answer (hard candidate set)."""
        return self.allowed & (self.disagree == 0)

    def _compute(self) -> tuple[np.ndarray, float]:
        d = self.disagree[None, :]
        with np.errstate(invalid="ignore"):
            logw = self._log_h + (self.n_answers - d) * self._log_ok + np.where(d > 0, d * self._log_err, 0.0)
        logw = logw + np.where(self.allowed, self.log_prior, -np.inf)[None, :]
        top = np.max(logw)
        if not np.isfinite(top):
            return np.zeros(self.space.n_items), 0.0
        w = np.exp(logw - top)
        per_h = w.sum(axis=1)
        post = w.sum(axis=0)
        post /= post.sum()
        noise = float((per_h / per_h.sum()) @ self._levels)
        return post, noise
