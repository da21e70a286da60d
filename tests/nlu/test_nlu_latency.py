"""Chat-turn speed-ups of the NLU: sklearn-free inference, the intent cascade, shared encodings."""

from __future__ import annotations

import numpy as np

from crs.types import DialogueState


def test_fast_inference_equals_sklearn(iard_split) -> None:  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from crs.nlu import fast
    from crs.nlu.intent import prepare

    train, dev = iard_split
    texts = [prepare(e.text) for e in train[:600]]
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(texts)
    probe = [prepare(e.text) for e in dev[:80]] + ["", "zzzz qqqq", "no thanks!!"]
    assert abs(fast.tfidf(vec, probe) - vec.transform(probe)).max() < 1e-12
    X = vec.transform(texts)
    multi = LogisticRegression(max_iter=2000).fit(X, [e.intent for e in train[:600]])
    binary = LogisticRegression(max_iter=2000).fit(X, [e.intent == "ask_rec" for e in train[:600]])
    rng = np.random.default_rng(0)
    both = LogisticRegression(max_iter=2000).fit(np.hstack([rng.standard_normal((len(texts), 5)), X.toarray()]),
                                                 [e.intent for e in train[:600]])
    dense = rng.standard_normal((len(probe), 5))
    Xp = vec.transform(probe)
    for clf in (multi, binary):
        assert np.allclose(fast.proba(clf, fast.tfidf(vec, probe)), clf.predict_proba(Xp), atol=1e-10)
    assert np.allclose(fast.proba(both, Xp, dense), both.predict_proba(np.hstack([dense, Xp.toarray()])), atol=1e-10)


def test_intent_cascade_keeps_accuracy(redial_nlu, iard_dev_predictions) -> None:  # type: ignore[no-untyped-def]
    from sklearn.metrics import f1_score

    model = redial_nlu.models.intent
    texts, y = iard_dev_predictions["texts"], iard_dev_predictions["y"]
    assert 0.3 <= model.tau <= 1.0  # a cascade was fitted (tau chosen by cross-validation on train)
    share = model.cheap_share(texts)
    assert 0.2 <= share <= 0.9
    cascade = f1_score(y, iard_dev_predictions["cascade"], average="macro")  # model.predict(texts)
    full = f1_score(y, iard_dev_predictions["full"], average="macro")  # model.predict(texts, cascade=False)
    assert cascade >= full - 0.03  # within noise of the full model on 447 held-out utterances
    p_full = model.predict_proba(texts[:40], cascade=False)
    p_cas = model.predict_proba(texts[:40])
    sure = p_cas.max(axis=1) >= model.tau
    assert np.allclose(p_cas[~sure], p_full[~sure])  # unsure texts get exactly the full model's answer


def test_one_encoding_shared_and_equal_to_batch() -> None:
    import torch

    from crs.embed import shared_encoder

    enc = shared_encoder()
    threads = torch.get_num_threads()
    texts = ["I really loved [MOVIE]", "no adventure please", "", "Über 😀 " * 200]
    batch = enc.encode(texts)
    for t, ref in zip(texts, batch):
        v = enc.encode_one(t)
        assert v.shape == (384,) and np.abs(v - ref).max() < 1e-5
        assert enc.encode_one(t) is v  # cached per text: intent, sentiment and ranker share it
    assert torch.get_num_threads() == threads


def test_title_is_masked_for_intent_and_shared_with_sentiment(redial_nlu, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from crs.embed import Encoder

    seen: list[str] = []
    orig = Encoder._forward_one

    def spy(self, text):  # type: ignore[no-untyped-def]
        seen.append(text)
        return orig(self, text)

    monkeypatch.setattr(Encoder, "_forward_one", spy)
    from crs.embed import shared_encoder

    shared_encoder()._one.clear()
    p = redial_nlu.parse("honestly I adored Jurassic Park so much", DialogueState(turn=1))
    items = [m for m in p.mentions if m.kind == "item"]
    assert items and items[0].polarity == 1
    assert all("Jurassic" not in t for t in seen) and len(seen) <= 1  # one encoding of the masked text
