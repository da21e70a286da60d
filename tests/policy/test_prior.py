"""The collaborative item prior ranks held-out LastFM* targets above popularity and drives bayes-cf."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from crs.policy.prior import CollaborativePrior, PriorConfig, build_prior
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
    from crs.policy import load_policy
    from crs.policy.episodes import evaluate

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


def test_held_out_prior_leaves_one_out(cf, lastfm_catalog, lastfm_valid) -> None:  # type: ignore[no-untyped-def]
    """A training pair's target is in the matrix the prior is built from: held out, it ranks like an unseen
    item (no leak through the user's own row); a held-out (valid) target is unaffected by `exclude`."""
    from crs.policy.prior import HeldOutPrior

    inter = lastfm_catalog.interactions.tocsr()
    ranks_in, ranks_out = [], []
    for u in range(0, 600, 20):
        seen = inter.indices[inter.indptr[u] : inter.indptr[u + 1]]
        if seen.size < 3:
            continue
        t = int(seen[0])
        s_in, s_out = cf(str(u)), cf(str(u), exclude=t)
        ranks_in.append(int((s_in > s_in[t]).sum()))
        ranks_out.append(int((s_out > s_out[t]).sum()))
        others = np.setdiff1d(seen, [t])
        assert s_out[others].max() < np.delete(s_out, seen).min()  # the rest of the history stays at the bottom
    assert min(ranks_in) >= len(lastfm_catalog) - 200 and np.median(ranks_out) < len(lastfm_catalog) / 2
    ep = lastfm_valid[0]
    np.testing.assert_allclose(cf(ep.user, exclude=lastfm_catalog.row(ep.target)), cf(ep.user))
    held = HeldOutPrior(cf, lastfm_catalog, lambda: ep.target)
    np.testing.assert_allclose(held(ep.user), cf(ep.user))


def test_held_out_prior_holds_out_every_target_of_a_multi_interest_episode(cf, lastfm_catalog) -> None:  # type: ignore[no-untyped-def]
    """Multi-choice training episodes have several targets from the prior's own matrix: all are held
    out (`crs train policy --protocol multi-choice`), the rest of the history stays seen."""
    from crs.policy.prior import HeldOutPrior

    inter = lastfm_catalog.interactions.tocsr()
    u = next(u for u in range(inter.shape[0]) if inter.indptr[u + 1] - inter.indptr[u] >= 5)
    seen = inter.indices[inter.indptr[u] : inter.indptr[u + 1]]
    targets = [lastfm_catalog.ids[int(r)] for r in seen[:3]]
    held = HeldOutPrior(cf, lastfm_catalog, lambda: tuple(targets))(str(u))
    np.testing.assert_allclose(held, cf(str(u), exclude=[int(r) for r in seen[:3]]))
    unseen_floor = np.delete(held, seen).min()
    assert held[seen[:3]].min() > held[seen[3:]].max() and held[seen[3:]].max() < unseen_floor
    one = cf(str(u), exclude=int(seen[0]))
    assert one[seen[1]] < unseen_floor  # holding out one target leaves the others at the bottom


def test_held_out_cold_item_gets_no_item_item_score(cf, lastfm_catalog) -> None:  # type: ignore[no-untyped-def]
    """An item only this user had must score like any never-seen item once held out (the user's own row
    would otherwise link it to the rest of their history). Without the content term, which scores it
    by its tags, as it does every item."""
    cf = CollaborativePrior(lastfm_catalog, PriorConfig(content_weight=0.0))
    inter = lastfm_catalog.interactions.tocsr()
    cols = inter.tocsc()
    single = np.flatnonzero(np.diff(cols.indptr) == 1)
    item = int(single[0])
    user = int(cols.indices[cols.indptr[item]])
    s = cf(str(user), exclude=item)
    never = np.flatnonzero(np.diff(cols.indptr) == 0)
    assert never.size and s[item] == pytest.approx(s[never].max(), abs=0.05)


def test_content_term_ranks_long_tail_targets_of_held_out_train_users_higher(cf, lastfm_catalog, data_dir) -> None:  # type: ignore[no-untyped-def]
    """Long-tail targets (the held-out pairs' profile) have tags but few listeners: the tag cosine with
    the user's history lifts them (on 600 dev pairs: top-100 share 0.343 -> 0.432)."""
    from crs.policy.training_data import carve_dev, long_tail_resample
    from simulators.attribute import load_episodes

    pairs = load_episodes(data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_train.json", lastfm_catalog)
    dev = long_tail_resample(carve_dev(pairs, 0.1, seed=0)[1], lastfm_catalog, 300, 1.0, seed=1, replace=False)
    plain = CollaborativePrior(lastfm_catalog, PriorConfig(content_weight=0.0))

    def top100(prior: CollaborativePrior) -> float:
        hits = []
        for ep in dev:
            t = lastfm_catalog.row(ep.target)
            s = prior(ep.user, exclude=t)
            hits.append(int((s > s[t]).sum()) < 100)
        return float(np.mean(hits))

    assert top100(cf) > top100(plain) + 0.04


def test_dev_is_carved_from_train_users_and_resampling_favours_the_long_tail(lastfm_catalog, data_dir) -> None:  # type: ignore[no-untyped-def]
    from crs.policy.training_data import carve_dev, long_tail_resample
    from simulators.attribute import load_episodes

    pairs = load_episodes(data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_train.json", lastfm_catalog)
    train, dev = carve_dev(pairs, 0.1, seed=0)
    assert len(train) + len(dev) == len(pairs) and not {e.user for e in train} & {e.user for e in dev}
    assert 0.05 < len({e.user for e in dev}) / len({e.user for e in pairs}) < 0.15
    assert carve_dev(pairs, 0.1, seed=0)[1] == dev
    pop = lastfm_catalog.popularity()
    tail = long_tail_resample(train, lastfm_catalog, 5000, alpha=1.0, seed=0)
    med = lambda eps: np.median([pop[lastfm_catalog.row(e.target)] for e in eps])
    assert med(tail) < med(train) / 5
    assert len(long_tail_resample(dev, lastfm_catalog, 10**6, 1.0, replace=False)) == len(dev)
    with pytest.raises(PolicyError, match="dev fraction"):
        carve_dev(pairs, 1.5)


def test_collaborative_prior_from_liked_items(redial_catalog):  # type: ignore[no-untyped-def]
    """The collaborative prior from a chat user's liked items (ReDial): held-out items rank above popularity."""
    prior = CollaborativePrior(redial_catalog)
    r = redial_catalog.interactions.tocsr()
    user = int(np.argmax(np.diff(r.indptr)))
    items = r.indices[r.indptr[user] : r.indptr[user + 1]]
    liked, held = items[:-5], items[-5:]
    scores = prior.for_items(liked)
    pop = np.log1p(redial_catalog.popularity().astype(np.float64))
    assert scores.shape == (len(redial_catalog),)
    assert scores[liked].max() < scores.min() + 1.0  # the user's own items go to the bottom
    rank = lambda s, i: int((s > s[i]).sum())
    assert np.mean([rank(scores, i) for i in held]) < np.mean([rank(pop, i) for i in held])
    np.testing.assert_array_equal(prior.for_items(np.array([], dtype=np.int64)), pop)
