"""Training and dev episodes for the DQN, both drawn from the TRAIN pairs (never the valid/test files).

- `carve_dev(episodes, fraction, seed)`: a deterministic dev set: every pair of the users hashed into
  the dev part (those users are not trained on).
- `long_tail_resample(episodes, catalog, n, alpha, seed)`: `n` training episodes drawn with
  probability ∝ popularity(target)^−alpha. LastFM*'s held-out pairs are long-tail items (median
  train popularity 1, 78% with ≤ 10 train interactions) while a uniformly drawn train pair has
  median popularity 77 (popular items appear in many users' histories), so uniform train pairs make
  an easier world than the held-out one; alpha = 1 gives a target-popularity profile close to the
  held-out one (quantiles 10/25/50/75/90%: 0/0/2/12/42 vs 0/0/1/9/33).

`training_data(catalog, pairs, dev_pairs)` puts them together as `crs train policy` uses them.

Episodes are any objects with `.user` and `.target` (e.g. `simulators.attribute.Episode`, loaded by
the caller); crs never imports the simulators. Training pairs are in the interaction matrix the collaborative prior is built
from, so the env must hold each target out of its user's history (`crs.policy.prior.HeldOutPrior`).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

from crs.policy.space import PolicyError
from crs.types import Catalog

E = TypeVar("E")


def _in_dev(user: Any, fraction: float, seed: int) -> bool:
    return zlib.crc32(f"{seed}:{user}".encode()) % 10_000 < fraction * 10_000


def carve_dev(episodes: Sequence[E], fraction: float = 0.1, seed: int = 0) -> tuple[list[E], list[E]]:
    """(train, dev): dev holds every pair of the users hashed into the dev part; train the rest."""
    if not 0.0 < fraction < 1.0:
        raise PolicyError(f"dev fraction must be in (0, 1), got {fraction}")
    train: list[E] = []
    dev: list[E] = []
    for e in episodes:
        (dev if _in_dev(str(e.user), fraction, seed) else train).append(e)  # type: ignore[attr-defined]
    if not train or not dev:
        raise PolicyError(f"cannot carve a dev set out of {len(episodes)} episodes (fraction {fraction})")
    return train, dev


def long_tail_resample(episodes: Sequence[E], catalog: Catalog, n: int, alpha: float = 1.0, seed: int = 0,
                       replace: bool = True) -> list[E]:
    """`n` episodes drawn with P ∝ max(popularity(target), 1)^−alpha (alpha 0: the episodes as they are)."""
    if not episodes:
        raise PolicyError("no episodes to resample")
    if alpha == 0.0:
        return list(episodes)
    n = n if replace else min(n, len(episodes))
    pop = catalog.popularity().astype(np.float64)
    w = np.array([max(pop[catalog.row(e.target)], 1.0) for e in episodes]) ** (-alpha)  # type: ignore[attr-defined]
    idx = np.random.default_rng(seed).choice(len(episodes), size=n, replace=replace, p=w / w.sum())
    return [episodes[int(i)] for i in idx]


@dataclass(frozen=True)
class TrainingData(Generic[E]):
    train: list[E]
    dev: list[E]
    dev_source: str
    """Where the dev episodes come from (recorded in the command's output)."""
    alpha: float
    """Long-tail exponent of the training resample (1 on LastFM*, else 0)."""


def training_data(catalog: Catalog, pairs: Sequence[E], dev_pairs: Sequence[E] | None = None,
                  dev_source: str = "", seed: int = 0, dev_fraction: float = 0.1, n_train: int = 60_000,
                  n_dev: int = 600) -> TrainingData[E]:
    """Training episodes resampled toward the long tail on LastFM* (alpha 1) and dev episodes:
    `dev_pairs` as given (from `dev_source`), else every pair of `dev_fraction` of the training
    users carved out (`carve_dev`) and resampled the same way (without replacement, `n_dev`)."""
    if dev_pairs is not None:
        train, dev, source = list(pairs), list(dev_pairs), dev_source
    else:
        train, dev = carve_dev(pairs, dev_fraction, seed)
        source = f"carved from the training pairs (all pairs of {dev_fraction:.0%} of the users)"
    alpha = 1.0 if catalog.name == "lastfm-star" else 0.0
    train = long_tail_resample(train, catalog, n_train, alpha, seed)
    if dev_pairs is None:
        dev = long_tail_resample(dev, catalog, n_dev, alpha, seed + 1, replace=False)
    return TrainingData(train, dev, source, alpha)
