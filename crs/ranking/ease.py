"""Collaborative models over a users × items interaction matrix, one code path for all of them.

- `EASE` (Steck 2019): closed-form shallow linear autoencoder with a zero diagonal,
  B = I - P / diag(P), P = (XᵀX + λI)⁻¹. Dense item×item when the number of *active* items (items
  with at least one interaction) is at most `max_dense_items` (default 20,000: measured 10k items in
  10 s / 1.65 GB, 20k in 69 s / 6.3 GB); above that it switches automatically to a low-rank Gram
  approximation XᵀX ≈ V S² Vᵀ (randomized SVD, rank `rank`), for which P has the closed form
  P = (I - V diag(s²/(s²+λ)) Vᵀ) / λ, so scores x·B = x - (x·P) / diag(P) stay exact-zero-diagonal
  and memory is O(items × rank).
- `ItemKNN`: cosine item-item similarity, top-`neighbors` per item (sparse).
- `Popularity`: interaction counts per item.

All score a "user" known only by the liked / disliked item rows of the current dialogue:
`score_from_items(liked_rows, disliked_rows) -> np.ndarray` over all catalog rows.
Models are fitted on binarised interactions, saved atomically under the cache directory and keyed by
a fingerprint of the matrix and the parameters (`fit_cached`).
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import numpy as np
import scipy.sparse as sp

from crs.config import atomic_write_bytes, cache_dir
from crs.lru import LRU

log = logging.getLogger(__name__)

DEFAULT_LAMBDA = 300.0
MAX_DENSE_ITEMS = 20_000
MEMO = 64
"""Score vectors kept per EASE model (one per catalog row, ~36 KB each on the default catalog)."""


Interactions: TypeAlias = sp.spmatrix | sp.sparray | np.ndarray
"""A users × items interaction matrix (CSR in the catalogs; anything `sp.csr_matrix` accepts)."""


class CollaborativeSignal(Protocol):
    """What fusion needs from a collaborative model (`crs.ranking.NoCollaborative` when a catalog has
    no interactions: `absent` is then True)."""

    @property
    def absent(self) -> bool: ...

    @property
    def variant(self) -> str:
        """"dense" / "low-rank" for EASE, "" for the others (reported by the evaluation)."""
        ...

    def score_from_items(self, liked_rows: Sequence[int], disliked_rows: Sequence[int] = ()) -> np.ndarray: ...

    def contributions(self, liked_rows: Sequence[int], target_row: int) -> list[tuple[int, float]]:
        """Which liked rows pushed `target_row` up, best first (empty when the model cannot tell)."""
        ...


class CollaborativeModel(CollaborativeSignal, Protocol):
    """A fitted collaborative model: a signal over `n_items` catalog rows that can be saved."""

    n_items: int

    def save(self, path: Path) -> None: ...


def binarise(X: Interactions, threshold: float = 0.0) -> sp.csr_matrix:
    """users × items CSR with 1.0 where the interaction value is > threshold."""
    X = sp.csr_matrix(X, dtype=np.float32)
    X.data = (X.data > threshold).astype(np.float32)
    X.eliminate_zeros()
    return X


def matrix_fingerprint(X: Interactions) -> str:
    X = sp.csr_matrix(X)
    h = hashlib.sha256(str(X.shape).encode())
    for a in (X.indptr, X.indices, X.data):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def _rows(rows: Sequence[int]) -> np.ndarray:
    return np.asarray(list(rows), dtype=np.int64)


def _user_vector(active: np.ndarray, n_items: int, liked: Sequence[int], disliked: Sequence[int],
                 dislike_weight: float) -> np.ndarray:
    """Dialogue "user" vector over the active items: +1 liked, -dislike_weight disliked."""
    pos = np.full(n_items, -1, dtype=np.int64)
    pos[active] = np.arange(len(active))
    x = np.zeros(len(active), dtype=np.float32)
    for r in _rows(liked):
        if 0 <= r < n_items and pos[r] >= 0:
            x[pos[r]] += 1.0
    for r in _rows(disliked):
        if 0 <= r < n_items and pos[r] >= 0:
            x[pos[r]] -= dislike_weight
    return x


def _spd_inverse(G: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive-definite float32 matrix by Cholesky (LAPACK potrf/potri):
    about 4x faster than a float64 LU inverse, max relative error ~5e-7 on the ReDial Gram matrix.
    Falls back to float64 `inv` if the factorisation fails."""
    from scipy.linalg import lapack

    c, info = lapack.spotrf(G, lower=1, overwrite_a=0)
    if info == 0:
        P, info = lapack.spotri(c, lower=1, overwrite_c=1)
        if info == 0:
            upper = np.triu_indices_from(P, 1)
            P[upper] = P.T[upper]
            return P
    return np.linalg.inv(G.astype(np.float64)).astype(np.float32)


class EASE:
    """EASE collaborative model; dense or low-rank depending on the number of active items."""

    absent = False

    def __init__(self, lam: float = DEFAULT_LAMBDA, max_dense_items: int = MAX_DENSE_ITEMS, rank: int = 256,
                 dislike_weight: float = 0.5) -> None:
        self.lam = float(lam)
        self.max_dense_items = int(max_dense_items)
        self.rank = int(rank)
        self.dislike_weight = float(dislike_weight)
        self.n_items = 0
        self.active = np.zeros(0, dtype=np.int64)
        self.B: np.ndarray | None = None  # dense: (n_active, n_active) float32
        self.V: np.ndarray | None = None  # low-rank: (n_active, rank) float32
        self.w: np.ndarray | None = None  # low-rank: s²/(s²+λ)
        self.pdiag: np.ndarray | None = None  # low-rank: diag(P)
        self.fit_seconds = 0.0
        self._memo: LRU[np.ndarray] = LRU(MEMO)

    @property
    def variant(self) -> str:
        return "dense" if self.B is not None else "low-rank"

    def fit(self, X: Interactions, row_weights: np.ndarray | None = None) -> EASE:
        """Fit on binarised X; `row_weights` (one per user row) scale each user's share of XᵀX."""
        t0 = time.perf_counter()
        self._memo.clear()
        X = binarise(X)
        self.n_items = X.shape[1]
        self.active = np.flatnonzero(np.diff(X.tocsc().indptr) > 0)
        Xa = X[:, self.active]
        if row_weights is not None:
            Xa = sp.diags(np.sqrt(np.asarray(row_weights, dtype=np.float32))) @ Xa
        if len(self.active) <= self.max_dense_items:
            G = (Xa.T @ Xa).toarray().astype(np.float32)
            G[np.diag_indices_from(G)] += self.lam
            P = _spd_inverse(G)
            P /= -np.diag(P).copy()
            P[np.diag_indices_from(P)] = 0.0
            self.B = P
        else:
            self._fit_low_rank(Xa)
        self.fit_seconds = time.perf_counter() - t0
        return self

    def _fit_low_rank(self, Xa: sp.csr_matrix) -> None:
        from sklearn.utils.extmath import randomized_svd

        k = min(self.rank, min(Xa.shape) - 1)
        _, s, vt = randomized_svd(Xa, n_components=k, random_state=0)
        V = vt.T.astype(np.float64)
        w = s**2 / (s**2 + self.lam)
        self.V = V.astype(np.float32)
        self.w = w.astype(np.float32)
        self.pdiag = ((1.0 - np.einsum("ik,k,ik->i", V, w, V)) / self.lam).astype(np.float32)

    def score_from_items(self, liked_rows: Sequence[int], disliked_rows: Sequence[int] = ()) -> np.ndarray:
        """Scores of every catalog row (read-only: kept for the next call with the same items; one
        chat turn asks for the dialogue's items twice, retrieval and ranking, and for the user's
        history items on every turn of a session)."""
        key = (tuple(int(r) for r in liked_rows), tuple(int(r) for r in disliked_rows))
        hit = self._memo.get(key)
        if hit is None:
            hit = self._score(key[0], key[1])
            hit.setflags(write=False)
            self._memo.put(key, hit)
        return hit

    def _score(self, liked_rows: Sequence[int], disliked_rows: Sequence[int]) -> np.ndarray:
        out = np.zeros(self.n_items, dtype=np.float32)
        x = _user_vector(self.active, self.n_items, liked_rows, disliked_rows, self.dislike_weight)
        if not x.any():
            return out
        if self.B is not None:
            nz = np.flatnonzero(x)
            out[self.active] = x[nz] @ self.B[nz]
        else:
            assert self.V is not None and self.w is not None and self.pdiag is not None
            xp = (x - ((x @ self.V) * self.w) @ self.V.T) / self.lam
            out[self.active] = x - xp / self.pdiag
            out[self.active[np.flatnonzero(x)]] = 0.0  # zero diagonal: a liked item does not predict itself
        return out

    def contributions(self, liked_rows: Sequence[int], target_row: int) -> list[tuple[int, float]]:
        """Which liked items pushed `target_row` up (dense variant), best first — for explanations."""
        if self.B is None:
            return []
        pos = {int(r): i for i, r in enumerate(self.active)}
        t = pos.get(int(target_row))
        if t is None:
            return []
        pairs = [(int(r), float(self.B[pos[int(r)], t])) for r in liked_rows if int(r) in pos]
        return sorted((p for p in pairs if p[1] > 0), key=lambda p: -p[1])

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {"kind": np.array("ease"), "lam": np.array(self.lam),
                                         "n_items": np.array(self.n_items), "active": self.active,
                                         "dislike_weight": np.array(self.dislike_weight)}
        for name, a in (("B", self.B), ("V", self.V), ("w", self.w), ("pdiag", self.pdiag)):
            if a is not None:
                arrays[name] = a
        _save_npz(path, arrays)

    @classmethod
    def load(cls, path: Path) -> EASE:
        with np.load(path) as z:
            m = cls(lam=float(z["lam"]), dislike_weight=float(z["dislike_weight"]))
            m.n_items = int(z["n_items"])
            m.active = z["active"]
            files = set(z.files)
            m.B = z["B"] if "B" in files else None
            m.V = z["V"] if "V" in files else None
            m.w = z["w"] if "w" in files else None
            m.pdiag = z["pdiag"] if "pdiag" in files else None
        return m


class ItemKNN:
    """Cosine item-item similarity on binarised interactions, top-`neighbors` kept per item."""

    absent = False
    variant = ""

    def __init__(self, neighbors: int = 100, dislike_weight: float = 0.5) -> None:
        self.neighbors = int(neighbors)
        self.dislike_weight = float(dislike_weight)
        self.n_items = 0
        self.S: sp.csr_matrix | None = None

    def fit(self, X: Interactions) -> ItemKNN:
        X = binarise(X)
        self.n_items = X.shape[1]
        norms = np.sqrt(np.asarray(X.sum(axis=0)).ravel())
        norms[norms == 0] = 1.0
        Xn = X @ sp.diags(1.0 / norms)
        S = (Xn.T @ Xn).tocsr().astype(np.float32)
        S.setdiag(0.0)
        S.eliminate_zeros()
        self.S = _top_k_per_row(S, self.neighbors)
        return self

    def score_from_items(self, liked_rows: Sequence[int], disliked_rows: Sequence[int] = ()) -> np.ndarray:
        assert self.S is not None, "ItemKNN is not fitted"
        x = np.zeros(self.n_items, dtype=np.float32)
        x[[r for r in _rows(liked_rows) if 0 <= r < self.n_items]] += 1.0
        x[[r for r in _rows(disliked_rows) if 0 <= r < self.n_items]] -= self.dislike_weight
        return np.asarray(self.S.T @ x, dtype=np.float32).ravel()

    def contributions(self, liked_rows: Sequence[int], target_row: int) -> list[tuple[int, float]]:
        return []

    def save(self, path: Path) -> None:
        assert self.S is not None
        _save_npz(path, {"kind": np.array("knn"), "neighbors": np.array(self.neighbors),
                         "n_items": np.array(self.n_items), "data": self.S.data, "indices": self.S.indices,
                         "indptr": self.S.indptr, "dislike_weight": np.array(self.dislike_weight)})

    @classmethod
    def load(cls, path: Path) -> ItemKNN:
        with np.load(path) as z:
            m = cls(int(z["neighbors"]), float(z["dislike_weight"]))
            m.n_items = int(z["n_items"])
            m.S = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(m.n_items, m.n_items))
        return m


class Popularity:
    """Number of users who interacted with each item (log-scaled); ignores the dialogue."""

    absent = False
    variant = ""

    def __init__(self) -> None:
        self.n_items = 0
        self.counts = np.zeros(0, dtype=np.float32)

    def fit(self, X: Interactions, row_weights: np.ndarray | None = None) -> Popularity:
        X = binarise(X)
        self.n_items = X.shape[1]
        w = np.ones(X.shape[0], np.float32) if row_weights is None else np.asarray(row_weights, np.float32)
        self.counts = np.asarray(X.T @ w, dtype=np.float32).ravel()
        return self

    def score_from_items(self, liked_rows: Sequence[int] = (), disliked_rows: Sequence[int] = ()) -> np.ndarray:
        return np.log1p(self.counts)

    def contributions(self, liked_rows: Sequence[int], target_row: int) -> list[tuple[int, float]]:
        return []

    def save(self, path: Path) -> None:
        _save_npz(path, {"kind": np.array("pop"), "counts": self.counts})

    @classmethod
    def load(cls, path: Path) -> Popularity:
        with np.load(path) as z:
            m = cls()
            m.counts = z["counts"]
            m.n_items = len(m.counts)
        return m


_LOADERS: dict[str, Callable[[Path], CollaborativeModel]] = {"ease": EASE.load, "knn": ItemKNN.load,
                                                              "pop": Popularity.load}
MODELS = tuple(_LOADERS)
"""Collaborative model kinds (`fit_cached`)."""


def _top_k_per_row(S: sp.csr_matrix, k: int) -> sp.csr_matrix:
    rows, cols, vals = [], [], []
    for i in range(S.shape[0]):
        lo, hi = S.indptr[i], S.indptr[i + 1]
        if hi == lo:
            continue
        d, c = S.data[lo:hi], S.indices[lo:hi]
        keep = np.argpartition(-d, k - 1)[:k] if len(d) > k else np.arange(len(d))
        rows.append(np.full(len(keep), i))
        cols.append(c[keep])
        vals.append(d[keep])
    if not rows:
        return sp.csr_matrix(S.shape, dtype=np.float32)
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=S.shape)


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=True, **arrays)
    atomic_write_bytes(Path(path), buf.getvalue())


def load_model(path: Path) -> CollaborativeModel:
    with np.load(path) as z:
        kind = str(z["kind"])
    return _LOADERS[kind](path)


def _fit(kind: str, X: Interactions, row_weights: np.ndarray | None, params: dict[str, Any]) -> CollaborativeModel:
    """A fresh model of `kind` fitted on X (item-kNN takes no row weights)."""
    if kind == "ease":
        return EASE(**params).fit(X, row_weights)
    if kind == "knn":
        return ItemKNN(**params).fit(X)
    return Popularity(**params).fit(X, row_weights)


def fit_cached(X: Interactions, kind: str = "ease", cache: str | Path | None = None, row_weights: np.ndarray | None = None,
               **params: Any) -> CollaborativeModel:
    """Fit (or load from the cache) a collaborative model keyed by matrix fingerprint + parameters.

    `row_weights` (EASE, popularity) weigh user rows, e.g. dialogue pseudo-users against MovieLens users."""
    if kind not in MODELS:
        raise ValueError(f"unknown collaborative model {kind!r}; valid: {', '.join(MODELS)}")
    wkey = "" if row_weights is None else hashlib.sha256(np.asarray(row_weights, np.float32).tobytes()).hexdigest()[:12]
    key = hashlib.sha256(f"{matrix_fingerprint(X)}:{kind}:{sorted(params.items())}:{wkey}".encode()).hexdigest()[:20]
    path = cache_dir(cache) / "ranking" / f"{kind}-{key}.npz"
    if path.exists():
        try:
            return load_model(path)
        except Exception as e:  # noqa: BLE001 - an unreadable cache file is rebuilt
            log.warning("collaborative cache %s unreadable (%s): refitting", path, e)
    model = _fit(kind, X, row_weights, params)
    model.save(path)
    return model
