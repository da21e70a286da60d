"""Content scorer: similarity between the dialogue's positive preference text and item vectors.

Two signals over all catalog rows, both cosine similarities with L2-normalised MiniLM vectors:
- `query`: the preference phrases of the state (stated preferences and rewritten critiques, newest
  last) joined into one query and encoded;
- `items`: the mean vector of the liked items minus half the mean of the disliked ones
  ("more like these").
Item vectors and the query encoder come from the retrieval engine when one is given
(`engine.vectors`, `engine.encode_query`), else from `crs.embed` directly.

Chat-turn speed: full-catalog score vectors are cached per query (a dialogue keeps its preferences
for several turns), and both signals can be computed for a subset of rows only (`rows=`), with
`stats(q)` giving the catalog-level mean/std for z-normalisation (large catalogs, see
`crs.ranking.retrieve`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np

from crs.lru import LRU
from crs.types import Catalog

if TYPE_CHECKING:
    from crs.retrieval.engine import SearchEngine

ItemsKey: TypeAlias = tuple[Literal["i"], tuple[int, ...], tuple[int, ...]]
ScoreKey: TypeAlias = tuple[Literal["q"], str] | ItemsKey
"""Cache key of a full-catalog score vector: ("q", query text) or ("i", liked rows, disliked rows)."""


class ContentScorer:
    def __init__(self, vectors: np.ndarray, encode: Callable[[str], np.ndarray], max_phrases: int = 6,
                 cache_size: int = 4096, encode_batch: Callable[[list[str]], np.ndarray] | None = None) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._encode = encode
        self._encode_batch = encode_batch
        self.max_phrases = int(max_phrases)
        self._cache: LRU[np.ndarray] = LRU(cache_size)
        self._score_cache: LRU[np.ndarray] = LRU(SCORE_CACHE)
        self._sample: np.ndarray | None = None
        self._stats: LRU[tuple[float, float]] = LRU(256)

    @classmethod
    def from_catalog(cls, catalog: Catalog, engine: SearchEngine | None = None,
                     cache: str | Path | None = None) -> ContentScorer:
        if engine is not None:
            return cls(engine.vectors, engine.encode_query)
        from crs.embed import item_vectors, shared_encoder

        return cls(item_vectors(catalog, cache=cache, progress=False), lambda t: shared_encoder().encode_one(t),
                   encode_batch=lambda ts: shared_encoder().encode(ts))

    def prime(self, phrase_lists: list[tuple[str, ...]]) -> int:
        """Encode the queries of many states in one batch (evaluation); returns how many were new."""
        texts = sorted({self.query_text(p) for p in phrase_lists} - {""} - self._cache.keys())
        if not texts:
            return 0
        vecs = self._encode_batch(texts) if self._encode_batch else [self._encode(t) for t in texts]
        self._cache.size = max(self._cache.size, len(self._cache) + len(texts))
        for t, v in zip(texts, vecs):
            self._cache.put(t, np.asarray(v, dtype=np.float32).ravel())
        return len(texts)

    def query_text(self, phrases: Sequence[str]) -> str:
        kept = [p.strip() for p in phrases if p and p.strip()][-self.max_phrases:]
        return " ".join(kept)

    def encode(self, text: str) -> np.ndarray:
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        return self._cache.put(text, np.asarray(self._encode(text), dtype=np.float32).ravel())

    def query_vector(self, phrases: Sequence[str]) -> np.ndarray | None:
        """The encoded preference query (None when there is none)."""
        text = self.query_text(phrases)
        return self.encode(text) if text else None

    def item_vector(self, liked_rows: Sequence[int], disliked_rows: Sequence[int] = ()) -> np.ndarray | None:
        """The normalised (liked - ½ disliked) centroid (None without items or when it cancels out)."""
        liked = [int(r) for r in liked_rows]
        disliked = [int(r) for r in disliked_rows]
        if not liked and not disliked:
            return None
        q = np.zeros(self.vectors.shape[1], dtype=np.float32)
        if liked:
            q += self.vectors[liked].mean(axis=0)
        if disliked:
            q -= 0.5 * self.vectors[disliked].mean(axis=0)
        n = float(np.linalg.norm(q))
        return q / n if n > 0 else None

    def query_scores(self, phrases: Sequence[str], rows: np.ndarray | None = None) -> np.ndarray | None:
        """Cosine of the joined preference query with every item (or with `rows`); None without a query."""
        text = self.query_text(phrases)
        if not text:
            return None
        return self._scores(("q", text), lambda: self.encode(text), rows)

    def item_scores(self, liked_rows: Sequence[int], disliked_rows: Sequence[int] = (),
                    rows: np.ndarray | None = None) -> np.ndarray | None:
        """Cosine of the (liked - ½ disliked) centroid with every item (or `rows`); None without items."""
        key: ItemsKey = ("i", tuple(int(r) for r in liked_rows), tuple(int(r) for r in disliked_rows))
        if not key[1] and not key[2]:
            return None
        return self._scores(key, lambda: self.item_vector(liked_rows, disliked_rows), rows)

    def stats(self, q: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation over the catalog of the cosines with `q`, from a fixed sample
        of at most `STATS_SAMPLE` rows (exact below that size): z-normalisation of a row subset."""
        key = np.asarray(q, dtype=np.float32).tobytes()
        hit = self._stats.get(key)
        if hit is not None:
            return hit
        if self._sample is None:
            n = len(self.vectors)
            idx = np.arange(n) if n <= STATS_SAMPLE else np.sort(
                np.random.default_rng(0).choice(n, STATS_SAMPLE, replace=False))
            self._sample = np.ascontiguousarray(self.vectors[idx])
        s = self._sample @ q
        return self._stats.put(key, (float(s.mean()), float(s.std())))

    def vector_for(self, key: ScoreKey) -> np.ndarray | None:
        """The query vector behind a cached score key (see `query_scores`, `item_scores`)."""
        if key[0] == "q":
            return self.encode(key[1])
        return self.item_vector(key[1], key[2])

    def _scores(self, key: ScoreKey, vector: Callable[[], np.ndarray | None], rows: np.ndarray | None) -> np.ndarray | None:
        """Full-catalog scores are cached per query (`SCORE_CACHE` most recent): a dialogue re-scores
        the same preferences and liked items on every turn until they change."""
        if rows is not None:
            q = vector()
            return None if q is None else self.vectors[np.asarray(rows, dtype=np.int64)] @ q

        def full() -> np.ndarray | None:
            q = vector()
            if q is None:
                return None
            out = self.vectors @ q
            out.setflags(write=False)
            return out

        return self._score_cache.get_or_put(key, full)


SCORE_CACHE = 8
"""Full-catalog score vectors kept per scorer (4 bytes × catalog size each)."""
STATS_SAMPLE = 4_096
"""Rows sampled (fixed seed) for the catalog mean/std of a cosine signal (standard error of the std ~1%)."""
