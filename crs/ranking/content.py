"""Content scorer: similarity between the dialogue's positive preference text and item vectors.

Two signals over all catalog rows, both cosine similarities with L2-normalised MiniLM vectors:
- `query`: the preference phrases of the state (stated preferences and rewritten critiques, newest
  last) joined into one query and encoded;
- `items`: the mean vector of the liked items minus half the mean of the disliked ones
  ("more like these").
Item vectors and the query encoder come from the retrieval engine when one is given
(`engine.vectors`, `engine.encode_query`), else from `crs.embed` directly.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


class ContentScorer:
    def __init__(self, vectors: np.ndarray, encode: Callable[[str], np.ndarray], max_phrases: int = 6,
                 cache_size: int = 4096, encode_batch: Callable[[list[str]], np.ndarray] | None = None) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._encode = encode
        self._encode_batch = encode_batch
        self.max_phrases = int(max_phrases)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def from_catalog(cls, catalog: Any, engine: Any = None, cache: Any = None) -> ContentScorer:
        if engine is not None and getattr(engine, "vectors", None) is not None:
            return cls(engine.vectors, engine.encode_query)
        from crs.embed import item_vectors, shared_encoder

        return cls(item_vectors(catalog, cache=cache, progress=False), lambda t: shared_encoder().encode_one(t),
                   encode_batch=lambda ts: shared_encoder().encode(ts))

    def prime(self, phrase_lists: list[tuple[str, ...]]) -> int:
        """Encode the queries of many states in one batch (evaluation); returns how many were new."""
        texts = sorted({self.query_text(p) for p in phrase_lists} - {""} - set(self._cache))
        if not texts:
            return 0
        vecs = self._encode_batch(texts) if self._encode_batch else [self._encode(t) for t in texts]
        self._cache_size = max(self._cache_size, len(self._cache) + len(texts))
        for t, v in zip(texts, vecs):
            self._cache[t] = np.asarray(v, dtype=np.float32).ravel()
        return len(texts)

    def query_text(self, phrases: Sequence[str]) -> str:
        kept = [p.strip() for p in phrases if p and p.strip()][-self.max_phrases:]
        return " ".join(kept)

    def encode(self, text: str) -> np.ndarray:
        if text in self._cache:
            self._cache.move_to_end(text)
            return self._cache[text]
        v = np.asarray(self._encode(text), dtype=np.float32).ravel()
        self._cache[text] = v
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return v

    def query_scores(self, phrases: Sequence[str]) -> np.ndarray | None:
        """Cosine of the joined preference query with every item; None when there is no query."""
        text = self.query_text(phrases)
        if not text:
            return None
        return self.vectors @ self.encode(text)

    def item_scores(self, liked_rows: Sequence[int], disliked_rows: Sequence[int] = ()) -> np.ndarray | None:
        """Cosine of the (liked - ½ disliked) centroid with every item; None without liked/disliked items."""
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
        return self.vectors @ (q / n) if n > 0 else None
