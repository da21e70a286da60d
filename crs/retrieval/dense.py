"""Dense inner-product search over L2-normalised vectors, exact for small catalogs, IVF above.

- n <= EXACT_MAX: exact (numpy matmul over the float32 vectors).
- larger: FAISS IVF with 4-bit fast-scan product quantisation (`IVF{nlist},PQ{d/2}x4fs`, inner
  product, 96 bytes per 384-d vector), nlist = sqrt(n) rounded to a power of two, nprobe =
  max(32, nlist/16) lists scanned; the best RERANK (8) x k candidates are re-scored with the exact
  float32 vectors, so returned scores are exact inner products (PQ alone stalls at low recall).
- from 4M items (HNSW_QUANTISER_MIN): an HNSW graph over the centroids assigns vectors to lists,
  nprobe max(32, nlist/64), re-rank RERANK_LARGE (16) x k; the vectors may be a read-only
  `np.memmap` (float16 rows re-ranked from the file: `crs bench retrieval --items 10M`).
- an allow-mask is applied inside the search: IVF gets a faiss `IDSelectorBitmap` and an nprobe
  scaled by selectivity^-1/4 (FILTER_EXPONENT); when reading the allowed rows' float32 vectors
  touches fewer bytes than the IVF would scan, exact search over the allowed rows is used instead;
  if the IVF still finds fewer than k allowed rows, exact search takes over (never short).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from crs.retrieval.errors import InvalidQueryError, check_k
from crs.retrieval.persist import load_arrays, save_arrays
from crs.retrieval.topk import top_k
from crs.types import Results

if TYPE_CHECKING:
    import faiss

log = logging.getLogger(__name__)

CHUNK = 1_000_000
"""Rows per block when scoring every row (float32 copies of float16 mapped rows stay ~1.5 GB)."""
HNSW_QUANTISER_MIN = 4_000_000
"""From this size the IVF assigns vectors to lists through an HNSW graph over the centroids (adding 10M
vectors against 4,096 flat centroids is ~16 TFLOP of distance computations)."""


EXACT_MAX = 50_000
RERANK = 8
RERANK_LARGE = 16
"""Re-rank depth (x k) from `HNSW_QUANTISER_MIN` items, with nprobe max(32, nlist/64): at 10M the 4-bit
codes order the top too coarsely and more lists do not help. Sweep on the synthetic 10M catalog (120
queries, CPU ms p50/p99, recall@100; filtered = genre + year, 6.5 % allowed, mask given): nprobe 64 x
re-rank 8: 5.2/44.5, 0.917 and filtered 7.4/12.5, 0.926; x 16: 3.7/4.7, 0.953 and 7.2/10.7, 0.946; x 32:
5.4/7.0, 0.964 and 8.7/10.7, 0.949; nprobe 128 x 32: 8.2/11.7, 0.965 and 12.9/63.2, 0.950. 16, because
the re-rank reads its rows from the mapped file: 3,200 random float16 rows cost 7.8 ms p50 from the page
cache and 11 / 170 ms p50 / p99 when the kernel had evicted part of the file (`crs bench retrieval`)."""
FILTER_EXPONENT = 0.25


def clean_vectors(vectors: np.ndarray) -> np.ndarray:
    """float32 C-contiguous (n, d); rows with NaN/inf are zeroed (they never match) with a warning.
    A memory-mapped array (`np.memmap`, float16 or float32) is kept as it is: it is never read whole."""
    if isinstance(vectors, np.memmap):
        if vectors.ndim != 2 or vectors.dtype not in (np.float16, np.float32):
            raise InvalidQueryError(f"mapped item vectors must be 2-d float16/float32, got {vectors.dtype} {vectors.shape}")
        return vectors
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    if v.ndim != 2:
        raise InvalidQueryError(f"item vectors must be a 2-d array, got shape {v.shape}")
    bad = ~np.isfinite(v).all(axis=1)
    if bad.any():
        log.warning("%d item vectors contain NaN/inf: they are zeroed and never retrieved", int(bad.sum()))
        v = v.copy()
        v[bad] = 0.0
    return v


class DenseIndex:
    """Inner-product index over fixed item vectors; `search(vector, k, allow) -> Results`."""

    def __init__(self, vectors: np.ndarray, kind: str = "auto", nprobe: int | None = None,
                 ivf: faiss.IndexIVF | None = None) -> None:
        self.vectors = clean_vectors(vectors)
        n = len(self.vectors)
        self.kind = kind if kind != "auto" else ("exact" if n <= EXACT_MAX else "ivf")
        if self.kind not in ("exact", "ivf"):
            raise ValueError(f"unknown dense index kind {kind!r}; valid: auto, exact, ivf")
        self.ivf = ivf
        if self.kind == "ivf" and self.ivf is None:
            self.ivf = build_ivf(self.vectors)
        large = n >= HNSW_QUANTISER_MIN
        self.nprobe = nprobe or (max(32, self.ivf.nlist // (64 if large else 16)) if self.ivf is not None else 0)
        self.rerank = RERANK_LARGE if large else RERANK

    @property
    def _index(self) -> faiss.IndexIVF:
        """The IVF structure (only an "ivf" index has one; every caller is on that path)."""
        if self.ivf is None:
            raise RuntimeError("an exact dense index has no IVF structure")
        return self.ivf

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def check_query(self, q: np.ndarray) -> np.ndarray:
        q = np.asarray(q, dtype=np.float32).reshape(-1)
        if q.shape[0] != self.dim:
            raise InvalidQueryError(f"query vector has {q.shape[0]} dimensions, the index has {self.dim}")
        if not np.isfinite(q).all():
            raise InvalidQueryError("query vector contains NaN or infinite values")
        norm = float(np.linalg.norm(q))
        if norm == 0.0:
            raise InvalidQueryError("query vector is all zeros")
        return q / norm

    def search(self, q: np.ndarray, k: int = 10, allow: np.ndarray | None = None, complete: bool = True) -> Results:
        """Top-k by inner product among allowed rows. With `complete=False` an IVF search that finds
        fewer than k allowed rows returns what it found instead of falling back to an exact scan of
        every allowed row (a shortlist does not need exactly k)."""
        k = check_k(k)
        q = self.check_query(q)
        n_allowed = len(self.vectors) if allow is None else int(np.count_nonzero(allow))
        k = min(k, n_allowed)
        if k <= 0:
            return Results(np.zeros(0, np.int64), np.zeros(0, np.float32))
        if self.kind == "exact" or self._exact_is_cheaper(n_allowed):
            return self.exact(q, k, allow)
        res = self._ivf(q, k, allow, n_allowed)
        if len(res) < k and complete:
            return self.exact(q, k, allow)
        return res

    def _nprobe(self, n_allowed: int) -> int:
        frac = max(n_allowed / len(self.vectors), 1e-9)
        return int(min(self._index.nlist, math.ceil(self.nprobe / frac ** FILTER_EXPONENT)))

    def _exact_is_cheaper(self, n_allowed: int) -> bool:
        """Cost model in bytes touched: float32 rows of the allowed set vs the IVF codes scanned."""
        ivf = self._index
        scanned = self._nprobe(n_allowed) / ivf.nlist * len(self.vectors) * ivf.code_size
        return n_allowed * self.dim * self.vectors.itemsize <= scanned

    def exact(self, q: np.ndarray, k: int, allow: np.ndarray | None = None) -> Results:
        """Brute-force top-k (the reference for recall); over allowed rows only when masked."""
        if allow is not None and np.count_nonzero(allow) * 4 < len(allow):
            rows = np.flatnonzero(allow)
            scores = _scores(self.vectors, q, rows)
        else:
            rows = None
            scores = _scores(self.vectors, q)
            if allow is not None:
                scores[~allow] = -np.inf
        sel = top_k(scores, k)
        sel = sel[np.isfinite(scores[sel])]
        ids = sel if rows is None else rows[sel]
        return Results(ids.astype(np.int64), scores[sel].astype(np.float32))

    def _ivf(self, q: np.ndarray, k: int, allow: np.ndarray | None, n_allowed: int) -> Results:
        import faiss

        n = len(self.vectors)
        params = faiss.SearchParametersIVF()
        params.nprobe = self._nprobe(n_allowed)
        bits = None
        if allow is not None and n_allowed < n:
            bits = np.packbits(allow, bitorder="little")
            params.sel = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bits))
        fetch = min(n_allowed, self.rerank * k)
        _, ids = self._index.search(q[None, :], fetch, params=params)
        ids = ids[0]
        ids = ids[ids >= 0]
        del bits
        scores = np.asarray(self.vectors[ids], dtype=np.float32) @ q  # exact re-rank (float16 rows of a mapped file)
        sel = top_k(scores, k)
        return Results(ids[sel].astype(np.int64), scores[sel].astype(np.float32))

    # --- persistence (only the IVF structure; vectors are cached by crs.embed or regenerated) -------
    def save(self, path: Path, fingerprint: str) -> None:
        if self.ivf is None:
            return
        import faiss

        save_arrays(path, fingerprint, {"faiss": faiss.serialize_index(self.ivf)})

    @classmethod
    def load(cls, path: Path, fingerprint: str, vectors: np.ndarray, nprobe: int | None = None) -> DenseIndex | None:
        a = load_arrays(path, fingerprint)
        if a is None:
            return None
        import faiss

        ivf = faiss.deserialize_index(a["faiss"])
        if not isinstance(ivf, faiss.IndexIVF) or ivf.ntotal != len(vectors) or ivf.d != vectors.shape[1]:
            log.warning("dense index %s does not match the vectors: rebuilding", path)
            return None
        return cls(vectors, kind="ivf", nprobe=nprobe, ivf=ivf)


def _scores(vectors: np.ndarray, q: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Inner products with `q` of every row (or of `rows`), in float32 blocks of `CHUNK` rows."""
    n = len(vectors) if rows is None else len(rows)
    if vectors.dtype == np.float32 and not isinstance(vectors, np.memmap):
        return vectors @ q if rows is None else vectors[rows] @ q
    out = np.empty(n, np.float32)
    for s in range(0, n, CHUNK):
        block = vectors[s:s + CHUNK] if rows is None else vectors[rows[s:s + CHUNK]]
        out[s:s + CHUNK] = np.asarray(block, dtype=np.float32) @ q
    return out


def build_ivf(vectors: np.ndarray, nlist: int | None = None, seed: int = 0,
              chunk: int = 200_000) -> faiss.IndexIVF:
    """Train and fill an `IVF{nlist},PQ{d/2}x4fs` inner-product index (vectors added in chunks, as
    float32, so float16 mapped vectors work too)."""
    import faiss

    n, d = vectors.shape
    nlist = nlist or int(2 ** round(math.log2(max(16.0, math.sqrt(n)))))
    m = d // 2 if d % 2 == 0 else d
    coarse = f"IVF{nlist}_HNSW32" if n >= HNSW_QUANTISER_MIN else f"IVF{nlist}"
    index = faiss.index_factory(d, f"{coarse},PQ{m}x4fs", faiss.METRIC_INNER_PRODUCT)
    if not isinstance(index, faiss.IndexIVF):  # index_factory returns the downcast IVF-PQ index
        raise TypeError(f"faiss built {type(index).__name__}, not an IVF index")
    rng = np.random.default_rng(seed)
    sample = np.asarray(vectors[np.sort(rng.choice(n, size=min(n, max(40 * nlist, 20_000)), replace=False))], np.float32)
    index.cp.niter = 10
    index.train(sample)
    del sample
    for s in range(0, n, chunk):
        index.add(np.ascontiguousarray(vectors[s:s + chunk], dtype=np.float32))
    return index
