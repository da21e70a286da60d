"""Synthetic catalogs with the structure of real ones, for scale benchmarks (no Item objects).

- texts: ~60 tokens per item (normal, sd 15), half from a global Zipf(1.07) vocabulary, half from
  the item's topic, whose words are the same Zipf law shifted to a topic-specific part of the
  vocabulary (so topics have their own frequent words, as genres do);
- vectors: 384-d, L2-normalised: a shared mean direction + topic centre + sub-topic centre +
  anisotropic noise, and 30% "franchise" items that are close variants of another item. Calibrated
  against the real MiniLM item vectors of the ReDial + default catalogs (16k items): the IVF
  recall@100 curve (nlist 128, nprobe 8/16/32) is 0.74/0.82/0.91 here vs 0.73/0.84/0.91 real; mean
  pairwise cosine 0.27 vs 0.30, nearest neighbour 0.70 vs 0.72, 100th neighbour 0.41 vs 0.52.
  (iid vectors would make every ANN index look broken; tightly clustered ones make it look perfect);
- attributes: `genre` (multi, 1-3 of 20, topic-correlated), `decade` (categorical, 10), `language`
  (categorical, 30, Zipf), `year` (numeric), `rating` (numeric), plus log-normal popularity.
Generation is chunked and seeded: the same (n, seed) gives the same catalog.

`generate_mapped` builds the vectors and attributes only (no texts), writing float16 vectors chunk
by chunk into a memory-mapped `.npy` file: the 10M-item benchmark never holds its 15 GB of float32
vectors in memory (the draws differ from `generate`, the distribution is the same).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crs.retrieval.columns import AttributeColumns, SetColumn
from crs.types import AttributeKind, Constraint

DIM = 384
GENRES = tuple(f"genre{i:02d}" for i in range(20))
DECADES = tuple(f"{y}s" for y in range(1930, 2030, 10))
LANGUAGES = tuple(f"lang{i:02d}" for i in range(30))
# calibration (see module docstring): component scales of mean / topic / sub-topic / noise
MEAN_SCALE, TOPIC_SCALE, SUB_SCALE, NOISE_SCALE = 0.60, 0.38, 0.20, 0.85
FRANCHISE_SHARE, FRANCHISE_NOISE = 0.30, 0.70


@dataclass(frozen=True, eq=False)
class SyntheticCatalog:
    n: int
    doc_ptr: np.ndarray  # (n + 1,) offsets into term_ids
    term_ids: np.ndarray  # int32 flat token ids
    vocab: tuple[str, ...]
    vectors: np.ndarray  # (n, 384) float32, normalised
    columns: AttributeColumns
    topics: np.ndarray  # (n,) top-level topic per item

    def tokens(self, row: int) -> list[str]:
        return [self.vocab[t] for t in self.term_ids[self.doc_ptr[row]:self.doc_ptr[row + 1]]]


def generate(n: int, seed: int = 0, chunk: int = 100_000) -> SyntheticCatalog:
    if n <= 0:
        raise ValueError("n must be positive")
    rng = np.random.default_rng(seed)
    n_topics = 64
    n_sub = max(n_topics, min(20_000, n // 50))
    vocab_size = int(min(200_000, 20_000 + n // 10))
    topics_of_sub = rng.integers(0, n_topics, n_sub)
    sub = rng.integers(0, n_sub, n)
    topics = topics_of_sub[sub]
    vectors = _vectors(rng, n, n_topics, n_sub, topics_of_sub, sub, chunk)
    doc_ptr, term_ids = _texts(rng, n, topics, vocab_size, n_topics)
    vocab = tuple(f"w{i}" for i in range(vocab_size))
    return SyntheticCatalog(n, doc_ptr, term_ids, vocab, vectors, _columns(rng, n, topics, n_topics), topics)


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def _centres(rng: np.random.Generator, n_topics: int, topics_of_sub: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shared mean direction, sub-topic centres, noise spectrum) of the vector model (module doc)."""
    mean = _unit(rng.standard_normal(DIM)) * MEAN_SCALE
    topic_c = _unit(rng.standard_normal((n_topics, DIM))) * TOPIC_SCALE
    sub_c = _unit(rng.standard_normal((len(topics_of_sub), DIM))) * SUB_SCALE + topic_c[topics_of_sub]
    spectrum = (1.0 / np.sqrt(np.arange(1, DIM + 1) ** 0.5)).astype(np.float32)
    spectrum *= NOISE_SCALE / np.linalg.norm(spectrum)
    return mean, sub_c, spectrum


def _vectors(rng: np.random.Generator, n: int, n_topics: int, n_sub: int, topics_of_sub: np.ndarray,
             sub: np.ndarray, chunk: int) -> np.ndarray:
    mean, sub_c, spectrum = _centres(rng, n_topics, topics_of_sub)
    out = np.empty((n, DIM), np.float32)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        noise = rng.standard_normal((e - s, DIM), dtype=np.float32) * spectrum
        out[s:e] = _unit(mean + sub_c[sub[s:e]] + noise)
    # franchises / near-duplicates: some items are close variants of another item of their sub-topic
    first = np.full(n_sub, -1, np.int64)
    first[sub[::-1]] = np.arange(n)[::-1]
    variant = (rng.random(n) < FRANCHISE_SHARE) & (first[sub] != np.arange(n))
    for s in range(0, n, chunk):
        rows = np.flatnonzero(variant[s:s + chunk]) + s
        jitter = rng.standard_normal((len(rows), DIM), dtype=np.float32) * spectrum * FRANCHISE_NOISE
        out[rows] = _unit(out[first[sub[rows]]] + jitter)
    return out


def _zipf_cdf(size: int, a: float = 1.07) -> np.ndarray:
    w = 1.0 / np.arange(1, size + 1) ** a
    return np.cumsum(w) / w.sum()


def _texts(rng: np.random.Generator, n: int, topics: np.ndarray, vocab_size: int,
           n_topics: int) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.clip(rng.normal(60, 15, n).round().astype(np.int64), 10, 150)
    doc_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(lengths, out=doc_ptr[1:])
    total = int(doc_ptr[-1])
    cdf = _zipf_cdf(vocab_size)
    ranks = np.searchsorted(cdf, rng.random(total)).astype(np.int64)
    ranks = np.minimum(ranks, vocab_size - 1)
    doc_topic = np.repeat(topics, lengths)
    from_topic = rng.random(total) < 0.5
    offsets = rng.integers(100, vocab_size, n_topics)
    # topic words: same Zipf law, shifted to the topic's region of the vocabulary (skipping the head)
    shifted = 100 + (ranks + offsets[doc_topic]) % (vocab_size - 100)
    term_ids = np.where(from_topic, shifted, ranks).astype(np.int32)
    return doc_ptr, term_ids


def _columns(rng: np.random.Generator, n: int, topics: np.ndarray, n_topics: int) -> AttributeColumns:
    pref = rng.dirichlet(np.full(len(GENRES), 0.3), n_topics)  # topic → genre preference
    n_genres = rng.integers(1, 4, n)
    rows = np.repeat(np.arange(n), n_genres)
    codes = np.empty(len(rows), np.int64)
    for s in range(0, len(rows), 1_000_000):  # chunked: a (rows x genres) float64 block at 10M is 3 GB
        cum = np.cumsum(pref[topics[rows[s:s + 1_000_000]]], axis=1)
        draw = rng.random(len(cum))
        codes[s:s + len(cum)] = np.minimum((cum < draw[:, None]).sum(axis=1), len(GENRES) - 1)
    year = np.clip(rng.normal(1995, 18, n).round(), 1930, 2029)
    decade = ((year - 1930) // 10).astype(np.int64)
    lang_p = 1.0 / np.arange(1, len(LANGUAGES) + 1) ** 1.2
    lang = rng.choice(len(LANGUAGES), n, p=lang_p / lang_p.sum())
    ar = np.arange(n)
    sets = {
        "genre": SetColumn.build(AttributeKind.MULTI, GENRES, rows, codes, n),
        "decade": SetColumn.build(AttributeKind.ORDINAL, DECADES, ar, decade, n),
        "language": SetColumn.build(AttributeKind.CATEGORICAL, LANGUAGES, ar, lang, n),
    }
    numeric = {"year": year.astype(np.float64), "rating": np.clip(rng.normal(6.5, 1.2, n), 1, 10)}
    popularity = rng.lognormal(0.0, 1.5, n).astype(np.float32)
    return AttributeColumns(n, sets, numeric, popularity)


@dataclass(frozen=True)
class BenchQuery:
    tokens: list[str]
    vector: np.ndarray
    constraints: tuple[Constraint, ...]


def sample_queries(cat: SyntheticCatalog, count: int, seed: int = 1) -> list[BenchQuery]:
    """Queries built like real ones: 2-4 non-head words of an item, a vector near that item's
    sub-topic, and a filter (one genre + a year range: 3-15% of the catalog)."""
    rng = np.random.default_rng(seed)
    out = []
    for row in rng.integers(0, cat.n, count):
        ids = cat.term_ids[cat.doc_ptr[row]:cat.doc_ptr[row + 1]]
        ids = ids[ids >= 100] if (ids >= 100).sum() >= 2 else ids
        words = [cat.vocab[t] for t in rng.choice(ids, size=min(len(ids), int(rng.integers(2, 5))), replace=False)]
        vec = cat.vectors[row] + rng.standard_normal(DIM).astype(np.float32) * 0.03
        genre = GENRES[int(rng.choice(cat.columns.sets["genre"].by_row[int(row)].indices))]
        year = float(rng.choice([1970, 1980, 1990, 2000]))
        cons = (Constraint("genre", "include", genre), Constraint("year", "ge", year))
        out.append(BenchQuery(words, (vec / np.linalg.norm(vec)).astype(np.float32), cons))
    return out


@dataclass(frozen=True, eq=False)
class MappedCatalog:
    """Vectors (float16, memory-mapped from `path`) and attributes of a synthetic catalog, no texts."""

    n: int
    path: str
    vectors: np.ndarray  # np.memmap (n, 384) float16, read-only
    columns: AttributeColumns


def generate_mapped(n: int, path: str, seed: int = 0, chunk: int = 200_000) -> MappedCatalog:
    """`generate`'s vectors and attributes for catalogs too large for memory; an existing file of the
    right shape at `path` is reused (the same (n, seed) writes the same bytes)."""
    import os

    if n <= 0:
        raise ValueError("n must be positive")
    rng = np.random.default_rng(seed)
    n_topics, n_sub = 64, max(64, min(20_000, n // 50))
    topics_of_sub = rng.integers(0, n_topics, n_sub)
    sub = rng.integers(0, n_sub, n)
    mean, sub_c, spectrum = _centres(rng, n_topics, topics_of_sub)
    first = np.full(n_sub, -1, np.int64)
    first[sub[::-1]] = np.arange(n)[::-1]
    variant = (rng.random(n) < FRANCHISE_SHARE) & (first[sub] != np.arange(n))
    columns = _columns(rng, n, topics_of_sub[sub], n_topics)
    ok = os.path.exists(path) and np.load(path, mmap_mode="r").shape == (n, DIM)
    if not ok:
        out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float16, shape=(n, DIM))
        for s in range(0, n, chunk):
            e = min(n, s + chunk)
            noise = rng.standard_normal((e - s, DIM), dtype=np.float32) * spectrum
            v = _unit(mean + sub_c[sub[s:e]] + noise)
            rows = np.flatnonzero(variant[s:e])  # franchise variants of their sub-topic's first item
            src = first[sub[s + rows]]
            here = src >= s
            base = np.empty((len(rows), DIM), np.float32)
            base[here] = v[src[here] - s]
            base[~here] = out[src[~here]]
            jitter = rng.standard_normal((len(rows), DIM), dtype=np.float32) * spectrum * FRANCHISE_NOISE
            v[rows] = _unit(base + jitter)
            out[s:e] = v
        out.flush()
        del out
    return MappedCatalog(n, path, np.load(path, mmap_mode="r"), columns)


def sample_vector_queries(vectors: np.ndarray, columns: AttributeColumns, count: int, seed: int = 1) -> list[BenchQuery]:
    """`sample_queries` without words: a vector near an item and a filter (one of its genres + a year range)."""
    rng = np.random.default_rng(seed)
    out = []
    for row in rng.integers(0, len(vectors), count):
        vec = np.asarray(vectors[int(row)], np.float32) + rng.standard_normal(DIM).astype(np.float32) * 0.03
        genre = GENRES[int(rng.choice(columns.sets["genre"].by_row[int(row)].indices))]
        year = float(rng.choice([1970, 1980, 1990, 2000]))
        cons = (Constraint("genre", "include", genre), Constraint("year", "ge", year))
        out.append(BenchQuery([], (vec / np.linalg.norm(vec)).astype(np.float32), cons))
    return out
