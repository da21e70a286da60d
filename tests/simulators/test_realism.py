"""Realism metrics and the `crs eval realism` command on real ReDial messages."""

from __future__ import annotations

import json

import numpy as np
import pytest

from simulators.errors import SimulatorError
from simulators.realism import (
    distinct_n,
    entropy,
    js_divergence,
    real_seeker_messages,
    realism_report,
    simulate_utterances,
    two_sample_auc,
)


def test_metric_functions():
    assert distinct_n(["a b a b"], 1) == pytest.approx(2 / 4)
    assert distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)
    assert entropy(["x", "y", "x", "y"]) == pytest.approx(1.0)
    assert js_divergence(["a"] * 5, ["a"] * 5) == pytest.approx(0.0)
    assert js_divergence(["a"] * 5, ["b"] * 5) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    same = two_sample_auc(rng.normal(size=(200, 8)), rng.normal(size=(200, 8)))[0]
    apart = two_sample_auc(rng.normal(size=(200, 8)) + 2.0, rng.normal(size=(200, 8)))[0]
    assert 0.35 < same < 0.65 and apart > 0.95


def test_simulated_and_real_samples(natural_sim, data_dir, redial_catalog):  # type: ignore[no-untyped-def]
    from crs.catalog.dialogues import read_dialogues

    utts = simulate_utterances(natural_sim, 300, seed=0)
    assert len(utts) == 300 and len({a for _, a, _ in utts}) >= 6
    real = real_seeker_messages(read_dialogues(data_dir / "redial/train_subset_raw.jsonl").dialogues[:50],
                                natural_sim.vocab, redial_catalog)
    assert real and not any("@1" in t or "@2" in t for t, _ in real)
    fake_encode = lambda texts: np.array([[len(t), t.count(" ")] for t in texts], dtype=float)
    r = realism_report([(t, h) for t, _, h in utts], real, fake_encode)
    assert {"auc", "distinct_1", "distinct_2", "act_entropy", "length_wasserstein"} <= set(r)
    with pytest.raises(SimulatorError, match="too few"):
        realism_report(real[:5], real[:5], fake_encode)


def test_cli_realism_json(data_dir, tmp_path):  # type: ignore[no-untyped-def]
    """End to end with MiniLM on a slice of ReDial (its conversations leave the grammar)."""
    from typer.testing import CliRunner

    from ui.cli import app

    src = (data_dir / "redial/train_subset_raw.jsonl").read_text(encoding="utf-8").splitlines()
    dev = tmp_path / "dev.jsonl"
    dev.write_text("\n".join(src[:60]) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", "realism", "--simulator", "natural", "--dialogues", str(dev),
                                   "--n", "150", "--json", "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout.strip().splitlines()[-1])
    assert 0.0 <= r["auc"] <= 1.0 and r["n_per_side"] == 150 and r["grammar_source"].startswith("redial-mined")
    assert r["user_model"] == "profile"  # the target-free user is the default
    # the file keeps chat messages: simulated turns are cut at the rate of the other raw dialogues
    assert r["units"] == "messages" and 0.4 < r["split_rate"] < 0.7 and r["sim_messages_per_turn"] > 1.0
    assert 0 < r["distinct_1"] <= 1 and 0 < r["distinct_2"] <= 1 and r["act_entropy"] > 1.0


def test_replay_harness_answers_the_human_recommenders_moves(redial_catalog, data_dir):  # type: ignore[no-untyped-def]
    """The profile user answers its own dialogue's recommender: one move per later seeker turn, the
    films that recommender named (catalog films only), and it accepts the suggestions its seeker liked."""
    from crs.catalog.dialogues import read_dialogues
    from simulators.profile import build_profile
    from simulators.realism import recommender_moves, replay_utterances

    dialogues = read_dialogues(data_dir / "redial/train_subset_1000_annotated.jsonl").dialogues[:40]
    sim = build_profile(redial_catalog, dialogues, seed=0, data_dir=data_dir)
    for d in dialogues:
        moves = recommender_moves(d, redial_catalog, sim.vocab)
        roles = [m.role for m in d.messages]
        seeker_turns = sum(1 for i, r in enumerate(roles) if r == "seeker" and (i == 0 or roles[i - 1] != "seeker"))
        first = roles.index("seeker") if "seeker" in roles else len(roles)
        assert len(moves) == seeker_turns - 1 if first < len(roles) else not moves
        named = {i for m in d.messages if m.role == "recommender" for i in m.movies if i in redial_catalog}
        assert {i for a in moves if a.kind == "recommend" for i in a.items} <= named
        assert {a.kind for a in moves} <= {"recommend", "ask", "wait"}
    utts = replay_utterances(sim, {d.conversation_id: d for d in dialogues}, 150, seed=0)
    assert len(utts) == 150 and all(t.strip() for t, _, _ in utts)
    acts = {a for _, a, _ in utts}
    assert "accept" in acts, acts  # the human recommender suggested films the seeker liked
    with pytest.raises(SimulatorError, match="harness"):
        from simulators.realism import evaluate_realism

        evaluate_realism(redial_catalog, data_dir / "redial/train_subset_raw.jsonl", lambda t: np.zeros((len(t), 2)),
                         "replay", n=50, data_dir=data_dir, harness="replay")
