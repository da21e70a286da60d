"""Mention-sentiment features (the mention's window, cue features) and the shipped model's version."""

from __future__ import annotations

import numpy as np

from crs.nlu.sentiment import CUES, MentionSentiment, VaderBaseline, cue_features, mention_vectors, window


def _span(text: str, mention: str) -> tuple[int, int]:
    start = text.index(mention)
    return start, start + len(mention)


def test_window_is_the_mentions_sentence_and_the_next() -> None:
    text = "Hi there. I saw @111 last week. It was too corny for me. Any comedies?"
    assert window(text, _span(text, "@111")) == "I saw [MOVIE] last week. It was too corny for me."
    short = "I loved @111 and @222"
    assert window(short, _span(short, "@222")) == "I loved another movie and [MOVIE]"
    assert window(short, _span(short, "@111")) == "I loved [MOVIE] and"


def test_cue_features_see_negation_on_the_mentions_side() -> None:
    vader = VaderBaseline()
    text = "I loved @111 but I didn't like @222 at all, it was boring"
    liked, disliked = cue_features(vader, text, _span(text, "@111")), cue_features(vader, text, _span(text, "@222"))
    assert len(liked) == len(disliked) == CUES
    assert disliked[12] >= 1 and liked[12] == 0  # negation cues in the words just before the mention
    assert disliked[13] >= 1  # ... and after it ("boring")
    assert liked[16] == disliked[16] == 1.0  # a contrast word in the message
    assert liked[18] == disliked[18] == 1.0  # one other movie


def test_shipped_model_reads_the_mentions_own_clause(redial_nlu) -> None:  # type: ignore[no-untyped-def]
    """Real ReDial seeker phrasings (train part): the window after the mention decides."""
    model = redial_nlu.models.sentiment
    assert model.use_window and model.use_cues
    texts = ["I saw @111 but didn't really like it, I thought the ending was too corny.",
             "I hated @111 lol",
             "I really enjoyed @111 , it is one of my favorites!",
             "I love @111 so much"]
    spans = [_span(t, "@111") for t in texts]
    assert model.predict(texts, spans).tolist() == [0, 0, 1, 1]
    given = mention_vectors(texts, spans)
    assert np.allclose(model.predict_proba(texts, spans), model.predict_proba(texts, spans, given))


def test_a_model_of_another_version_is_not_loaded(redial_nlu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from crs.nlu.models import load_pickle, save_pickle

    redial_nlu.models.sentiment.save(tmp_path / "s.pkl")
    raw = load_pickle(tmp_path / "s.pkl")
    assert MentionSentiment.load(tmp_path / "s.pkl") is not None
    save_pickle({k: v for k, v in raw.items() if k != "version"}, tmp_path / "old.pkl")
    assert MentionSentiment.load(tmp_path / "old.pkl") is None
