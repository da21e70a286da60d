"""`crs bench ...`: commands that print speed and memory figures."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from crs.errors import CRSError
from ui.cli.common import DataDirOpt, JsonOpt, console, dd, err_console, load, print_json, stderr_log


def bench_retrieval(
    items: str = typer.Option("100000", "--items", help="Catalog sizes, comma-separated (e.g. 100000,1M)."),
    queries: int = typer.Option(200, "--queries", help="Single queries timed per size."),
    seed: int = typer.Option(0, "--seed", help="Seed of the synthetic catalog."),
    rank_bm25: bool = typer.Option(True, "--rank-bm25/--no-rank-bm25", help="Time rank-bm25 (on <= 100k docs)."),
    workdir: Optional[Path] = typer.Option(None, "--workdir", help="Folder for the memory-mapped vectors "
                                           "of sizes from 5M (~0.77 GB per million items; default: the temp folder)."),
    as_json: bool = JsonOpt,
) -> None:
    """Retrieval at scale on synthetic catalogs: build time, memory, p50/p99 latency, recall@100.
    From 5M items only the dense path is built: float16 vectors memory-mapped from --workdir,
    IVF-PQ codes in memory (see docs/retrieval-and-ranking.md)."""
    from crs.retrieval.bench import MAPPED_MIN, bench_mapped, bench_size, parse_sizes

    sizes = parse_sizes(items)
    if queries < 10:
        raise typer.BadParameter("--queries must be at least 10")
    if workdir is not None and not workdir.is_dir():
        raise typer.BadParameter(f"--workdir {workdir} is not a folder")
    for n in sizes:
        say = lambda m: err_console.print(m, highlight=False)
        if n >= MAPPED_MIN:
            r = bench_mapped(n, queries, seed=seed, workdir=str(workdir) if workdir else None, log=say)
        else:
            r = bench_size(n, queries, seed=seed, rank_bm25=rank_bm25, log=say)
        if as_json:
            print_json(r)
            continue
        t = Table("search", "p50 ms", "p99 ms", "cpu p50", "cpu p99", "recall@100", title=f"{n:,} items: build {r['build_s']:.1f}s, "
                  f"RSS {r['rss_mb']:.0f} MB, dense index {r['dense_index']}")
        for key in ("lexical", "dense", "hybrid_filtered", "dense_filtered"):
            m = r.get(key)
            if m is None:
                continue
            rec = "-" if m["recall_at_100"] is None else f"{m['recall_at_100']:.3f}"
            t.add_row(key, *(f"{m[c]:.2f}" for c in ("p50_ms", "p99_ms", "cpu_p50_ms", "cpu_p99_ms")), rec)
        console.print(t)
        if "rank_bm25_speedup" in r:
            console.print(f"rank-bm25: {r['rank_bm25_ms']:.1f} ms/query ({r['rank_bm25_basis']}); "
                          f"lexical speed-up x{r['rank_bm25_speedup']:.0f}")


def bench_turn(
    items: Optional[str] = typer.Option(None, "--items", help="Synthetic catalog size (e.g. 1M); default: the --catalog."),
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Catalog when --items is not given."),
    data_dir: Optional[Path] = DataDirOpt,
    turns: int = typer.Option(300, "--turns", help="Timed turns."),
    nlu: str = typer.Option("learned", "--nlu", help="learned | rules (see AgentConfig.nlu)."),
    as_json: bool = JsonOpt,
) -> None:
    """Latency of one agent turn without an LLM (p50/p99 ms) on a real or synthetic catalog."""
    from crs.eval.turn_bench import run_bench

    if turns < 20:
        raise typer.BadParameter("--turns must be at least 20")
    r = run_bench(catalog=catalog, data_dir=dd(data_dir), items=items, turns=turns, nlu=nlu, log=stderr_log())
    if as_json:
        print_json(r)
        return
    console.print(f"{r['items']:,} items ({r['catalog']}, {nlu} NLU): one turn p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms "
                  f"over {r['turns']} turns (build {r['build_s']:.1f} s)")


def bench_simulator(
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Catalog of the natural-language simulator."),
    data_dir: Optional[Path] = DataDirOpt,
    episodes: int = typer.Option(2000, "--episodes", help="Timed episodes."),
    seed: int = typer.Option(0, "--seed"),
    as_json: bool = JsonOpt,
) -> None:
    """Episodes/s of the natural-language simulator against random ask / recommend / wait actions."""
    from simulators.bench import bench_natural
    from simulators.natural import build_natural

    if episodes < 10:
        raise typer.BadParameter("--episodes must be at least 10")
    sim = build_natural(load(catalog, data_dir), data_dir, seed=seed)
    r = bench_natural(sim, episodes, seed)
    if as_json:
        print_json(r)
        return
    console.print(f"natural simulator ({r['grammar']} grammar): {r['episodes_per_s']:.0f} episodes/s, "
                  f"{r['turns_per_s']:.0f} turns/s, {r['turns_per_episode']:.1f} turns/episode")


def bench_ease(
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Catalog whose interactions are fitted."),
    data_dir: Optional[Path] = DataDirOpt,
    items: int = typer.Option(0, "--items", help="Synthetic Zipf matrix with this many items instead of a catalog."),
    as_json: bool = JsonOpt,
) -> None:
    """EASE fit time, scoring time and peak memory (dense, or low-rank above 20,000 active items)."""
    from crs.ranking import row_weights
    from crs.ranking.ease_bench import benchmark_fit, synthetic_interactions

    if items > 0:
        r = benchmark_fit(synthetic_interactions(items))
    else:
        cat = load(catalog, data_dir)
        if cat.interactions is None:
            raise CRSError(f"catalog {catalog!r} has no interactions to fit")
        r = benchmark_fit(cat.interactions, row_weights=row_weights(cat, cat.interactions))
    if as_json:
        print_json(r)
    else:
        console.print(r)


def bench_all_cmd(
    out: Path = typer.Option(Path("docs/BENCHMARKS.md"), "--out", help="Markdown file whose auto-generated block is rewritten."),
    data_dir: Optional[Path] = DataDirOpt,
    full: bool = typer.Option(False, "--full", help="Also retrieval at 1M items and longer runs (slow)."),
    only: list[str] = typer.Option([], "--only", help="Run only benchmarks whose name contains this (repeatable)."),
) -> None:
    """Run every benchmark (retrieval, turn latency, simulators, episodes/s and scaling, training time)
    and rewrite the auto-generated block of docs/BENCHMARKS.md (hand-written sections are kept)."""
    from crs.eval.bench_all import bench_all

    results = bench_all(out, data_dir, full, crs_command(), tuple(only), log=stderr_log())
    failed = [r["name"] for r in results if "error" in r]
    console.print(f"wrote {out}: {len(results) - len(failed)} benchmarks" + (f", failed: {', '.join(failed)}" if failed else ""))


def crs_command() -> list[str]:
    """How to start the `crs` command in a subprocess: the console script next to this Python, else `-m`."""
    import sys

    exe = Path(sys.executable).with_name("crs")
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "ui.cli"]


def bench_fuzz(
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Catalog of the agent."),
    data_dir: Optional[Path] = DataDirOpt,
    messages: int = typer.Option(10_000, "--messages", help="Hostile messages sent through `Agent.step`."),
    seed: int = typer.Option(0, "--seed", help="Seed of the message generator."),
    nlu: str = typer.Option("learned", "--nlu", help="learned | rules (see AgentConfig.nlu)."),
    as_json: bool = JsonOpt,
) -> None:
    """Hostile messages (junk, injections, huge and odd text) through the whole agent: every turn must
    answer; failures and latency are reported (`crs.eval.fuzz.run_fuzz`)."""
    from crs.dialogue.build import AgentConfig, build_agent
    from crs.eval.fuzz import run_fuzz
    from crs.store import Store

    if messages < 1:
        raise typer.BadParameter("--messages must be positive")
    agent = build_agent(AgentConfig(catalog=catalog, data_dir=dd(data_dir), nlu=nlu), store=Store(":memory:"))
    r = run_fuzz(agent, messages, seed, stderr_log(not as_json))
    r.update({"catalog": catalog, "nlu": nlu, "seed": seed})
    if as_json:
        print_json(r)
        return
    console.print(f"{r['messages']:,} hostile messages to the {catalog} agent ({nlu} NLU): {r['failures']} failures; "
                  f"turn p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms ({r['seconds']:.0f} s)")
    for ex in r["examples"]:
        console.print(f"  {ex['problem']}: {ex['text']!r}", highlight=False)


def bench_titles(
    items: str = typer.Option("1M", "--items", help="Synthetic titles (e.g. 1M)."),
    queries: int = typer.Option(100, "--queries", help="Typed titles (one-character typos of catalog titles)."),
    as_json: bool = JsonOpt,
) -> None:
    """Fuzzy title lookup (a title typed with a typo): the trigram-blocked index against scoring every title."""
    from crs.eval.turn_bench import parse_items
    from crs.nlu.fuzzy import benchmark

    r = benchmark(parse_items(items), queries)
    if as_json:
        print_json(r)
        return
    console.print(f"{r['titles']:,} titles: blocked p50 {r['blocked_p50_ms']} / p99 {r['blocked_p99_ms']} ms, every title "
                  f"p50 {r['exact_p50_ms']} / p99 {r['exact_p99_ms']} ms (CPU per lookup); same best title "
                  f"{r['same_best']}/{r['lookups']}; index built in {r['index_build_cpu_s']} s")
