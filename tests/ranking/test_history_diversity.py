"""History source from real ReDial dialogues; popularity/diversity metrics; calibrated re-ranking."""

from __future__ import annotations

from collections import Counter

import numpy as np

from crs.catalog.dialogues import read_dialogues
from crs.ranking.diversity import (
    calibrate,
    calibration_error,
    coverage,
    gini,
    percentile_ranks,
    popularity_percentile,
)
from crs.ranking.history import HistorySource, InMemoryHistory, build_profile


def test_history_from_real_dialogues(data_dir) -> None:  # type: ignore[no-untyped-def]
    dialogues = read_dialogues(data_dir / "redial" / "train_subset_1000_annotated.jsonl").dialogues
    hist = InMemoryHistory.from_dialogues(dialogues)
    assert isinstance(hist, HistorySource)
    by_seeker = Counter(d.seeker for d in dialogues)
    user, n = by_seeker.most_common(1)[0]
    assert n > 1 and len(hist.sessions(user)) == n
    profile = build_profile(user, hist.sessions(user))
    assert profile.sessions == n and profile.liked
    look = hist.lookalikes(profile.liked, k=5, exclude_user=user)
    assert look and all(u != user for u, _, _ in look)
    assert [s for _, s, _ in look] == sorted((s for _, s, _ in look), reverse=True)
    first = dialogues[0]
    assert first.conversation_id not in {s.session_id for s in hist.without([first.conversation_id]).sessions(first.seeker)}


def test_profile_decays_older_sessions() -> None:
    from crs.ranking.history import PastSession

    p = build_profile("u", [PastSession("a", liked=("x",)), PastSession("b", liked=("y",), disliked=("x",))])
    assert p.weights["y"] == 1.0 and p.weights["x"] < 0


def test_gini_coverage_percentile() -> None:
    assert gini([[0, 1, 2, 3]], 4) == 0.0
    assert gini([[0]] * 10, 100) > 0.95
    assert coverage([[0, 1], [1, 2]], 10) == 0.3
    pct = percentile_ranks(np.array([1.0, 5.0, 3.0]))
    assert list(pct) == [0.0, 100.0, 50.0]
    assert popularity_percentile([[1], [2]], pct) == 75.0


def test_calibration_keeps_genre_proportions(redial_catalog) -> None:  # type: ignore[no-untyped-def]
    items = redial_catalog.items
    comedy = [i for i, it in enumerate(items) if it.values("genres") == ("comedy",)][:30]
    horror = [i for i, it in enumerate(items) if it.values("genres") == ("horror",)][:30]
    liked = comedy[:5] + horror[:5]  # the user likes both, half and half
    rows = comedy[5:30] + horror[5:30]
    scores = [2.0] * 25 + [1.0] * 25  # relevance favours comedies only
    plain = rows[:10]
    cal = calibrate(redial_catalog, rows, scores, liked, 10, lam=0.9)
    assert len(cal) == 10 and len(set(cal)) == 10
    assert calibration_error(redial_catalog, liked, cal) < calibration_error(redial_catalog, liked, plain)
    assert 3 <= sum(r in horror for r in cal) <= 7
    assert calibrate(redial_catalog, rows, scores, liked, 10, lam=0.0) == plain
