"""ReDial evaluation: the three recall modes, baselines, bad input counted (never a crash), the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from crs.catalog.dialogues import parse_dialogue
from crs.ranking.evaluate import RedialEvalConfig, evaluate_redial
from crs.ranking.redial_eval import RecallAccumulator, context_state, extract_turns, training_matrix


def _dialogue(ids, cid="900001"):  # type: ignore[no-untyped-def]
    a, b, c, d = ids
    return {
        "conversationId": cid, "initiatorWorkerId": 1, "respondentWorkerId": 2,
        "messages": [
            {"text": f"I loved @{a}, something scary please", "senderWorkerId": 1},
            {"text": f"Try @{b} or @{a}", "senderWorkerId": 2},
            {"text": "seen it, another?", "senderWorkerId": 1},
            {"text": f"Then @{a} again", "senderWorkerId": 2},
            {"text": f"@{c} and @{d} and @999999999", "senderWorkerId": 2},
        ],
        "movieMentions": {}, "initiatorQuestions": {}, "respondentQuestions": {},
    }


def test_three_modes_on_a_constructed_dialogue(redial_catalog) -> None:  # type: ignore[no-untyped-def]
    ids = [it.id for it in redial_catalog.items[:4]]
    a, b, c, d = ids
    turns = extract_turns([parse_dialogue(_dialogue(ids))], redial_catalog)
    assert [t.truth for t in turns] == [(b, a), (a,), (c, d)]
    assert turns[1].context_items == (a, b)
    state = context_state(turns[0], redial_catalog)
    assert [m.entity for m in state.mentions] == [a]
    assert redial_catalog.item(a).title in state.preferences[0] and "@" not in state.preferences[0]
    row = redial_catalog.row
    acc = RecallAccumulator()
    for t in turns:  # a ranker that always answers a, then c
        acc.add([row(a), row(c)], t, redial_catalog)
    r_all, r_dedup, r_new = acc.report("all"), acc.report("dedup"), acc.report("new_item_turns")
    assert (r_all["n_turns"], r_all["n_targets"]) == (3, 5)
    assert r_all["recall_at_1"] == pytest.approx(2 / 5, abs=1e-3) and r_all["recall_at_10"] == pytest.approx(3 / 5, abs=1e-3)
    # dedup: a is removed from ground truth and predictions; turn 2 (only a) is dropped
    assert (r_dedup["n_turns"], r_dedup["n_targets"]) == (2, 3)
    assert r_dedup["recall_at_1"] == pytest.approx(1 / 3, abs=1e-3)  # c moves to rank 1 in turn 3
    # new-item turns: same targets, predictions not filtered: a still occupies rank 1
    assert (r_new["n_turns"], r_new["n_targets"]) == (2, 3)
    assert r_new["recall_at_1"] == 0.0 and r_new["recall_at_10"] == pytest.approx(1 / 3, abs=1e-3)


def test_training_matrix_excludes_evaluated_dialogues(redial_catalog) -> None:  # type: ignore[no-untyped-def]
    X_all, train_all = training_matrix(redial_catalog)
    drop = {d.conversation_id for d in train_all[:100]}
    X, train = training_matrix(redial_catalog, drop)
    assert len(train) == len(train_all) - 100 and not drop & {d.conversation_id for d in train}
    assert X.shape[0] == X_all.shape[0] - 100 and X.shape[1] == len(redial_catalog)


@pytest.fixture()
def bad_file(tmp_path, redial_catalog):  # type: ignore[no-untyped-def]
    ids = [it.id for it in redial_catalog.items[:4]]
    lines = [json.dumps(_dialogue(ids)), "{not json", json.dumps({"conversationId": "x"}),
             json.dumps({"conversationId": "y", "messages": []}), json.dumps({"messages": [{"senderWorkerId": 1}]})]
    p = tmp_path / "bad.jsonl"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_bad_input_is_counted_not_fatal(redial_catalog, bad_file) -> None:  # type: ignore[no-untyped-def]
    cfg = RedialEvalConfig(collaborative="knn", without=("content_query", "content_items"))
    r = evaluate_redial(redial_catalog, bad_file, cfg)  # the run's cache: item vectors encoded once per session
    assert r["input"]["bad_lines"] == 3 and r["input"]["empty_dialogues"] == 1
    assert r["input"]["unknown_movie_ids"] == 1 and r["input"]["dialogues"] == 1
    assert r["all"]["n_turns"] == 3
    for key in ("all", "dedup", "new_item_turns"):
        assert set(r[key]) >= {"recall_at_1", "recall_at_10", "recall_at_50", "n_turns"}
    assert set(r["baselines"]) == {"popularity", "repeat_context"}
    assert r["baselines"]["repeat_context"]["recall_at_1"] > 0  # "a" is repeated at turn 2


def test_cli_eval_redial_json(bad_file, data_dir) -> None:  # type: ignore[no-untyped-def]
    cmd = [sys.executable, "-m", "ui.cli", "eval", "redial", "--dialogues", str(bad_file), "--data-dir", str(data_dir),
           "--collaborative", "pop", "--without", "content_query", "--without", "content_items", "--json"]
    r = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {"all", "dedup", "new_item_turns", "baselines"} <= set(out)
    bad = subprocess.run(cmd[:6] + [str(bad_file) + ".missing", "--without", "nonsense", "--json"],
                         check=False, capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "error" in bad.stderr and "Traceback" not in bad.stderr
