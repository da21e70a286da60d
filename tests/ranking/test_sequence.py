"""Order-aware sequence model (`crs/ranking/sequence.py`) on real ReDial data; the ordered-vs-shuffled
evaluation is tested in tests/eval/test_order.py."""

from __future__ import annotations

import numpy as np
import pytest

from crs.dialogue.track import liked_items, update
from crs.ranking.sequence import (
    SequenceModel,
    SequenceModelError,
    SequenceRanker,
    movielens_sequences,
    redial_sequences,
    train_or_load,
    windows,
)
from crs.types import DialogueState, Mention, ParsedTurn, Speaker


@pytest.fixture(scope="module")
def split(redial_split):  # type: ignore[no-untyped-def]
    return redial_split


@pytest.fixture(scope="module")
def tiny(tiny_sequence):  # type: ignore[no-untyped-def]
    return tiny_sequence[:2]


def test_split_is_disjoint_and_covers_all_train_dialogues(split):
    train, dev = split
    assert len(train) + len(dev) == 1550
    assert not {d.conversation_id for d in train} & {d.conversation_id for d in dev}
    assert 250 < len(dev) < 370


def test_training_sequences_keep_mention_order(redial_catalog, split):
    train, _ = split
    seqs = redial_sequences(train[:50], redial_catalog)
    d = next(d for d in train[:50] if len({m for msg in d.messages for m in msg.movies}) >= 3)
    first_order = list(dict.fromkeys(m for msg in d.messages for m in msg.movies if m in redial_catalog))
    assert first_order in seqs
    ml = movielens_sequences(redial_catalog)
    assert len(ml) > 500 and all(len(s) >= 2 for s in ml)
    ratings = redial_catalog.meta["ratings"]
    user = {}
    for recs in ratings.values():  # check one user's sequence is sorted by timestamp
        for u, item, r, ts in recs:
            if u == 1 and r >= 3.5:
                user[item] = ts
    seq1 = next(s for s in ml if set(s) == set(user))
    assert [user[x] for x in seq1] == sorted(user.values())


def test_windows_keep_most_recent_items():
    w = windows([list(range(20))], 8)
    assert w[0] == list(range(12, 20)) and all(len(x) <= 8 for x in w)
    assert sorted(x for win in w for x in win) == list(range(20))


def test_score_shape_unknown_ids_and_empty_context(tiny, redial_catalog):
    model, _ = tiny
    ids = redial_catalog.ids
    s = model.score([ids[10], ids[20]])
    assert s.shape == (len(redial_catalog),) and s.dtype == np.float32 and np.isfinite(s).all()
    assert np.allclose(model.score([ids[10], "not-an-id", ids[20]]), s, atol=1e-5)
    assert np.isfinite(model.score([])).all()
    batch = model.score_batch([[ids[10], ids[20]], [ids[20], ids[10]]])
    assert np.allclose(batch[0], s, atol=1e-5)
    assert not np.allclose(batch[0], batch[1], atol=1e-6)  # position embeddings: order changes scores


def test_save_load_roundtrip_cache_and_errors(tiny_sequence, redial_catalog, split, tmp_path):
    model, path, config = tiny_sequence
    assert path.is_file() and path.parent.name == "sequence"
    again, path2, trained = train_or_load(redial_catalog, split[0], config)
    assert not trained and path2 == path
    ctx = redial_catalog.ids[100:104]
    assert np.allclose(again.score(ctx), model.score(ctx), atol=1e-6)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")
    with pytest.raises(SequenceModelError):
        SequenceModel.load(bad)
    with pytest.raises(SequenceModelError, match="not found"):
        SequenceModel.load(tmp_path / "missing.pt")
    other = SequenceModel(["a", "b", "c"], config)
    other.save(tmp_path / "other.pt")
    with pytest.raises(SequenceModelError, match="another catalog"):
        SequenceModel.load(tmp_path / "other.pt", redial_catalog)


def test_ranker_adapter_uses_liked_items(tiny, redial_catalog):
    model, _ = tiny
    ranker = SequenceRanker(model, redial_catalog)
    ids = redial_catalog.ids
    state = update(DialogueState(), ParsedTurn("x", mentions=(Mention(ids[5], "item", 0, Speaker.USER, 1),
                                                             Mention(ids[6], "item", 0, Speaker.USER, -1))))
    rows = np.array([0, 7, 42])
    assert liked_items(state) == [ids[5]]
    assert np.allclose(ranker.score(state, rows), model.score([ids[5]])[rows])
