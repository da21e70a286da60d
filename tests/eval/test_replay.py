"""`crs eval replay`: SR / RDL / Recall on hand-made turns, and a short replay of real dev dialogues
with the copy and popularity baselines (the agent learns nothing from the replayed dialogues)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from crs.catalog.dialogues import Dialogue, Message
from crs.eval.replay import ScoredTurn, dialogue_scores, metrics, relevant_films
from tests.background import Step


def test_rewards_follow_the_definition() -> None:
    liked = ScoredTurn(("a", "b"), frozenset({"a"}), frozenset())
    seen = ScoredTurn(("c", "a"), frozenset(), frozenset({"c"}))
    miss = ScoredTurn(("x", "y"), frozenset({"y"}), frozenset())
    assert dialogue_scores([liked, seen], 4) == {"sr": 1.0, "rdl": 1.5 / 4}
    assert dialogue_scores([miss], 2) == {"sr": 0.0, "rdl": 0.0}
    m = metrics([{"turns": {"agent": [liked, miss]}, "rec_turns": 2}], "agent")
    assert m["recall_at_1"] == 0.5 and m["recall_at_3"] == 1.0 and m["n_turns"] == 2 and m["sr"] == 1.0


def test_only_new_films_the_seeker_liked_or_saw_are_relevant() -> None:
    msg = Message("have you seen @1 or @2 or @3 ?", "r", "recommender", ("1", "2", "3"))
    d = Dialogue("c", "s", "r", (msg,), seeker_labels={"1": {"liked": 1, "seen": 1}, "2": {"liked": 0, "seen": 1},
                                                        "3": {"liked": 0, "seen": 0}})
    assert relevant_films(d, msg, set()) == (frozenset({"1"}), frozenset({"2"}))
    assert relevant_films(d, msg, {"1"}) == (frozenset(), frozenset({"2"}))


def _replay(data_dir: Path, workdir: Path) -> list[Step]:
    """`crs eval replay --json` on the dev dialogues among the first 12 of the split (a subprocess beside
    the other tests, once the session's cache holds the item vectors)."""
    from crs.catalog.dialogues import redial_train_dev

    _, dev = redial_train_dev(data_dir)
    ids = {d.conversation_id for d in dev[:12]}
    src = Path(data_dir) / "redial" / "train_subset_1000_annotated.jsonl"
    lines = [ln for ln in src.read_text(encoding="utf-8").splitlines() if json.loads(ln)["conversationId"] in ids]
    if len(lines) < 5:
        src = Path(data_dir) / "redial" / "train_subset_raw.jsonl"
        lines += [ln for ln in src.read_text(encoding="utf-8").splitlines() if json.loads(ln)["conversationId"] in ids]
    path = workdir / "goals.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (workdir / "n_goals").write_text(str(len(lines)))
    return [Step([sys.executable, "-m", "ui.cli", "eval", "replay", "--dialogues", str(path), "--json",
                  "--data-dir", str(data_dir)], timeout=600)]


BACKGROUND = {"replay": _replay}
BACKGROUND_AFTER = {"replay": "fast_agent"}


@pytest.mark.background("replay")
def test_replay_of_real_dialogues_reports_baselines_and_no_leak(fast_agent, background) -> None:  # type: ignore[no-untyped-def]
    (out,) = background.results()
    assert out.returncode == 0, out.stderr[-2000:]
    r = json.loads(out.stdout)
    n_goals = int((background.workdir / "n_goals").read_text())
    assert r["leak_check"]["total"] == 0 and r["leak_check"]["goal_dialogues"] == n_goals
    assert r["n_turns"] > 0 and set(r["baselines"]) == {"copy", "popularity"}
    assert r["baselines"]["copy"]["sr"] == 0.0  # dedup: the context's films are never new
    for k in ("recall_at_1", "recall_at_3", "recall_at_10", "sr", "rdl"):
        assert 0.0 <= r[k] <= 1.0
    assert r["recall_at_1"] <= r["recall_at_3"] <= r["recall_at_10"]
