"""FusionRanker: protocol, constraints, relaxation, explanations, signals, history."""

from __future__ import annotations

import numpy as np

from crs.protocols import Ranker
from crs.ranking import FusionWeights, InMemoryHistory, PastSession, build_ranker
from crs.types import Constraint, DialogueState, Mention, Speaker


def _state(catalog, liked=(), disliked=(), prefs=(), constraints=(), user=""):  # type: ignore[no-untyped-def]
    ms = [Mention(catalog.items[r].id, "item", i, Speaker.USER, 1) for i, r in enumerate(liked)]
    ms += [Mention(catalog.items[r].id, "item", 9, Speaker.USER, -1) for r in disliked]
    return DialogueState(user_id=user, mentions=tuple(ms), preferences=tuple(prefs), constraints=tuple(constraints))


def _popular_rows(catalog, n):  # type: ignore[no-untyped-def]
    counts = np.asarray((catalog.interactions > 0).sum(axis=0)).ravel()
    return [int(r) for r in np.argsort(-counts)[:n]]


def test_protocol_and_score_shape(small_catalog, small_ranker) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(small_ranker, Ranker)
    rows = np.arange(0, len(small_catalog), 7)
    s = small_ranker.score(_state(small_catalog, liked=_popular_rows(small_catalog, 2)), rows)
    assert s.shape == rows.shape and np.isfinite(s).all()


def test_cold_state_falls_back_to_popularity(small_catalog, small_ranker) -> None:  # type: ignore[no-untyped-def]
    rec = small_ranker.recommend(DialogueState(), None, 5)
    assert set(rec.ids) <= set(_popular_rows(small_catalog, 10))
    assert all(e[0].signal == "popularity" for e in rec.explanations)


def test_preference_text_moves_matching_items_up(small_catalog, small_ranker) -> None:  # type: ignore[no-untyped-def]
    rec = small_ranker.recommend(_state(small_catalog, prefs=("a scary horror movie with ghosts",)), None, 10)
    horror = sum("horror" in small_catalog.items[r].values("genres") for r in rec.ids)
    base = np.mean(["horror" in it.values("genres") for it in small_catalog.items])
    assert horror / 10 > 2 * base
    assert any(e.signal in ("content_query", "retriever", "lexical") for ex in rec.explanations for e in ex)


def test_liked_items_drive_collab_and_are_not_repeated(small_catalog, small_ranker) -> None:  # type: ignore[no-untyped-def]
    liked = _popular_rows(small_catalog, 3)
    rec = small_ranker.recommend(_state(small_catalog, liked=liked), None, 10)
    assert not set(rec.ids) & set(liked)
    assert list(rec.scores) == sorted(rec.scores, reverse=True)
    collab = [e for ex in rec.explanations for e in ex if e.signal == "collab"]
    assert collab and any(e.detail for e in collab)  # "because you liked ..."


def test_hard_constraints_narrow_and_relaxation_is_proposed(small_catalog, small_ranker) -> None:  # type: ignore[no-untyped-def]
    c = (Constraint("genres", "include", "comedy"), Constraint("year", "ge", 2000))
    rec = small_ranker.recommend(_state(small_catalog, constraints=c), None, 10)
    assert rec.ids and all("comedy" in small_catalog.items[r].values("genres") and small_catalog.items[r].year >= 2000
                           for r in rec.ids)
    impossible = c + (Constraint("year", "le", 1900),)
    empty = small_ranker.recommend(_state(small_catalog, constraints=impossible), None, 10)
    assert len(empty) == 0 and empty.relaxation is not None
    assert empty.relaxation.constraint == Constraint("year", "le", 1900)
    assert empty.relaxation.remaining > 0 and "year le 1900" in empty.message


def test_allow_rows_restrict_candidates(small_catalog, small_ranker) -> None:  # type: ignore[no-untyped-def]
    allow = np.arange(100, 120)
    rec = small_ranker.recommend(DialogueState(), allow, 50)
    assert len(rec) == 20 and set(rec.ids) <= set(allow.tolist())


def test_history_and_lookalikes_enter_fusion(small_catalog) -> None:  # type: ignore[no-untyped-def]
    ids = [it.id for it in small_catalog.items]
    hist = InMemoryHistory({
        "me": [PastSession("s1", liked=(ids[1], ids[2]))],
        "twin": [PastSession("s2", liked=(ids[1], ids[2], ids[3], ids[50]))],
    })
    weights = FusionWeights(collab=0, content_query=0, content_items=0, popularity=0, history=0, lookalike=1.0)
    r = build_ranker(small_catalog, content=False, history=hist, weights=weights)
    sig = r.signals(_state(small_catalog, user="me"))
    assert "history" in sig and "lookalike" in sig
    rec = r.recommend(_state(small_catalog, user="me"), None, 2)
    assert set(rec.ids) == {3, 50}
    assert "history" not in r.signals(_state(small_catalog, user="stranger"))
