"""`crs bench all` rewrites only its auto-generated block of BENCHMARKS.md."""

from __future__ import annotations

from crs.eval.bench_all import BEGIN, END, benchmarks, render, update_file


def _machine() -> dict:
    return {"cpus": 2, "python": "3.11", "platform": "linux", "commit": "abc", "time": "now", "load": "1.0"}


def test_block_is_replaced_and_hand_written_sections_kept(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\n## Hand-written\nkeep me\n", encoding="utf-8")
    one = {"name": "natural 1", "args": ("eval", "simulate", "--simulator", "natural", "--workers", "1"),
           "wall_s": 10.0, "rows": [{"episodes": 10, "sr_at_15": 0.5, "timing": {"run_s": 10.0}}], "summary": {}}
    two = dict(one, name="natural 2", args=one["args"][:-1] + ("2",), rows=[{"episodes": 10, "sr_at_15": 0.5,
                                                                              "timing": {"run_s": 5.0}}])
    failed = {"name": "broken", "args": ("bench", "x"), "wall_s": 1.0, "error": "exit 2: boom"}
    update_file(path, render([one, two, failed], _machine(), full=False))
    text = path.read_text(encoding="utf-8")
    assert "keep me" in text and text.count(BEGIN) == 1 and text.count(END) == 1
    assert "×2.00" in text and "FAILED: exit 2: boom" in text
    update_file(path, render([one], _machine(), full=False))
    text2 = path.read_text(encoding="utf-8")
    assert "keep me" in text2 and text2.count(BEGIN) == 1 and "broken" not in text2


def test_short_run_is_short_and_full_adds_1m():  # type: ignore[no-untyped-def]
    short = {b.name: b.args for b in benchmarks(None, full=False)}
    full = {b.name: b.args for b in benchmarks(None, full=True)}
    assert "100000" in short["retrieval (synthetic catalog)"] and "100000,1M" in full["retrieval (synthetic catalog)"]
    assert any(b.isolated_cache for b in benchmarks(None, False))  # training never overwrites real checkpoints
