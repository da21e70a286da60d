"""The labelled real-utterance set (data/understanding/) and its scorer (`crs eval understanding`)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from crs.eval import understanding as u
from crs.types import Constraint


@pytest.fixture(scope="module")
def labels():  # type: ignore[no-untyped-def]
    return u.load_labels(u.LABELS)


@pytest.fixture(scope="module")
def examples(labels, data_dir):  # type: ignore[no-untyped-def]
    return u.load_examples(labels[1], data_dir)


def test_label_file_integrity(labels, examples) -> None:
    meta, rows = labels
    assert meta["split"]["seed"] is not None and meta["rows"] == len(rows)
    assert len(rows) >= 400
    assert len({(r.file, r.conversation_id, r.index) for r in rows}) == len(rows)
    splits = Counter(r.split for r in rows)
    assert splits["tune"] >= 150 and splits["test"] >= 150
    by_split: dict[str, set[str]] = {s: {r.conversation_id for r in rows if r.split == s} for s in u.SPLITS}
    assert not by_split["tune"] & by_split["test"], "a conversation is in both halves"
    counts = Counter(p for r in rows for p in r.phenomena)
    assert {p: counts[p] for p in u.PHENOMENA if counts[p] < 15} == {}
    assert len(examples) == len(rows)  # every hash matched the text in the data directory
    assert all(e.text for e in examples)


def test_oracle_scores_one_and_empty_scores_zero(examples) -> None:
    oracle = u.score(examples, u.oracle_turn)
    assert oracle["f1"] == 1.0 and oracle["intent_accuracy"] == 1.0 and oracle["items"]["f1"] == 1.0
    assert all(v in (1.0, None) for v in oracle["per_phenomenon"].values())
    empty = u.score(examples, u.empty_turn)
    assert empty["f1"] == 0.0 and empty["items"]["f1"] == 0.0
    assert oracle["gold_constraints"] == empty["gold_constraints"] > 100


def test_changed_text_is_a_clear_error(labels, data_dir, tmp_path) -> None:
    _, rows = labels
    raw = [json.loads(line) for line in u.LABELS.read_text(encoding="utf-8").splitlines()[1:3]]
    raw[0]["sha1"] = "000000000000"
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in raw) + "\n", encoding="utf-8")
    _, changed = u.load_labels(path)
    with pytest.raises(u.UnderstandingError, match="changed"):
        u.load_examples(changed, data_dir)
    with pytest.raises(u.UnderstandingError, match="not found"):
        u.load_examples(rows[:1], tmp_path)


def test_a_label_on_an_attribute_outside_the_schema_is_a_clear_error(tmp_path) -> None:
    """A mangled attribute ("genres-sci" exclude "fi" for sci-fi) can never match: loading says so."""
    raw = json.loads(u.LABELS.read_text(encoding="utf-8").splitlines()[1])
    raw["constraints"] = [{"attribute": "genres-sci", "op": "exclude", "value": "fi"}]
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(raw) + "\n", encoding="utf-8")
    with pytest.raises(u.UnderstandingError, match="attribute in"):
        u.load_labels(path)


def test_context_resolves_positions_against_the_previous_recommender_message(examples) -> None:
    """"I've seen the first one, but not the second" points at the films of the previous message."""
    ex = next(e for e in examples if e.row.conversation_id == "4076" and e.row.index == 5)
    assert "@" not in ex.text
    assert ex.state.last_action is not None and ex.state.last_action.kind == "recommend"
    assert [i for i, _ in ex.items] == list(ex.state.last_action.items[:2])
    assert ex.state.recommended[-2:] == ex.state.last_action.items[-2:]


def test_numeric_and_decade_constraints_are_normalised() -> None:
    assert u.normalise(Constraint("year", "gt", 1999)) == [("year", "min", 2000.0)]
    assert u.normalise(Constraint("decade", "include", "1990s")) == [("year", "min", 1990.0), ("year", "max", 1999.0)]
    gold = (u.Gold("year", "min", 2013.0, tol=3), u.Gold("genres", "include", "comedy"))
    assert u.constraint_counts(gold, [("year", "min", 2011.0), ("genres", "include", "comedy")]) == (2, 0, 0)
    assert u.constraint_counts(gold, [("year", "max", 2013.0)]) == (0, 1, 2)


def test_reading_path_on_real_tune_messages(examples, redial_nlu_rules, redial_catalog) -> None:
    tune = [e for e in examples if e.row.split == "tune"][:40]
    report = u.evaluate_understanding(tune, {"rules": u.reading_parser(redial_nlu_rules, redial_catalog),
                                             "empty": u.empty_turn}, "rules")
    assert report["n"] == 40 and report["baselines"]["empty"]["f1"] == 0.0
    assert 0.0 < report["f1"] < 1.0 and report["items"]["f1"] > 0.3  # explicit @ids are linked
