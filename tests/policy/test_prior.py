"""The collaborative item prior ranks held-out LastFM* targets above popularity and drives bayes-cf."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from crs.policy.prior import CollaborativePrior, build_prior
from crs.policy.space import PolicyError


@pytest.fixture(scope="module")
def cf(lastfm_catalog):  # type: ignore[no-untyped-def]
    return CollaborativePrior(lastfm_catalog)


def test_prior_shape_seen_items_and_unknown_user(cf, lastfm_catalog) -> None:  # type: ignore[no-untyped-def]
    inter = lastfm_catalog.interactions.tocsr()
    u = int(np.flatnonzero(np.diff(inter.indptr))[0])
    s = cf(str(u))
    assert s.shape == (len(lastfm_catalog),) and np.isfinite(s).all()
    seen = inter.indices[inter.indptr[u] : inter.indptr[u + 1]]
    unseen = np.setdiff1d(np.arange(len(lastfm_catalog)), seen)
    assert s[seen].max() < s[unseen].min()
    pop = np.log1p(lastfm_catalog.popularity().astype(np.float64))
    np.testing.assert_allclose(cf("not-a-user"), pop)
    np.testing.assert_allclose(cf(str(10**9)), pop)


def test_prior_ranks_valid_targets_above_popularity(cf, lastfm_catalog, lastfm_valid) -> None:  # type: ignore[no-untyped-def]
    pop = np.log1p(lastfm_catalog.popularity().astype(np.float64))
    cf_top, pop_top = [], []
    for ep in lastfm_valid[:300]:
        t = lastfm_catalog.row(ep.target)
        s = cf(ep.user)
        cf_top.append(int((s > s[t]).sum()) < 100)
        pop_top.append(int((pop > pop[t]).sum()) < 100)
    assert np.mean(cf_top) > 0.15 > np.mean(pop_top)


def test_build_prior_errors(lastfm_catalog) -> None:  # type: ignore[no-untyped-def]
    assert build_prior(lastfm_catalog, "popularity") is None
    with pytest.raises(PolicyError, match="unknown item prior"):
        build_prior(lastfm_catalog, "oracle")
    bare = dataclasses.replace(lastfm_catalog, interactions=None, _index={})
    with pytest.raises(PolicyError, match="no interaction matrix"):
        CollaborativePrior(bare)


def test_bayes_cf_beats_popularity_bayes(cf, make_env) -> None:  # type: ignore[no-untyped-def]
    from crs.eval.episodes import evaluate
    from crs.policy import load_policy

    scores = {}
    for name in ("bayes", "bayes-cf"):
        pol = load_policy(None, name)  # rule policies need no catalog
        env = make_env(pol, n=150, prior=cf if pol.prior == "collaborative" else None)
        scores[name] = evaluate(env, pol, 150, seed=3)
    assert scores["bayes-cf"]["hdcg"] > scores["bayes"]["hdcg"] + 0.02
    assert scores["bayes-cf"]["avg_turns"] < scores["bayes"]["avg_turns"]


def test_guide_follows_the_bayes_rule(make_env) -> None:  # type: ignore[no-untyped-def]
    from crs.policy.dqn import _guide
    from crs.policy.features import encode

    env = make_env(n=50)
    obs = env.reset_episode(seed=0)
    enc = encode(obs, 10, 10)
    assert _guide(enc, 10, threshold=2.0) == 0  # mass never reaches 2: ask the best-split unit
    assert _guide(enc, 10, threshold=0.0) == 10  # any mass: recommend
    enc["global"][1] = 1 / 15  # last turn: recommend whatever the mass
    assert _guide(enc, 10, threshold=2.0) == 10
