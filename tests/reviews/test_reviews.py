"""Review store: aspects with negation, aligned retrieval, chat opinions persisted, dev-set alignment."""

from __future__ import annotations

from crs.reviews import (
    Opinion,
    ReviewStore,
    build_reviews,
    evaluate_alignment,
    find_aspects,
    make_snippet,
    read_opinion,
)
from crs.store import Store


def test_aspects_and_opinions():
    assert ("twist", False) in find_aspects("What a twist at the end!")
    assert ("gore", True) in find_aspects("it is not gory at all")
    assert read_opinion("I loved the twist").aspects == (("twist", 1),)
    assert read_opinion("I loved the twist").polarity == 1
    assert ("gore", -1) in read_opinion("I hate gore").aspects
    assert ("gore", -1) in read_opinion("no gore please").aspects


def test_aligned_retrieval_prefers_matching_polarity_and_aspect():
    snips = [make_snippet("m", "Great twist, I never saw it coming, loved it", 1, "redial"),
             make_snippet("m", "Boring and way too long, I hated it honestly", -1, "redial"),
             make_snippet("m", "Very bloody and gory, lots of violence everywhere", 1, "redial"),
             make_snippet("m", "It is not gory at all, a fun and clever ride", 1, "redial")]
    rs = ReviewStore(snips)
    assert "twist" in rs.retrieve("m", read_opinion("I loved the twist in Fight Club"))[0].text
    assert "not gory" in rs.retrieve("m", Opinion(1, (("gore", -1),)))[0].text
    assert rs.retrieve("m", Opinion(-1))[0].polarity == -1
    assert rs.retrieve("unknown", Opinion(1)) == []
    ev = rs.evidence(["m", "unknown"], read_opinion("I loved the twist"))
    assert ev[0] > 0 and ev[1] == 0.0


def test_chat_opinions_are_persisted(tmp_path, default_catalog):
    item = default_catalog.items[0].id
    with Store(tmp_path / "s.db") as st:
        rs = build_reviews(default_catalog, store=st)
        rs.add_opinion(item, "I loved the soundtrack", 1, "u", "s")
    with Store(tmp_path / "s.db") as st:
        again = build_reviews(default_catalog, store=st)
        assert [s.text for s in again.for_item(item)] == ["I loved the soundtrack"]
        assert again.for_item(item)[0].aspects == (("music", False),)


def test_aligned_beats_unaligned_on_redial_dev(redial_catalog, data_dir):
    from crs.catalog.dialogues import read_dialogues, split_dialogues

    ds = []
    for f in ("train_subset_1000_annotated.jsonl", "train_subset_raw.jsonl"):
        ds += read_dialogues(data_dir / "redial" / f).dialogues
    train, dev = split_dialogues(ds, 0.2, seed=0)
    rep = evaluate_alignment(train, dev, redial_catalog)
    assert rep["queries"] > 300 and rep["negative"] > 10
    assert rep["aligned"]["polarity_match"] > rep["unaligned"]["polarity_match"] + 0.1
    assert rep["aligned"]["balanced_match"] > rep["unaligned"]["balanced_match"]
    full = build_reviews(redial_catalog, data_dir)
    assert len(full) > 2500 and {s.source for i in full.items()[:500] for s in full.for_item(i)} >= {"redial"}
