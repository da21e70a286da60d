"""Group k-fold cross-validation of the mention-sentiment settings (`crs eval nlu --cv K`)."""

from __future__ import annotations

from crs.nlu.sentiment import cross_validate, mention_examples


def test_cross_validation_groups_folds_by_conversation(redial_split) -> None:
    every = mention_examples(redial_split[0][:400])
    negatives = [e for e in every if e.label == 0][:12]
    examples = negatives + [e for e in every if e.label == 1][:60]  # small: one short encoding batch
    assert len(negatives) >= 8
    report = cross_validate(examples, {"C=1": {"C": 1.0}}, folds=2)
    assert report["n"] == len(examples) and report["k"] == 2
    for name in ("C=1", "vader"):
        assert len(report[name]["folds"]) == 2 and 0.0 <= report[name]["mean"] <= 1.0
    assert report["dialogues"] == len({e.dialogue for e in examples})
