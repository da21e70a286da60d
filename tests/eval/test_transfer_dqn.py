"""The transfer check with learned policies: a DQN trained through the chat agent (ChatEnv + natural
simulator) and the evaluation of several policies on the NL simulator and on replayed real dialogues."""

from __future__ import annotations

import dataclasses

import pytest


def test_train_through_chat_agent_then_transfer_report(redial_catalog, data_dir, tmp_path):  # type: ignore[no-untyped-def]
    from crs.dialogue.decide import build_policy
    from crs.dialogue.observe import chat_ask_space
    from crs.policy.dqn import natural_args
    from ui.cli.evaluate import run_transfer
    from ui.cli.train import train_natural

    args = dataclasses.replace(natural_args(0.5, 0), total_steps=120, learning_starts=40, eval_every=100,
                               eval_episodes=2, batch_size=16)
    res = train_natural(redial_catalog, str(data_dir), 0.5, 0, nlu="rules", progress=False, cache=tmp_path, args=args)
    assert res.path is not None and res.path.is_file() and res.steps >= 100
    assert res.path == tmp_path / "natural" / "policy" / f"dqn-redial-{chat_ask_space(redial_catalog).fingerprint}.pt"
    policy = build_policy(redial_catalog, "dqn-natural", path=res.path)
    assert policy.prior == "collaborative" and policy.belief.prior_weight == 0.2
    from crs.catalog.dialogues import redial_train_dev
    from crs.policy.policy import DQNPolicy

    train, dev = redial_train_dev(str(data_dir))  # trained on target-free users with train-part goals only
    assert isinstance(policy, DQNPolicy) and policy.trained_on
    assert policy.trained_on <= {d.conversation_id for d in train} and not policy.trained_on & {d.conversation_id for d in dev}

    paths = {"dqn": str(res.path), "dqn-natural": str(res.path)}  # the same network under both names
    report, cfg = run_transfer("redial", data_dir, data_dir / "redial" / "train_subset_1000_annotated.jsonl",
                               episodes=2, replay_dialogues=2, seed=0, nlu="rules", paths=paths)
    rows = report["policies"]
    assert list(rows) == ["bayes", "dqn", "dqn-natural"] and cfg["policies"] == list(rows)
    assert report["user_model"] == "profile" and report["leak_check_total"] == 0
    assert rows["dqn"]["leak_check"]["policy"] == {"dialogues": 0, "messages": 0}
    for r in rows.values():
        assert r["natural"]["episodes"] == 2 and 1 <= r["natural"]["avg_turns"] <= 15
        assert r["replay"]["dialogues"] == 2 and 0 <= r["replay"]["decision_accuracy"] <= 1
    assert rows["dqn"]["natural"] == rows["dqn-natural"]["natural"]  # the network decides, not its name
    assert rows["dqn"]["replay"] == rows["dqn-natural"]["replay"]
    assert set(report["gaps"]["dqn-natural - dqn"].values()) == {0.0}


def test_natural_training_rejects_attribute_options_and_other_catalogs(redial_catalog, lastfm_catalog, tmp_path):  # type: ignore[no-untyped-def]
    from crs.errors import CRSError
    from ui.cli.evaluate import run_transfer
    from ui.cli.train import train_natural_command

    with pytest.raises(CRSError, match="--split apply to --simulator attribute"):
        train_natural_command(redial_catalog, None, 1.0, 0, "collaborative", False, {"--split": tmp_path / "x.json"})
    with pytest.raises(CRSError, match="needs a movie catalog ReDial goals map onto"):
        train_natural_command(lastfm_catalog, None, 1.0, 0, "collaborative", False, {"--split": None})
    with pytest.raises(CRSError, match="positive"):
        run_transfer("redial", None, tmp_path / "d.jsonl", episodes=0, replay_dialogues=5, seed=0)
