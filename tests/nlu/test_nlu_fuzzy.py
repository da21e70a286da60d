"""Fuzzy title lookup: the trigram-blocked index (large catalogs) finds what scoring every title finds."""

from __future__ import annotations

import random

from crs.nlu.fuzzy import TitleIndex
from crs.nlu.text import normalise


def _typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(len(text))
    op = rng.choice(("drop", "swap", "double"))
    if op == "drop":
        return text[:i] + text[i + 1:]
    if op == "swap" and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + text[i] + text[i:]


def test_blocked_lookup_matches_the_exact_one_on_real_titles(redial_catalog) -> None:  # type: ignore[no-untyped-def]
    keys = sorted({normalise(it.title) for it in redial_catalog.items} - {""})
    exact, blocked = TitleIndex(keys), TitleIndex(keys, block_above=0)
    assert not exact.blocked and blocked.blocked
    rng = random.Random(0)
    queries = [_typo(k, rng) for k in rng.sample([k for k in keys if len(k) >= 6], 300)]
    queries += ["shawshank redemtion", "the godfater", "jurasic park", "star wars"]
    same = 0
    for q in queries:
        e, b = exact.extract(q), blocked.extract(q)
        assert all(s >= 75 for _, s in b)
        same += [i for i, _ in e[:1]] == [i for i, _ in b[:1]]
    assert same >= 0.99 * len(queries), same
    assert blocked.extract("zzzzqqqq xxyy") == [] and blocked.extract("") == []


def test_cli_bench_titles_json() -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from ui.cli import app

    res = CliRunner().invoke(app, ["bench", "titles", "--items", "20000", "--queries", "20", "--json"])
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout.strip().splitlines()[-1])
    assert r["titles"] == 20000 and r["lookups"] == 23 and r["same_best"] >= 22
    assert {"blocked_p50_ms", "blocked_p99_ms", "exact_p50_ms", "exact_p99_ms", "index_build_cpu_s"} <= set(r)
