"""`crs bench turn`: latency of one agent turn (no LLM) on a real catalog or a synthetic one.

A scripted conversation (greeting, preference, liked title, critique, request, item questions,
change of mind) is replayed over fresh sessions until `turns` turns are timed; each session uses
other titles and genres, and starts with cold per-text caches (`clear_text_caches`: no encoding
of an earlier session's message is reused); each timed call is `Agent.step` including the SQLite
write. Synthetic catalogs reuse the retrieval benchmark's
generator (`crs.retrieval.synthetic`) turned into `Item`s with titles built from their words.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crs.types import Attribute, AttributeKind, AttributeSchema, Catalog, Item

if TYPE_CHECKING:
    from crs.dialogue.agent import Agent
    from crs.retrieval.engine import SearchEngine


def script(catalog: Catalog, variant: int = 0) -> list[str]:
    """A conversation that exercises every path, using real titles and attribute values of the catalog.

    `variant` picks another liked title (among the 50 most popular) and other genre values, so
    successive sessions send different texts and constraint sets."""
    pop = np.argsort(-catalog.popularity())[:50]
    liked = catalog.items[int(pop[variant % len(pop)])].title
    genre_attr = next((a for a in catalog.schema if a.kind is AttributeKind.MULTI and a.values), None)
    values = genre_attr.values if genre_attr and len(genre_attr.values) > 1 else ("drama", "comedy")
    value = values[variant % len(values)]
    other = values[(variant + 1) % len(values)]
    return ["hi there", f"I'm in the mood for {value}", f"I really loved {liked}", f"no {other} please",
            "just give me something", "who directed it?", "what's it about?", "something more recent",
            "not that one", f"forget {other}", "yes", "thanks, that looks great"]


def parse_items(text: str) -> int:
    t = text.strip().lower().replace("_", "").replace(",", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


def synthetic_catalog(n: int, seed: int = 0) -> tuple[Catalog, SearchEngine]:
    """A Catalog of n synthetic items and its search engine (built from ids, no encoding)."""
    from crs.retrieval.bench import build
    from crs.retrieval.synthetic import DECADES, GENRES, LANGUAGES, generate

    syn = generate(n, seed=seed)
    cols = syn.columns
    genre_rows = cols.sets["genre"].by_row
    decade = cols.sets["decade"].by_row.indices
    lang = cols.sets["language"].by_row.indices
    items = []
    for i in range(n):
        words = syn.tokens(i)[:3]
        g = tuple(GENRES[j] for j in genre_rows.indices[genre_rows.indptr[i]:genre_rows.indptr[i + 1]])
        year = int(cols.numeric["year"][i])
        items.append(Item(str(i), f"{' '.join(words).title()} {i}", year, "",
                          {"genre": g, "decade": DECADES[decade[i]], "language": LANGUAGES[lang[i]], "year": year,
                           "rating": round(float(cols.numeric["rating"][i]), 1)}, float(cols.popularity[i])))
    schema = AttributeSchema((Attribute("genre", AttributeKind.MULTI, GENRES),
                              Attribute("decade", AttributeKind.ORDINAL, DECADES),
                              Attribute("language", AttributeKind.CATEGORICAL, LANGUAGES),
                              Attribute("year", AttributeKind.NUMERIC), Attribute("rating", AttributeKind.NUMERIC)))
    return Catalog(f"synthetic-{n}", tuple(items), schema), build(syn)


def run_bench(catalog: str = "redial", data_dir: str | None = None, items: str | None = None, turns: int = 300,
              nlu: str = "learned", log: Callable[[str], None] = lambda m: None,
              warm_caches: bool = False) -> dict[str, Any]:
    """p50/p99 of `Agent.step` over `turns` scripted turns (sessions vary titles and genres; per-text
    caches are cleared before each session unless `warm_caches`)."""
    from crs.dialogue.build import AgentConfig, build_agent
    from crs.embed import shared_encoder
    from crs.store import Store

    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="crs-bench-"))
    store = Store(tmp / "bench.db")
    if items:
        n = parse_items(items)
        log(f"generating a synthetic catalog of {n:,} items")
        cat, engine = synthetic_catalog(n)
        agent = build_agent(AgentConfig(catalog=cat.name, nlu=nlu), catalog=cat, store=store, engine=engine)
    else:
        agent = build_agent(AgentConfig(catalog=catalog, data_dir=data_dir, nlu=nlu), store=store)
        cat = agent.catalog
    build_s = time.perf_counter() - t0
    log(f"agent ready on {len(cat):,} items in {build_s:.1f}s; timing {turns} turns")
    times: list[float] = []
    cpu: list[float] = []  # on-CPU time of the turn's thread: excludes waiting for a core on a busy machine
    agent.warm_up()  # as `crs serve` and `crs demo` do: lazy encoder, models and title groups
    shared_encoder().encode_one("warm-up")
    session = 0
    while len(times) < turns:
        msgs = script(cat, session)
        session += 1
        if not warm_caches:
            clear_text_caches(agent)
        state = agent.new_session("bench")
        for m in msgs:
            t, c = time.perf_counter(), time.thread_time()
            state, _ = agent.step(state, m)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
            if len(times) >= turns:
                break
    store.close()
    arr = np.asarray(times)
    return {"catalog": cat.name, "items": len(cat), "turns": len(arr), "p50_ms": float(np.percentile(arr, 50)),
            "p99_ms": float(np.percentile(arr, 99)), "mean_ms": float(arr.mean()), "build_s": build_s, "nlu": nlu,
            "cpu_p50_ms": float(np.percentile(cpu, 50)), "cpu_p99_ms": float(np.percentile(cpu, 99)),
            "load_avg": float(os.getloadavg()[0]), "warm_caches": warm_caches}


def clear_text_caches(agent: Agent) -> None:
    """Forget every per-text cache (message and query encodings, content score vectors), as for a
    new user whose messages were never seen; constraint masks and loaded models stay.

    It reaches into the caches' private LRUs: the encoder, the engine and the content scorer have
    no public `clear_caches()` yet."""
    from crs.embed import shared_encoder
    from crs.ranking.fusion import FusionRanker

    shared_encoder()._one.clear()
    agent.engine._qcache.clear()
    if isinstance(agent.ranker, FusionRanker) and agent.ranker.content is not None:
        agent.ranker.content._cache.clear()
        agent.ranker.content._score_cache.clear()
