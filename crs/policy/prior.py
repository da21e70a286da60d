"""Collaborative item prior for the dialogue belief: who the simulated user is, not only what is popular.

LastFM* episodes are (user, target) pairs of users with train interactions (UNICORN-style systems
use the user's embedding). `CollaborativePrior(catalog)(user)` returns log-scores over catalog
rows from the catalog's train interaction matrix:

    s(i) = Σ_{v ∈ kNN(u)} cos(u, v)·R[v, i]  +  w_item · Σ_{j ∈ R[u]} cos(i, j)
    log-score = log(s + floor) + w_pop · log(1 + popularity) + w_content · cos(tags(i), Σ_{j ∈ R[u]} tags(j))
    items the user already has: log(floor) − 40

(user-kNN on cosine over binary interactions, item-item cosine from the user's own items, a small
popularity tie-break; the items of the user's train history are never the target of a held-out
pair, so they are pushed to the bottom but not removed). Users without train interactions (or
not an interaction row) get the popularity prior. Memory-based: `fit` is the constructor
(normalised sparse matrices, no training, nothing cached); one call costs two sparse mat-vecs.

Measured on 1,000 LastFM* valid pairs (rank of the target among all 7,432 items): top-10 share
0.032 and top-100 share 0.22 vs 0.000 / 0.029 for popularity (docs/policy-and-training.md).

The content term (`content_weight`, since session 17) scores an item by the cosine between its
IDF-weighted multi-valued attribute values (LastFM*'s tags; a movie catalog's genres and people)
and the sum of those of the user's items. The held-out targets are long-tail items (median train
popularity 1) that collaborative evidence barely reaches but whose tags are known: on 600 long-tail
dev pairs of held-out TRAIN users the target's top-100 share rose from 0.343 to 0.432 at weight 30
(chosen there among 1-1000; `bayes-cf` on those users: AT 3.54 → 3.10). The chat's observation
(`crs.dialogue.observe`) keeps `content_weight=0`: its DQN was trained on that prior.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from crs.policy.space import PolicyError
from crs.types import Catalog

PRIORS = ("popularity", "collaborative")


@dataclass(frozen=True)
class PriorConfig:
    k: int = 10
    """Neighbours of the user-kNN term."""
    item_weight: float = 0.1
    """Weight of the item-item term."""
    pop_weight: float = 0.01
    floor: float = 1e-3
    seen_penalty: float = 40.0
    content_weight: float = 30.0
    """Weight of the content (attribute-value cosine) term; 0 turns it off."""


def value_matrix(catalog: Catalog) -> sp.csr_matrix:
    """Items × values of every multi-valued attribute, IDF-weighted, rows L2-normalised (an item
    without such values is a zero row)."""
    from crs.types import AttributeKind

    names = [a.name for a in catalog.schema if a.kind == AttributeKind.MULTI]
    index: dict[tuple[str, str], int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for r, item in enumerate(catalog.items):
        for name in names:
            for v in dict.fromkeys(item.values(name)):
                rows.append(r)
                cols.append(index.setdefault((name, v), len(index)))
    m = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(catalog.items), max(len(index), 1)))
    df = np.asarray(m.sum(axis=0)).ravel()
    m = (m @ sp.diags(np.log((m.shape[0] + 1) / (df + 1)))).tocsr()
    norm = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    return (sp.diags(1.0 / np.where(norm > 0, norm, 1.0)) @ m).tocsr()


class CollaborativePrior:
    """callable(user id) -> log-scores over catalog rows (float64, shape (n_items,))."""

    def __init__(self, catalog: Catalog, config: PriorConfig | None = None) -> None:
        if catalog.interactions is None or catalog.interactions.nnz == 0:
            raise PolicyError(f"catalog {catalog.name!r} has no interaction matrix; use --prior popularity")
        self.config = config or PriorConfig()
        r = sp.csr_matrix(catalog.interactions, dtype=np.float64)
        r.data[:] = 1.0
        r.sum_duplicates()
        r.data[:] = 1.0
        user_deg = np.asarray(r.sum(axis=1)).ravel()
        item_deg = np.asarray(r.sum(axis=0)).ravel()
        self._r = r
        self._rt = r.T.tocsr()
        self._ru = (sp.diags(1.0 / np.sqrt(np.maximum(user_deg, 1.0))) @ r).tocsr()
        ri = (r @ sp.diags(1.0 / np.sqrt(np.maximum(item_deg, 1.0)))).tocsc()
        self._ri, self._rit = ri.tocsr(), ri.T.tocsr()
        self._pop = np.log1p(catalog.popularity().astype(np.float64))
        self._values = value_matrix(catalog) if self.config.content_weight else None
        self.n_users = r.shape[0]

    def _content(self, mine: np.ndarray) -> np.ndarray | float:
        """w_content · cosine of each item's values with the sum of those of `mine` (0 when off)."""
        if self._values is None:
            return 0.0
        profile = np.asarray(self._values[mine].sum(axis=0)).ravel()
        n = float(np.linalg.norm(profile))
        if n == 0.0:
            return 0.0
        return self.config.content_weight * (self._values @ (profile / n))

    def _row(self, user: str) -> int | None:
        try:
            u = int(user)
        except (TypeError, ValueError):
            return None
        return u if 0 <= u < self.n_users and self._r.indptr[u + 1] > self._r.indptr[u] else None

    def __call__(self, user: str, exclude: int | Collection[int] | None = None) -> np.ndarray:
        """Log-scores for `user`; `exclude` (a catalog row, or several: a multi-interest episode's
        targets) is held out of the user's history first.

        Training episodes are pairs of the same interaction matrix the prior is built from, so their
        target must be held out (leave-one-out), or the prior would push it to the bottom; held-out
        pairs (LastFM* valid / test) are never in the matrix and need no exclusion.
        """
        u = self._row(user)
        if u is None:
            return self._pop.copy()
        c = self.config
        mine = self._r.indices[self._r.indptr[u] : self._r.indptr[u + 1]]
        if exclude is not None:
            held = list(exclude) if isinstance(exclude, Collection) else [exclude]
            mine = mine[~np.isin(mine, np.asarray(held, dtype=np.int64))]
        if mine.size == 0:
            return self._pop.copy()
        query = np.zeros(self._r.shape[1])
        query[mine] = 1.0 / np.sqrt(mine.size)
        sim = self._ru @ query
        sim[u] = 0.0
        k = min(c.k, sim.size - 1)
        if k > 0:
            keep = np.argpartition(-sim, k)[:k]
            nb = np.zeros_like(sim)
            nb[keep] = sim[keep]
            sim = nb
        score = self._rt @ sim
        if c.item_weight:
            user_items = np.zeros(self._r.shape[1])
            user_items[mine] = 1.0
            co_users = self._ri @ user_items
            co_users[u] = 0.0  # the user's own row would leak a held-out item (it only re-scores `mine` otherwise)
            score = score + c.item_weight * (self._rit @ co_users)
        out = np.log(score + c.floor) + c.pop_weight * self._pop + self._content(mine)
        out[mine] = np.log(c.floor) - c.seen_penalty
        return out

    def for_items(self, rows: np.ndarray) -> np.ndarray:
        """Log-scores for a user known only by the catalog rows they liked (a chat user's history, no
        interaction row): the same user-kNN + item-item formula with those items as the user's row."""
        c = self.config
        n_items = self._r.shape[1]
        mine = np.unique(np.asarray(rows, dtype=np.int64))
        mine = mine[(mine >= 0) & (mine < n_items)]
        if mine.size == 0:
            return self._pop.copy()
        query = np.zeros(n_items)
        query[mine] = 1.0
        sim = self._ru @ (query / np.sqrt(mine.size))
        k = min(c.k, sim.size)
        if k < sim.size:
            keep = np.argpartition(-sim, k)[:k]
            nb = np.zeros_like(sim)
            nb[keep] = sim[keep]
            sim = nb
        score = self._rt @ sim + c.item_weight * (self._rit @ (self._ri @ query))
        out = np.log(score + c.floor) + c.pop_weight * self._pop + self._content(mine)
        out[mine] = np.log(c.floor) - c.seen_penalty
        return out


class HeldOutPrior:
    """`prior(user)` with the current episode's target held out of the user's history (leave-one-out).

    For training on pairs of the interaction matrix the prior itself is built from (LastFM* train
    pairs, a movie catalog's ratings): `current_target()` returns the target item id of the episode
    being played (the caller, who owns the simulator, supplies it), several ids (a multi-interest
    episode's targets), or None.
    """

    def __init__(self, prior: CollaborativePrior, catalog: Catalog,
                 current_target: Callable[[], str | Sequence[str] | None]) -> None:
        self.prior, self.catalog, self.current_target = prior, catalog, current_target

    def __call__(self, user: str) -> np.ndarray:
        target = self.current_target()
        if target is None:
            return self.prior(user)
        ids = [target] if isinstance(target, str) else list(target)
        return self.prior(user, exclude=[self.catalog.row(t) for t in ids])


def build_prior(catalog: Catalog, name: str = "popularity") -> CollaborativePrior | None:
    """None (the env's popularity default) or a `CollaborativePrior`; PolicyError on an unknown name."""
    if name == "popularity":
        return None
    if name == "collaborative":
        return CollaborativePrior(catalog)
    raise PolicyError(f"unknown item prior {name!r}; valid: {', '.join(PRIORS)}")
