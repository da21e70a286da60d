"""`crs eval simulate --simulator attribute --workers N`: same report for any worker count."""

from __future__ import annotations

import json

from typer.testing import CliRunner


def test_workers_give_the_same_report(data_dir) -> None:  # type: ignore[no-untyped-def]
    from crs.eval.attribute import evaluate_parallel
    from ui.cli.factories import AttributeJob

    split = data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_valid.json"
    job = AttributeJob("lastfm-star", str(data_dir), str(split), "bayes-cf", 0.1, 0.0, 5)
    one = evaluate_parallel(job, 120, 1)
    two = evaluate_parallel(job, 120, 2)
    keys = ("sr_at_5", "sr_at_15", "avg_turns", "hdcg", "episodes", "actions")
    assert {k: one[k] for k in keys} == {k: two[k] for k in keys}
    assert one["episodes"] == 120 and one["prior"] == "collaborative" and one["sr_at_15"] > 0.5


def test_cli_workers_json(data_dir) -> None:  # type: ignore[no-untyped-def]
    from crs.policy.space import PolicyError
    from ui.cli import app

    split = data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_valid.json"
    args = ["eval", "simulate", "--catalog", "lastfm-star", "--data-dir", str(data_dir), "--split", str(split),
            "--policy", "rules", "--prior", "collaborative", "--episodes", "60", "--workers", "2", "--json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    m = json.loads(res.output.strip().splitlines()[-1])
    assert m["episodes"] == 60 and m["workers"] == 2 and m["prior"] == "collaborative"
    bad = CliRunner().invoke(app, [*args[:-3], "--prior", "oracle", "--json"])
    assert isinstance(bad.exception, PolicyError) and "unknown item prior" in str(bad.exception)
