"""The ordered-vs-shuffled evaluation (`crs/eval/order.py`) on real ReDial data, and `crs eval order` /
`crs train sequence` end to end (subprocesses beside the other tests: tests/background.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from crs.catalog.dialogues import redial_train_dev as redial_train_split
from crs.dialogue.track import update
from crs.eval.order import evaluate_order, order_cases, replay
from crs.types import DialogueState, Mention, ParsedTurn, Speaker
from tests.background import Step

CRS = (sys.executable, "-m", "ui.cli")



def test_replay_timeline_matches_real_dialogue_order(redial_catalog, redial_split):
    _, dev = redial_split
    d = next(d for d in dev if sum(len(m.movies) for m in d.messages) >= 4)
    cases = replay(d, redial_catalog)
    state = DialogueState()
    for msg in d.messages:
        ms = tuple(Mention(x, "item", 0, Speaker.USER, 1) for x in msg.movies if x in redial_catalog)
        state = update(state, ParsedTurn(msg.text, mentions=ms))
    assert [x.entity for x in state.mentions] == [x for msg in d.messages for x in msg.movies if x in redial_catalog]
    for c in cases:
        assert c.context and c.targets and not set(c.targets) & set(c.seen)
        assert set(c.context) <= set(c.seen)


def test_learned_model_beats_random_and_reports_order_effect(tiny_sequence, redial_catalog, redial_split):
    model = tiny_sequence[0]
    _, dev = redial_split
    cases = order_cases(dev, redial_catalog)
    assert len(cases) > 300
    r = evaluate_order(model, redial_catalog, cases[:200], shuffles=2)
    json.dumps(r)
    for key in ("ordered", "shuffled"):
        assert set(r[key]) == {"recall_at_10", "recall_at_50"}
        assert 0.0 <= r[key]["recall_at_10"] <= r[key]["recall_at_50"] <= 1.0
    assert r["n"] == 200
    assert r["ordered"]["recall_at_50"] > 5 * 50 / len(redial_catalog)  # far above a random ranking
    lo, hi = r["effect"]["ci95"]
    assert lo <= r["effect"]["recall_at_50_diff"] <= hi


def _errors(data_dir: Path, workdir: Path) -> list[Step]:
    junk = workdir / "junk.jsonl"
    junk.write_text('{"broken": \nnot json\n{"messages": [{"text": "hi", "senderWorkerId": 1}]}\n')
    return [Step([*CRS, "eval", "order", "--dialogues", str(workdir / "nope.jsonl")]),
            Step([*CRS, "train", "sequence", "--catalog", "default"]),
            Step([*CRS, "train", "sequence", "--catalog", "redial", "--data-dir", str(data_dir), "--epochs", "0"]),
            Step([*CRS, "eval", "order", "--dialogues", str(junk), "--data-dir", str(data_dir)])]


@pytest.mark.background("errors")
def test_missing_file_and_bad_options_exit_2(background):  # type: ignore[no-untyped-def]
    r, r2 = background.results()[:2]
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr
    assert r2.returncode == 2 and "redial" in r2.stderr


@pytest.mark.background("errors")
def test_invalid_epochs_is_a_clear_error(background):  # type: ignore[no-untyped-def]
    r = background.results()[2]
    assert r.returncode == 2 and "epochs=0" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.background("errors")
def test_file_without_evaluable_turns_is_a_clear_error(background):  # type: ignore[no-untyped-def]
    r = background.results()[3]
    assert r.returncode == 2 and "no evaluable turn" in r.stderr and "Traceback" not in r.stderr


def _order_on_dev_file(data_dir: Path, workdir: Path) -> list[Step]:
    """`crs eval order --json` on 40 dev dialogues + 5 training ones + a bad line, then `crs train
    sequence` with the same settings (a cache hit), in a cache directory of their own."""
    train, dev = redial_train_split(data_dir)
    dev_ids = {d.conversation_id for d in dev}
    train_ids = {d.conversation_id for d in train}
    lines = (data_dir / "redial" / "train_subset_raw.jsonl").read_text(encoding="utf-8").splitlines()
    picked = [ln for ln in lines if json.loads(ln)["conversationId"] in dev_ids][:40]
    leaked = [ln for ln in lines if json.loads(ln)["conversationId"] in train_ids][:5]
    f = workdir / "dev.jsonl"
    f.write_text("\n".join(picked + leaked + ["{not json"]) + "\n", encoding="utf-8")
    (workdir / "counts.json").write_text(json.dumps({"picked": len(picked), "leaked": len(leaked)}))
    env = {"CRS_CACHE_DIR": str(workdir / "cache")}
    return [Step([*CRS, "eval", "order", "--dialogues", str(f), "--data-dir", str(data_dir), "--epochs", "1",
                  "--shuffles", "2", "--json"], env),
            Step([*CRS, "train", "sequence", "--catalog", "redial", "--data-dir", str(data_dir), "--epochs", "1",
                  "--json"], env)]


BACKGROUND = {"errors": _errors, "order-on-dev-file": _order_on_dev_file}


@pytest.mark.background("order-on-dev-file")
def test_eval_order_json_on_dev_dialogues_leaves_out_training_ones(background):  # type: ignore[no-untyped-def]
    r, r2 = background.results()
    counts = json.loads((background.workdir / "counts.json").read_text())
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for key in ("ordered", "shuffled"):
        assert 0.0 <= out[key]["recall_at_10"] <= out[key]["recall_at_50"] <= 1.0
    assert out["n"] > 10 and out["dialogues"] == counts["picked"]
    assert out["excluded_training_dialogues"] == counts["leaked"] and out["bad_lines"] == 1
    assert out["trained_now"] is True
    assert r2.returncode == 0, r2.stderr
    t = json.loads(r2.stdout)
    assert t["trained_now"] is False and t["path"] == out["model"]  # same fingerprint → cache hit
