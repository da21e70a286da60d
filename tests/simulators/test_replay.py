"""ReplaySimulator on the real ReDial, INSPIRED and UniCRS files."""

from __future__ import annotations

import pytest

from crs.catalog.dialogues import read_dialogues
from crs.protocols import Simulator
from crs.types import Action
from simulators.errors import SimulatorError
from simulators.replay import ReplaySimulator, load_replay_dialogues, turns_of


def _play(sim: ReplaySimulator, seed: int):  # type: ignore[no-untyped-def]
    turn = sim.reset(seed=seed)
    out = [turn]
    while not turn.done:
        turn = sim.respond(Action("wait"))
        out.append(turn)
    return out


def test_redial_replay_reproduces_the_seeker_side(data_dir, redial_catalog):  # type: ignore[no-untyped-def]
    dialogues = read_dialogues(data_dir / "redial/train_subset_1000_annotated.jsonl").dialogues
    sim = ReplaySimulator(dialogues, redial_catalog)
    assert isinstance(sim, Simulator)
    for seed in range(25):
        d = dialogues[seed]
        turns = turns_of(d)
        played = _play(sim, seed)
        seekers = [t for t in turns if t.role == "seeker"]
        assert [t.text for t in played] == [t.text for t in seekers]
        assert " ".join(t.text for t in played).split() == " ".join(
            m.text for m in d.messages if m.role == "seeker").split()
        for p in played:
            i = next(k for k, t in enumerate(turns) if t.role == "seeker" and t.text == p.text)
            nxt = turns[i + 1] if i + 1 < len(turns) else None
            assert (p.reference is None) == (nxt is None)
            if nxt is not None:
                assert p.reference.text == nxt.text and p.reference.items == nxt.movies
            for mid, pol in p.labels.entities:
                assert f"@{mid}" in p.text
                liked = d.seeker_labels.get(mid, {}).get("liked")
                assert (pol == 1) == (liked == 1)
        with pytest.raises(SimulatorError):
            sim.respond(Action("wait"))


def test_success_when_a_liked_movie_is_recommended(data_dir):  # type: ignore[no-untyped-def]
    dialogues = read_dialogues(data_dir / "redial/train_subset_raw.jsonl").dialogues
    sim = ReplaySimulator(dialogues)
    idx = next(i for i, d in enumerate(dialogues)
               if any(q.get("liked") == 1 for q in d.seeker_labels.values()) and len(turns_of(d)) > 3)
    sim.reset(seed=idx)
    liked = sorted(sim.liked)
    turn = sim.respond(Action("recommend", items=("0", liked[0])))
    assert turn.success
    if not turn.done:
        assert not sim.respond(Action("recommend", items=("0",))).success


@pytest.mark.parametrize("name", ["inspired/dev.tsv", "inspired/unicrs_valid_data.jsonl"])
def test_inspired_formats(data_dir, redial_catalog, name):  # type: ignore[no-untyped-def]
    dialogues = load_replay_dialogues(data_dir / name, redial_catalog)
    assert len(dialogues) == 99
    linked = [m for d in dialogues for msg in d.messages for m in msg.movies if m in redial_catalog]
    assert len(linked) > 100
    sim = ReplaySimulator(dialogues, redial_catalog)
    played = _play(sim, 0)
    assert played[0].text.startswith("I'm well") and "QUOTATION_MARK" not in " ".join(t.text for t in played)
    assert any(t.reference and t.reference.items for t in played)
    assert any(("genres", "drama", 1) in t.labels.attributes for t in played)


def test_bad_files(tmp_path):  # type: ignore[no-untyped-def]
    with pytest.raises(SimulatorError, match="not found"):
        load_replay_dialogues(tmp_path / "missing.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(SimulatorError, match="no dialogues"):
        load_replay_dialogues(empty)
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\n1\t2\n", encoding="utf-8")
    with pytest.raises(SimulatorError, match="not an INSPIRED tsv"):
        load_replay_dialogues(bad)
    with pytest.raises(SimulatorError, match="no dialogue with a seeker"):
        ReplaySimulator([])
