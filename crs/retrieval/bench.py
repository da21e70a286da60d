"""`crs bench retrieval`: build time, memory, latency and recall@100 on synthetic catalogs.

Latencies are wall-clock (`p50_ms`, `p99_ms`) and on-CPU time of the querying thread
(`cpu_p50_ms`, `cpu_p99_ms`): on a shared, overloaded machine the wall clock includes time spent
descheduled, the CPU time does not.

For each size: generate a synthetic catalog (crs.retrieval.synthetic), build the BM25 and dense
indexes (timed: `build_s`), then run single queries one at a time and time them:
- lexical: BM25 top-100; reference = full score vector (`get_scores`) sorted;
- dense: index top-100; reference = exact brute force;
- hybrid_filtered: constraint compilation + filtered BM25 + filtered dense + RRF top-100;
  reference = the same fusion of the exact filtered lists.
rank-bm25 (`BM25Okapi.get_scores` + argsort) is timed on min(n, 100k) documents; above 100k its
time is extrapolated linearly (rank-bm25 is linear in the corpus) and flagged as such.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypedDict

import numpy as np

from crs.retrieval.columns import AttributeColumns
from crs.retrieval.dense import DenseIndex
from crs.retrieval.engine import SearchEngine
from crs.retrieval.filters import compile_constraints
from crs.retrieval.fusion import rrf
from crs.retrieval.lexical import BM25Index
from crs.retrieval.synthetic import BenchQuery, SyntheticCatalog, generate, sample_queries
from crs.retrieval.topk import top_k
from crs.types import Results

K = 100
RANK_BM25_MAX = 100_000


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _load_avg() -> float:
    import os

    return float(os.getloadavg()[0])


def _recall(got: Results, ref: Results) -> float | None:
    ref_ids = set(np.asarray(ref.ids).tolist())
    if not ref_ids:
        return None
    return len(ref_ids & set(np.asarray(got.ids).tolist())) / len(ref_ids)


def _exact_lexical(lex: BM25Index, tokens: list[str], allow: np.ndarray | None) -> Results:
    scores = lex.get_scores(tokens)
    if allow is not None:
        scores[~allow] = 0.0
    sel = top_k(scores, K)
    sel = sel[scores[sel] > 0]
    return Results(sel, scores[sel].astype(np.float32))


class Timing(TypedDict):
    """Latency (wall clock and on-CPU, ms) and recall@100 of one kind of search."""

    p50_ms: float
    p99_ms: float
    cpu_p50_ms: float
    cpu_p99_ms: float
    recall_at_100: float | None


def _timed(fn: Callable[[BenchQuery], Results], ref: Callable[[BenchQuery], Results],
           queries: Sequence[BenchQuery]) -> Timing:
    for q in queries[:5]:  # warm-up
        fn(q)
    times, cpu, recalls = [], [], []
    for q in queries:
        t, c = time.perf_counter(), time.thread_time()
        got = fn(q)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
        r = _recall(got, ref(q))
        if r is not None:
            recalls.append(r)
    return {"p50_ms": float(np.percentile(times, 50)), "p99_ms": float(np.percentile(times, 99)),
            "cpu_p50_ms": float(np.percentile(cpu, 50)), "cpu_p99_ms": float(np.percentile(cpu, 99)),
            "recall_at_100": float(np.mean(recalls)) if recalls else None}


def build(cat: SyntheticCatalog) -> SearchEngine:
    lexical = BM25Index.from_ids(cat.doc_ptr, cat.term_ids, cat.vocab)
    dense = DenseIndex(cat.vectors)
    return SearchEngine(lexical, dense, cat.columns)


def rank_bm25_ms(cat: SyntheticCatalog, queries: Sequence[BenchQuery], n_docs: int) -> float:
    from rank_bm25 import BM25Okapi

    ref = BM25Okapi([cat.tokens(i) for i in range(n_docs)])
    times = []
    for q in queries[:10]:
        t = time.perf_counter()
        np.argsort(ref.get_scores(q.tokens))[::-1][:K]
        times.append((time.perf_counter() - t) * 1000)
    del ref
    gc.collect()
    return float(np.median(times))


def bench_size(n: int, n_queries: int = 200, seed: int = 0, rank_bm25: bool = True,
               log: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    t0 = time.perf_counter()
    cat = generate(n, seed=seed)
    gen_s = time.perf_counter() - t0
    log(f"{n:,} items generated in {gen_s:.1f}s; building indexes")
    t0 = time.perf_counter()
    engine = build(cat)
    build_s = time.perf_counter() - t0
    rss = _rss_mb()
    queries = sample_queries(cat, n_queries, seed=seed + 1)
    cols: AttributeColumns = cat.columns
    log(f"built in {build_s:.1f}s (dense index: {engine.dense.kind}); querying")
    out = {"items": n, "queries": n_queries, "gen_s": gen_s, "build_s": build_s, "rss_mb": rss,
           "dense_index": engine.dense.kind, "load_avg": _load_avg()}
    out["lexical"] = lexical = _timed(lambda q: engine.lexical.search(q.tokens, K),
                                      lambda q: _exact_lexical(engine.lexical, q.tokens, None), queries)
    out["dense"] = _timed(lambda q: engine.dense.search(q.vector, K),
                          lambda q: engine.dense.exact(q.vector, K), queries)

    def hybrid(q: BenchQuery) -> Results:
        return engine.hybrid(q.tokens, q.vector, K, compile_constraints(cols, q.constraints))

    def hybrid_ref(q: BenchQuery) -> Results:
        allow = compile_constraints(cols, q.constraints)
        return rrf([_exact_lexical(engine.lexical, q.tokens, allow), engine.dense.exact(q.vector, K, allow)], K)

    out["hybrid_filtered"] = _timed(hybrid, hybrid_ref, queries)
    out["filter_selectivity"] = float(np.mean([compile_constraints(cols, q.constraints).mean()
                                               for q in queries[:20]]))
    if rank_bm25:
        m = min(n, RANK_BM25_MAX)
        log(f"timing rank-bm25 on {m:,} documents")
        ms = rank_bm25_ms(cat, queries, m) * (n / m)
        out["rank_bm25_ms"] = ms
        out["rank_bm25_basis"] = "measured" if m == n else f"extrapolated linearly from {m:,} docs"
        out["rank_bm25_speedup"] = ms / lexical["p50_ms"]
    return out


MAPPED_MIN = 5_000_000
"""From this size `crs bench retrieval` builds the mapped dense path only (`bench_mapped`)."""


def _memory_mb() -> dict[str, float]:
    """Resident memory split as the kernel reports it: anonymous (the process's own heap: indexes,
    columns, arrays) and file-backed (pages of memory-mapped files, which the kernel can drop)."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                out[key] = float(rest.split()[0]) / 1024
    return {"rss_mb": out.get("VmRSS", 0.0), "anon_mb": out.get("RssAnon", 0.0),
            "file_mb": out.get("RssFile", 0.0), "peak_rss_mb": out.get("VmHWM", 0.0)}


def _exact_batch(vectors: np.ndarray, queries: Sequence[BenchQuery], allows: Sequence[np.ndarray | None]) -> list[Results]:
    """Exact top-K of many queries in one pass over (mapped) vectors, 1M rows at a time; `allows` are
    masks packed with `np.packbits(..., bitorder="little")` (200 plain 10M masks would hold 2 GB)."""
    Q = np.stack([q.vector for q in queries])
    best = [(np.zeros(0, np.int64), np.zeros(0, np.float32)) for _ in queries]
    for s in range(0, len(vectors), 1_000_000):
        scores = np.asarray(vectors[s:s + 1_000_000], dtype=np.float32) @ Q.T
        for j, allow in enumerate(allows):
            ok = None if allow is None else np.unpackbits(allow[s // 8:(s + len(scores) + 7) // 8],
                                                          bitorder="little")[:len(scores)].astype(bool)
            col = scores[:, j] if ok is None else np.where(ok, scores[:, j], -np.inf)
            top = top_k(col, K)
            ids = np.concatenate([best[j][0], top + s])
            vals = np.concatenate([best[j][1], col[top]])
            keep = np.argsort(-vals, kind="stable")[:K]
            best[j] = (ids[keep], vals[keep])
    return [Results(ids[np.isfinite(v)], v[np.isfinite(v)]) for ids, v in best]


def bench_mapped(n: int, n_queries: int = 200, seed: int = 0, workdir: str | None = None,
                 log: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """The dense path at sizes whose float32 vectors do not fit the memory budget: float16 vectors in a
    memory-mapped file (`workdir`, ~n x 768 bytes), IVF-PQ fast-scan codes in memory, re-rank from the
    file. Times dense top-100 and dense under a filter (genre + year, compiled from the columns);
    recall@100 against exact search over the same float16 vectors. BM25 is not built at this size."""
    import os
    import tempfile

    from crs.retrieval.synthetic import generate_mapped, sample_vector_queries

    workdir = workdir or tempfile.gettempdir()
    path = os.path.join(workdir, f"crs-bench-vectors-{n}-{seed}.npy")
    t0 = time.perf_counter()
    cat = generate_mapped(n, path, seed=seed)
    gen_s = time.perf_counter() - t0
    log(f"{n:,} items generated in {gen_s:.1f}s ({path}); building the IVF")
    t0 = time.perf_counter()
    ivf_path = Path(workdir) / f"crs-bench-ivf-{n}-{seed}.npz"
    stamp = f"bench-ivf:{n}:{seed}:{os.path.getsize(path)}:{int(os.path.getmtime(path))}"
    loaded = DenseIndex.load(ivf_path, stamp, cat.vectors)
    dense = loaded or DenseIndex(cat.vectors, kind="ivf")
    if loaded is None:
        dense.save(ivf_path, stamp)  # a rerun on the same files times the searches without rebuilding
    build_s = time.perf_counter() - t0
    built = _memory_mb()
    queries = sample_vector_queries(cat.vectors, cat.columns, n_queries, seed=seed + 1)
    allows = [np.packbits(compile_constraints(cat.columns, q.constraints), bitorder="little") for q in queries]
    log(f"built in {build_s:.1f}s; exact references (one pass over the vectors)")
    t0 = time.perf_counter()
    plain = {id(q): r for q, r in zip(queries, _exact_batch(cat.vectors, queries, [None] * len(queries)))}
    filtered = {id(q): r for q, r in zip(queries, _exact_batch(cat.vectors, queries, allows))}
    del allows
    exact_s = time.perf_counter() - t0
    log(f"references in {exact_s:.1f}s; querying")
    out: dict[str, Any] = {"items": n, "queries": n_queries, "gen_s": gen_s, "build_s": build_s,
                           "ivf_loaded": loaded is not None,
                           "dense_index": f"ivf{dense.ivf.nlist if dense.ivf is not None else 0}-pq-fastscan, "
                                          "float16 re-rank from a mapped file",
                           "nprobe": dense.nprobe, "vectors_file_gb": os.path.getsize(path) / 2**30,
                           "memory_after_build": built, "exact_s": exact_s, "load_avg": _load_avg(),
                           "lexical": None, "lexical_note": "BM25 is not built from 5M items: its postings "
                           "(~60 tokens an item) alone would exceed the 3 GB memory budget"}
    out["dense"] = _timed(lambda q: dense.search(q.vector, K), lambda q: plain[id(q)], queries)

    def dense_filtered(q: BenchQuery) -> Results:
        return dense.search(q.vector, K, compile_constraints(cat.columns, q.constraints))

    out["dense_filtered"] = _timed(dense_filtered, lambda q: filtered[id(q)], queries)
    out["filter_selectivity"] = float(np.mean([compile_constraints(cat.columns, q.constraints).mean() for q in queries[:20]]))
    compile_ms = []
    for q in queries:
        c = time.thread_time()
        compile_constraints(cat.columns, q.constraints)
        compile_ms.append((time.thread_time() - c) * 1000)
    out["filter_compile_cpu_ms"] = {"p50": float(np.percentile(compile_ms, 50)), "p99": float(np.percentile(compile_ms, 99))}
    out["memory_after_queries"] = _memory_mb()
    out["rss_mb"] = out["memory_after_queries"]["rss_mb"]
    return out


def parse_sizes(text: str) -> list[int]:
    """'100000,1M,2.5k' → [100000, 1000000, 2500]; RetrievalError on anything else."""
    from crs.retrieval.errors import RetrievalError

    sizes = []
    for part in (p.strip().lower().replace("_", "") for p in text.split(",")):
        mult = {"k": 1_000, "m": 1_000_000}.get(part[-1:], 1)
        try:
            n = int(float(part[:-1] if mult > 1 else part) * mult)
        except ValueError:
            raise RetrievalError(f"--items: {part!r} is not a number (e.g. 100000,1M)") from None
        if n < 1000:
            raise RetrievalError(f"--items: {n} is too small (at least 1000 items)")
        sizes.append(n)
    if not sizes:
        raise RetrievalError("--items needs at least one size")
    return sizes
