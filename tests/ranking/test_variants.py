"""Context variants of `crs eval redial --variants`: recency weights, review-enriched query, paired bootstrap."""

from __future__ import annotations

import numpy as np

from crs.ranking.variants import enrich, paired_recall, recency_order, recency_signals
from crs.reviews import ReviewStore, make_snippet
from crs.types import DialogueState, Mention, Speaker


def _state(catalog, liked=(), prefs=()):  # type: ignore[no-untyped-def]
    ms = [Mention(catalog.items[r].id, "item", i, Speaker.USER, 1) for i, r in enumerate(liked)]
    return DialogueState(mentions=tuple(ms), preferences=tuple(prefs))


def test_recency_order_uses_the_latest_mention(small_catalog) -> None:  # type: ignore[no-untyped-def]
    s = _state(small_catalog, liked=(3, 5, 7, 3))  # film 3 named again last: it is the newest
    assert recency_order(small_catalog, s, [3, 5, 7]) == [5, 7, 3]


def test_recency_weights_favour_the_newest_film(small_catalog, small_ranker) -> None:  # type: ignore[no-untyped-def]
    counts = np.asarray((small_catalog.interactions > 0).sum(axis=0)).ravel()
    old, new = (int(r) for r in np.argsort(-counts)[:2])  # films with collaborative evidence
    s = _state(small_catalog, liked=(old, new))
    plain, recent = small_ranker.signals(s), recency_signals(small_ranker, s, decay=0.1)
    alone = small_ranker.signals(_state(small_catalog, liked=(new,)))
    for name in ("collab", "content_items"):
        # with a steep decay the two-film profile moves towards the newest film's own profile
        assert np.corrcoef(recent[name], alone[name])[0, 1] > np.corrcoef(plain[name], alone[name])[0, 1]
    # one liked film: nothing to weigh, the signals are the ranker's own
    one = _state(small_catalog, liked=(new,))
    assert all(np.allclose(recency_signals(small_ranker, one)[k], alone[k], atol=1e-5) for k in alone)


def test_enrich_adds_the_aligned_review_of_the_last_liked_films(small_catalog) -> None:  # type: ignore[no-untyped-def]
    a, b, c = (small_catalog.items[r].id for r in (1, 2, 3))
    store = ReviewStore([make_snippet(a, "a gripping story with a great twist", 1, "redial"),
                         make_snippet(b, "boring and far too slow, I hated it", -1, "redial"),
                         make_snippet(c, "the acting was wonderful and moving", 1, "redial")])
    s = _state(small_catalog, liked=(1, 2, 3), prefs=("something fun",))
    out = enrich(s, small_catalog, store, films=2)
    assert out.preferences[:1] == ("something fun",) and len(out.preferences) == 2
    assert "wonderful" in out.preferences[1]  # the newest liked film's positive review
    assert "hated" not in out.preferences[1] and "twist" not in out.preferences[1]  # misaligned / too old
    assert enrich(_state(small_catalog), small_catalog, store) == _state(small_catalog)  # nothing liked


def test_paired_recall_interval() -> None:
    targets = np.ones(200)
    base = np.zeros(200)
    better = base.copy()
    better[:40] = 1  # 20 % more targets found
    r = paired_recall(base, better, targets)
    assert r["diff"] == 0.2 and 0.1 < r["ci_low"] < 0.2 < r["ci_high"] < 0.3
    assert r["turns_better"] == 40 and r["turns_worse"] == 0
    same = paired_recall(base, base, targets)
    assert same["diff"] == same["ci_low"] == same["ci_high"] == 0.0
