"""Leak checks on real data: a catalog and review store built without the goal dialogues hold none
of them; one built with them is caught (the check can fail)."""

from __future__ import annotations

from crs.catalog.dialogues import redial_train_dev
from crs.eval.leaks import Source, Sources, catalog_source, leak_check
from crs.reviews import build_reviews


def test_catalog_and_reviews_built_without_goals_hold_none_of_them(data_dir, redial_catalog):  # type: ignore[no-untyped-def]
    from crs.catalog import load_catalog

    _, dev = redial_train_dev(data_dir)
    goals = dev[:60]
    ids = {d.conversation_id for d in goals}
    clean = load_catalog("redial", data_dir=data_dir, exclude_ids=ids)
    assert ids.isdisjoint(clean.meta["dialogue_ids"])
    reviews = build_reviews(clean, data_dir)
    report = leak_check(goals, Sources().with_("catalog", catalog_source(clean))
                        .with_("reviews", Source(reviews.origins(), reviews.texts())))
    assert report["total"] == 0 and report["goal_dialogues"] == 60
    # the same goals against the product's catalog (which learns from every train dialogue) are found
    full_reviews = build_reviews(redial_catalog, data_dir)
    leaky = leak_check(goals, Sources().with_("catalog", catalog_source(redial_catalog))
                       .with_("reviews", Source(full_reviews.origins(), full_reviews.texts())))
    assert leaky["catalog"]["dialogues"] == 60 and leaky["reviews"]["dialogues"] > 0 and leaky["total"] > 60
    # popularity counts only the training dialogues: removing goals lowers their films' mention counts
    films = {m for d in goals for m in d.mentions if m in clean}
    lower = sum(clean.items[clean.row(m)].popularity < redial_catalog.items[redial_catalog.row(m)].popularity for m in films)
    assert lower > len(films) // 2


def test_nlu_training_dialogues_are_disjoint_from_dev_goals(data_dir):  # type: ignore[no-untyped-def]
    from crs.nlu.train import shipped_manifest

    trained = set(shipped_manifest()["sentiment"]["conversations"])
    train, dev = redial_train_dev(data_dir)
    assert trained == {d.conversation_id for d in train}
    assert leak_check(dev, Sources().with_("nlu", Source(trained)))["total"] == 0
