"""`SearchEngine`: lexical + dense + filters + fusion behind one `search`, and `build_engine(catalog)`.

Indexes are persisted under `crs.config.cache_dir()/retrieval`, keyed by a fingerprint of the
catalog (and vectors / parameters), checksummed; a corrupt or stale file is rebuilt with a warning.
Nothing is encoded at build time on a warm cache; the query encoder loads lazily on first use.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from crs.embed import BATCH
from crs.lru import LRU
from crs.retrieval.columns import AttributeColumns, columns_for
from crs.retrieval.dense import EXACT_MAX, DenseIndex
from crs.retrieval.errors import InvalidQueryError, check_k
from crs.retrieval.filters import compile_constraints
from crs.retrieval.fusion import rrf
from crs.retrieval.lexical import BM25Index
from crs.retrieval.persist import fingerprint
from crs.retrieval.text import item_tokens
from crs.retrieval.topk import top_k
from crs.types import Catalog, Constraint, Results

if TYPE_CHECKING:
    from crs.embed import Encoder

log = logging.getLogger(__name__)

MODES = ("hybrid", "lexical", "dense")
FUSE_DEPTH = 100
BM25_VERSION = "bm25-okapi-v2-title-field"
SIMILAR_DEPTH = 300
SIMILAR_FACET_WEIGHT = 0.5
FACET_MAX_VALUES = 64
MASK_CACHE = 128
"""Constraint masks kept per engine (one byte per catalog row each)."""


class SearchEngine:
    """Corpus search over catalog rows. Implements `crs.protocols.Retriever`."""

    def __init__(self, lexical: BM25Index, dense: DenseIndex, columns: AttributeColumns,
                 encoder: Encoder | None = None, fuse_depth: int = FUSE_DEPTH) -> None:
        if not (lexical.n_docs == len(dense.vectors) == columns.n_rows):
            raise ValueError("lexical, dense and attribute columns disagree on the number of rows")
        self.lexical: BM25Index = lexical
        self.dense: DenseIndex = dense
        self.columns: AttributeColumns = columns
        self._encoder = encoder
        self.fuse_depth = fuse_depth
        self._qcache: LRU[np.ndarray] = LRU(1024)
        self._masks: LRU[np.ndarray] = LRU(MASK_CACHE)

    @property
    def n(self) -> int:
        return self.columns.n_rows

    @property
    def vectors(self) -> np.ndarray:
        return self.dense.vectors

    # --- inputs ---------------------------------------------------------------------------
    def encode_query(self, text: str) -> np.ndarray:
        """384-d L2-normalised MiniLM vector of a query (cached per text, 1024 most recent)."""
        key = text.strip()
        vec = self._qcache.get(key)
        if vec is not None:
            return vec
        if self._encoder is None:
            from crs.embed import shared_encoder

            self._encoder = shared_encoder()
        vec = self.dense.check_query(self._encoder.encode_query(key))
        vec.setflags(write=False)
        return self._qcache.put(key, vec)

    def prime_queries(self, texts: Iterable[str], batch_size: int = BATCH) -> int:
        """Encode many queries in batches into the query cache (evaluation runs); returns how many
        were new. The cache grows to hold them all."""
        new = sorted({t.strip() for t in texts if t.strip()} - self._qcache.keys())
        if not new:
            return 0
        if self._encoder is None:
            from crs.embed import shared_encoder

            self._encoder = shared_encoder()
        vecs = self._encoder.encode_queries(new, batch_size=batch_size)
        self._qcache.size = max(self._qcache.size, len(self._qcache) + len(new))
        for t, v in zip(new, vecs):
            v = self.dense.check_query(v)
            v.setflags(write=False)
            self._qcache.put(t, v)
        return len(new)

    def mask(self, constraints: Iterable[Constraint]) -> np.ndarray:
        """Allow-mask of the rows satisfying every constraint (`compile_constraints`).

        Masks are cached per constraint tuple (`MASK_CACHE` most recent; the agent recomputes the
        same constraints every turn) and returned read-only: copy before changing one."""
        key = tuple(constraints)
        try:
            hash(key)
        except TypeError:  # an unhashable value: compiled (and validated) without the cache
            return compile_constraints(self.columns, key)
        hit = self._masks.get(key)
        if hit is not None:
            return hit
        m = compile_constraints(self.columns, key)
        m.setflags(write=False)
        return self._masks.put(key, m)

    def _check(self, k: int, allow: np.ndarray | None) -> tuple[int, np.ndarray | None]:
        k = check_k(k)
        if allow is not None:
            allow = np.asarray(allow)
            if allow.dtype != bool or allow.shape != (self.n,):
                raise InvalidQueryError(
                    f"allow must be a boolean mask of shape ({self.n},), got {allow.dtype} {allow.shape}")
        return min(int(k), self.n), allow

    # --- searches -------------------------------------------------------------------------
    def search(self, query: str | Sequence[str], k: int = 10, allow: np.ndarray | None = None,
               mode: str = "hybrid") -> Results:
        """Top-k catalog rows for free text or a list of concepts; an empty query falls back to
        `popular(k, allow)` (attribute-only search). k beyond the catalog is clamped."""
        k, allow = self._check(k, allow)
        if mode not in MODES:
            raise InvalidQueryError(f"unknown search mode {mode!r}; valid: {', '.join(MODES)}")
        concepts = [query] if isinstance(query, str) else list(query)
        if not all(isinstance(c, str) for c in concepts):
            raise InvalidQueryError("query must be a string or a list of strings")
        concepts = [c.strip() for c in concepts if c.strip()]
        if not concepts:
            return self.popular(k, allow)
        vec = None
        if mode != "lexical":
            vec = np.mean([self.encode_query(c) for c in concepts], axis=0)
        return self.hybrid(" ".join(concepts), vec, k, allow, mode)

    def hybrid(self, text: str | Sequence[str], vector: np.ndarray | None, k: int,
               allow: np.ndarray | None = None, mode: str = "hybrid") -> Results:
        """Search with a given text (or tokens) and query vector: the step after encoding.
        Each list is searched to depth max(k, fuse_depth) under `allow`, then fused by RRF."""
        depth = max(k, self.fuse_depth) if mode == "hybrid" else k
        lists = []
        if mode in ("hybrid", "lexical"):
            lists.append(self.lexical.search(text, depth, allow))
        if mode in ("hybrid", "dense"):
            if vector is None:
                raise InvalidQueryError(f"mode {mode!r} needs a query vector")
            lists.append(self.dense.search(vector, depth, allow))
        return lists[0] if len(lists) == 1 else rrf(lists, k)

    def search_vector(self, vector: np.ndarray, k: int = 10, allow: np.ndarray | None = None) -> Results:
        k, allow = self._check(k, allow)
        return self.dense.search(vector, k, allow)

    def similar(self, rows: Sequence[int], k: int = 10, allow: np.ndarray | None = None,
                facet_weight: float = SIMILAR_FACET_WEIGHT) -> Results:
        """Item-to-item ("something like Toy Story"): the dense neighbours of the seeds' mean vector
        (top SIMILAR_DEPTH), re-ranked by cosine + facet_weight * mean Jaccard overlap with the seeds
        on facet attributes (set attributes with <= FACET_MAX_VALUES values, e.g. genres, decade).
        The seeds themselves are excluded."""
        k, allow = self._check(k, allow)
        seeds = np.asarray(list(rows), dtype=np.int64)
        if len(seeds) == 0:
            raise InvalidQueryError("similar() needs at least one seed row")
        if seeds.min() < 0 or seeds.max() >= self.n:
            raise InvalidQueryError(f"seed rows must be in [0, {self.n}), got {seeds.tolist()[:10]}")
        vec = self.vectors[seeds].mean(axis=0)
        if not np.any(vec):
            raise InvalidQueryError("the seed items have no usable vectors")
        allow = np.ones(self.n, bool) if allow is None else allow.copy()
        allow[seeds] = False
        res = self.dense.search(vec, max(k, SIMILAR_DEPTH), allow)
        ids = np.asarray(res.ids)
        scores = res.scores + facet_weight * self._facet_overlap(seeds, ids)
        sel = top_k(scores, k)
        return Results(ids[sel], scores[sel].astype(np.float32))

    def _facet_overlap(self, seeds: np.ndarray, ids: np.ndarray) -> np.ndarray:
        facets = [c for c in self.columns.sets.values() if 0 < len(c.values) <= FACET_MAX_VALUES]
        total = np.zeros(len(ids))
        for col in facets:
            seed = np.asarray(col.by_row[seeds].sum(axis=0)).ravel() > 0
            sub = col.by_row[ids]
            inter = sub @ seed.astype(np.float64)
            union = seed.sum() + np.diff(sub.indptr) - inter
            total += np.divide(inter, union, out=np.zeros(len(ids)), where=union > 0)
        return total / max(1, len(facets))

    def popular(self, k: int = 10, allow: np.ndarray | None = None) -> Results:
        """Attribute-only search: the most popular allowed rows."""
        k, allow = self._check(k, allow)
        pop = self.columns.popularity
        rows = np.arange(self.n) if allow is None else np.flatnonzero(allow)
        sel = top_k(pop[rows], k)
        return Results(rows[sel].astype(np.int64), pop[rows][sel].astype(np.float32))


def build_engine(catalog: Catalog, cache: str | Path | None = None, vectors: np.ndarray | None = None,
                 encoder: Encoder | None = None, progress: bool = True) -> SearchEngine:
    """Engine over a catalog: BM25 over `crs.embed.item_text` (title words in a field of their own,
    `item_tokens`), dense over `crs.embed.item_vectors`
    (or the `vectors` given), attribute columns; indexes loaded from the cache dir when valid."""
    from crs.config import cache_dir
    from crs.embed import item_text, item_vectors

    root = cache_dir(cache) / "retrieval"
    cat_fp = catalog.fingerprint()
    lex_fp = fingerprint(cat_fp, BM25_VERSION)
    lex_path = root / f"{catalog.name}-{lex_fp}-bm25.npz"
    lexical = BM25Index.load(lex_path, lex_fp)
    if lexical is None:
        lexical = BM25Index.from_tokens([item_tokens(it.title, item_text(it)) for it in catalog.items])
        lexical.save(lex_path, lex_fp)
    if vectors is None:
        vectors = item_vectors(catalog, encoder=encoder, cache=cache, progress=progress)
    if vectors.shape[0] != len(catalog):
        raise InvalidQueryError(f"vectors have {vectors.shape[0]} rows, catalog {catalog.name!r} has {len(catalog)}")
    dense = _dense(catalog.name, cat_fp, vectors, root)
    return SearchEngine(lexical, dense, columns_for(catalog), encoder=encoder)


def _dense(name: str, cat_fp: str, vectors: np.ndarray, root: Path) -> DenseIndex:
    if len(vectors) <= EXACT_MAX:
        return DenseIndex(vectors)
    vec_fp = hashlib.sha256(np.ascontiguousarray(vectors).tobytes()).hexdigest()[:16]
    fp = fingerprint(cat_fp, vec_fp, "ivf-pq-fastscan-v1")
    path = root / f"{name}-{fp}-ivf.npz"
    index = DenseIndex.load(path, fp, vectors)
    if index is None:
        index = DenseIndex(vectors, kind="ivf")
        index.save(path, fp)
    return index
