"""`crs eval order` and `crs train sequence` end to end (subprocess, real data, fresh cache)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from crs.ranking.sequence import redial_train_split


def crs(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], check=False, capture_output=True, text=True, timeout=900)


def test_missing_file_and_bad_options_exit_2(tmp_path):
    r = crs("eval", "order", "--dialogues", str(tmp_path / "nope.jsonl"))
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr
    r = crs("train", "sequence", "--catalog", "default")
    assert r.returncode == 2 and "redial" in r.stderr


def test_invalid_epochs_is_a_clear_error(data_dir):
    r = crs("train", "sequence", "--catalog", "redial", "--data-dir", str(data_dir), "--epochs", "0")
    assert r.returncode == 2 and "epochs=0" in r.stderr and "Traceback" not in r.stderr


def test_file_without_evaluable_turns_is_a_clear_error(tmp_path, data_dir):
    f = tmp_path / "junk.jsonl"
    f.write_text('{"broken": \nnot json\n{"messages": [{"text": "hi", "senderWorkerId": 1}]}\n')
    r = crs("eval", "order", "--dialogues", str(f), "--data-dir", str(data_dir))
    assert r.returncode == 2 and "no evaluable turn" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_eval_order_json_on_dev_dialogues_leaves_out_training_ones(tmp_path, data_dir):
    train, dev = redial_train_split(data_dir)
    dev_ids = {d.conversation_id for d in dev}
    train_ids = {d.conversation_id for d in train}
    lines = (data_dir / "redial" / "train_subset_raw.jsonl").read_text(encoding="utf-8").splitlines()
    picked = [ln for ln in lines if json.loads(ln)["conversationId"] in dev_ids][:40]
    leaked = [ln for ln in lines if json.loads(ln)["conversationId"] in train_ids][:5]
    f = tmp_path / "dev.jsonl"
    f.write_text("\n".join(picked + leaked + ["{not json"]) + "\n", encoding="utf-8")
    r = crs("eval", "order", "--dialogues", str(f), "--data-dir", str(data_dir), "--epochs", "1", "--shuffles", "2", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for key in ("ordered", "shuffled"):
        assert 0.0 <= out[key]["recall_at_10"] <= out[key]["recall_at_50"] <= 1.0
    assert out["n"] > 10 and out["dialogues"] == len(picked)
    assert out["excluded_training_dialogues"] == len(leaked) and out["bad_lines"] == 1
    assert out["trained_now"] is True
    r2 = crs("train", "sequence", "--catalog", "redial", "--data-dir", str(data_dir), "--epochs", "1", "--json")
    assert r2.returncode == 0, r2.stderr
    t = json.loads(r2.stdout)
    assert t["trained_now"] is False and t["path"] == out["model"]  # same fingerprint → cache hit
