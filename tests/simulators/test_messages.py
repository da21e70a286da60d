"""Seeker turns as chat messages (`simulators.messages`) on the real ReDial files."""

from __future__ import annotations

import random

import numpy as np
import pytest

from crs.catalog.dialogues import read_dialogues
from simulators.errors import SimulatorError
from simulators.messages import message_level, split_rate, to_messages


def test_raw_files_keep_messages_and_their_cut_rate_is_measured(data_dir):  # type: ignore[no-untyped-def]
    """The raw ReDial file keeps a seeker's consecutive messages (about 1.5 per turn), the annotated
    one merges them; the cut rate is the share of a turn's breaks that real seekers sent apart."""
    raw = read_dialogues(data_dir / "redial/train_subset_raw.jsonl").dialogues
    annotated = read_dialogues(data_dir / "redial/train_subset_1000_annotated.jsonl").dialogues
    assert message_level(raw) and not message_level(annotated)
    r = split_rate(raw)
    assert r.dialogues == len(raw) and 1.3 < r.messages_per_turn < 1.7
    assert 0.4 < r.rate < 0.7
    assert split_rate(annotated).rate == 0.0 and split_rate(annotated).messages_per_turn == 1.0


def test_to_messages_cuts_only_at_sentence_breaks():  # type: ignore[no-untyped-def]
    text = "Hi there! I'm looking for a comedy. Something like Superbad, maybe?"
    assert to_messages(text, 0.0, random.Random(0)) == [text]
    assert to_messages(text, 1.0, random.Random(0)) == ["Hi there!", "I'm looking for a comedy.",
                                                         "Something like Superbad, maybe?"]
    rng = random.Random(3)
    for _ in range(50):
        parts = to_messages(text, 0.5, rng)
        assert " ".join(parts) == text and all(p.strip() for p in parts)
    assert to_messages("no break here, just commas, and more", 1.0, random.Random(0)) == [
        "no break here, just commas, and more"]


def test_units_need_training_messages_outside_the_evaluated_file(redial_catalog, data_dir):  # type: ignore[no-untyped-def]
    """Evaluated on the whole raw file no message-level training dialogue is left to measure the
    cut rate on: `messages` is an error, `auto` compares whole turns and says why."""
    from simulators.realism import _units, evaluate_realism

    path = data_dir / "redial/train_subset_raw.jsonl"
    with pytest.raises(SimulatorError, match="no message-level training dialogues"):
        evaluate_realism(redial_catalog, path, lambda t: np.zeros((len(t), 2)), n=50, data_dir=data_dir,
                         units="messages")
    with pytest.raises(SimulatorError, match="unknown units"):
        evaluate_realism(redial_catalog, path, lambda t: np.zeros((len(t), 2)), n=50, data_dir=data_dir,
                         units="words")
    evaluated = read_dialogues(path).dialogues
    unit, rate, note = _units("auto", evaluated, data_dir, {d.conversation_id for d in evaluated})
    assert (unit, rate) == ("turns", None) and "compared whole" in note
    half = evaluated[: len(evaluated) // 2]
    unit, rate, note = _units("auto", half, data_dir, {d.conversation_id for d in half})
    assert unit == "messages" and rate is not None and not note
    assert 0 < rate.dialogues < len(evaluated) - len(half)  # the train part of the other half only
    assert _units("auto", read_dialogues(data_dir / "redial/train_subset_1000_annotated.jsonl").dialogues[:50],
                  data_dir, set())[0] == "turns"
