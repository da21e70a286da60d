"""Learned NLU models on real data: mention sentiment (ReDial liked labels) and intents (IARD)."""

from __future__ import annotations

import numpy as np

from crs.types import DialogueState


def test_sentiment_beats_vader_and_the_review_stance_is_balanced_on_dev_split(redial_nlu, data_dir) -> None:  # type: ignore[no-untyped-def]
    from crs.catalog.dialogues import redial_train_dev as redial_split
    from crs.nlu.evaluate import _f1
    from crs.nlu.sentiment import VaderBaseline, mention_examples

    train, dev = redial_split(data_dir)
    assert not {d.conversation_id for d in train} & {d.conversation_id for d in dev}
    ex = mention_examples(dev)
    y = np.array([e.label for e in ex])
    assert len(ex) > 500 and (y == 0).sum() >= 20
    model = redial_nlu.models.sentiment
    pred, stance = model.read([e.text for e in ex], [e.span for e in ex])
    f1, _ = _f1(y, pred)
    vader, _ = _f1(y, VaderBaseline().predict([e.text for e in ex]))
    assert f1 >= vader + 0.10, (f1, vader)

    # the review reader's threshold (balanced accuracy, tuned on train folds) finds more of the
    # dev split's not-liked mentions than the tracker's, and is more balanced overall
    def balanced(p):  # type: ignore[no-untyped-def]
        return ((p[y == 1] == 1).mean() + (p[y == 0] == 0).mean()) / 2

    assert model.stance_threshold >= model.threshold
    assert (stance[y == 0] == 0).sum() > (pred[y == 0] == 0).sum()
    assert balanced(stance) > balanced(pred), (balanced(stance), balanced(pred))


def test_sentiment_save_load_roundtrip(redial_nlu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from crs.nlu.sentiment import MentionSentiment

    model = redial_nlu.models.sentiment
    model.save(tmp_path / "s.pkl")
    again = MentionSentiment.load(tmp_path / "s.pkl")
    texts = ["I loved @123 so much", "I really did not like @123, it was boring"]
    spans = [(8, 12), (22, 26)]
    assert np.allclose(model.predict_proba(texts, spans), again.predict_proba(texts, spans))
    assert again.stance_threshold == model.stance_threshold and again.threshold == model.threshold
    (tmp_path / "bad.pkl").write_bytes(b"not a pickle")
    assert MentionSentiment.load(tmp_path / "bad.pkl") is None


def test_intent_classifier_on_heldout_iard(iard_dev_predictions) -> None:  # type: ignore[no-untyped-def]
    from sklearn.metrics import f1_score

    pred = iard_dev_predictions["cascade"]  # redial_nlu.models.intent.predict(dev texts)
    assert len(pred) == len(iard_dev_predictions["texts"]) > 400
    assert f1_score(iard_dev_predictions["y"], pred, average="macro") >= 0.6


def test_real_utterances_through_learned_pipeline(redial_nlu) -> None:  # type: ignore[no-untyped-def]
    state = DialogueState(turn=1)
    p = redial_nlu.parse("Hi can you help me find a movie to watch", state)
    assert p.intent == "ask_rec"
    p = redial_nlu.parse("I don't really like horror movies what about thrillers", state)
    adds = {(c.attribute, c.op, c.value) for c in p.add}
    assert {("genres", "exclude", "horror"), ("genres", "include", "thriller")} <= adds
    p = redial_nlu.parse("I have seen @125431 and loved it, but @163704 was terrible and boring", state)
    pol = {m.entity: m.polarity for m in p.mentions if m.kind == "item"}
    assert pol == {"125431": 1, "163704": -1}
    p = redial_nlu.parse("Thanks, I will watch that one! Bye", state)
    assert p.intent in ("accept", "chitchat")


def test_shipped_models_need_no_data_dir(default_catalog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Building loads the shipped models (data/models/); it needs no data directory and never trains."""
    from crs.nlu import build_nlu

    nlu = build_nlu(default_catalog, data_dir=tmp_path / "missing", learned=True)
    assert nlu.models.sentiment is not None and nlu.models.intent is not None
    assert not list(tmp_path.iterdir())  # nothing written


def test_build_nlu_without_shipped_models_falls_back(default_catalog, tmp_path, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    import crs.nlu.train
    from crs.nlu import build_nlu

    monkeypatch.setattr(crs.nlu.train, "SHIPPED_DIR", tmp_path / "no-models")
    with caplog.at_level(logging.INFO, logger="crs.nlu"):
        nlu = build_nlu(default_catalog, data_dir=tmp_path / "missing", learned=True)
    assert nlu.models.sentiment is None and nlu.models.intent is None
    assert "VADER" in caplog.text
    p = nlu.parse("I loved Toy Story, can you recommend something similar?", DialogueState())
    assert p.intent == "ask_rec" and [m.polarity for m in p.mentions if m.kind == "item"] == [1]


def test_parse_reports_the_review_stance_beside_the_tracker_polarity(redial_nlu) -> None:  # type: ignore[no-untyped-def]
    """A lukewarm mention stays liked for the tracker but reads as a negative stance for reviews."""
    for text, polarity, stance in (("I watched The Matrix and it was fine", 1, -1),
                                   ("I loved The Matrix", 1, 1), ("I hated The Matrix", -1, -1)):
        p = redial_nlu.parse(text, DialogueState())
        items = [m for m in p.mentions if m.kind == "item"]
        assert len({m.entity for m in items}) == 1, text  # "it" is The Matrix again (a mention per clause)
        assert {m.polarity for m in items} == {polarity} and dict(p.stances)[items[-1].entity] == stance, text
