"""Env API conformance, belief correctness, metrics, rule baselines and checkpoint errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from crs.policy import Belief, BeliefConfig, PolicyError, load_policy, observe
from crs.policy.episodes import EpisodeOutcome, evaluate, hdcg, mcr_metrics
from crs.policy.rules import RULES
from crs.types import Action


def test_gymnasium_env_checker(make_env) -> None:
    env = make_env()
    check_env(env, skip_render_check=True)
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    done, steps = False, 0
    while not done:
        obs, _reward, term, trunc, info = env.step(env.action_space.sample())
        done, steps = term or trunc, steps + 1
    assert steps <= 15 and (term == info["success"])


def test_hard_belief_matches_brute_force(lastfm_catalog, lastfm_space) -> None:
    b = Belief(lastfm_space, BeliefConfig(mode="hard"), np.zeros(lastfm_space.n_items))
    b.inform(lastfm_space.unit("tags=1"))
    b.answer(lastfm_space.unit("tags=11"), True)
    b.answer(lastfm_space.unit("tags=5"), False)
    b.reject(np.array([lastfm_catalog.row(lastfm_catalog.ids[b.rows[0]])]))
    expect = {it.id for it in lastfm_catalog.items
              if {"1", "11"} <= set(it.values("tags")) and "5" not in it.values("tags")}
    got = {lastfm_catalog.ids[r] for r in b.rows[b.candidates()]}
    assert got == expect - {lastfm_catalog.ids[b.rows[0]]} or got == expect
    post = b.posterior()
    assert math.isclose(post.sum(), 1.0) and set(np.flatnonzero(post > 0)) == set(np.flatnonzero(b.candidates()))


def test_soft_belief_keeps_target_after_a_wrong_answer_and_detects_noise(lastfm_catalog, lastfm_space) -> None:
    target = lastfm_catalog.row(lastfm_catalog.ids[100])
    tags = lastfm_space.item_units(target)
    b = Belief(lastfm_space, BeliefConfig(), np.zeros(lastfm_space.n_items))
    b.inform(int(tags[0]))
    assert b.noise_estimate() == pytest.approx(sum(np.array((0.0, 0.05, 0.1, 0.2)) * np.array((0.4, 0.2, 0.2, 0.2))))
    for u in tags[1:4]:
        b.answer(int(u), False)  # three wrong answers
    post = b.posterior()
    i = int(np.flatnonzero(b.rows == target)[0])
    assert post[i] > 0
    prior_mean = b.noise_estimate()
    b.answer(int(tags[5]), True)
    b.answer(int(tags[5]), False)  # a self-contradiction: no noise-free explanation exists
    assert b.noise_estimate() > max(prior_mean, 0.08)


def test_observation_summarises_candidates(lastfm_space, lastfm_catalog) -> None:
    b = Belief(lastfm_space, BeliefConfig(), np.log1p(lastfm_catalog.popularity().astype(float)))
    b.inform(lastfm_space.unit("tags=1"))
    obs = observe(b, lastfm_catalog.ids, turn=0, n_units=10, top_k=10)
    assert len(obs.units) == 10 and "tags=1" not in obs.units and obs.accepted == ("tags=1",)
    gaps = [abs(p - 0.5) for p in obs.unit_prob]
    assert gaps == sorted(gaps)
    assert len(obs.recommend_ids) == 10 and all("1" in lastfm_catalog.item(i).values("tags") for i in obs.recommend_ids)
    assert 0 < obs.topk_mass <= 1 and obs.n_candidates == int(b.candidates().sum())


def test_hdcg_and_metrics() -> None:
    assert hdcg(1, 1) == pytest.approx(1.0)
    assert hdcg(3, 1) == pytest.approx(0.5)
    assert hdcg(5, 10) < hdcg(5, 1)
    m = mcr_metrics([EpisodeOutcome(True, 3, 1, {"ask": 2, "recommend": 1}), EpisodeOutcome(False, 15, None, {"ask": 15})])
    assert m["sr_at_5"] == 0.5 and m["avg_turns"] == 9.0 and m["hdcg"] == pytest.approx(0.25)
    assert m["actions"] == {"ask": 17, "recommend": 1, "wait": 0}


def test_rules_beat_random_and_yes_only_on_real_episodes(make_env) -> None:
    res = {}
    for name in ("rules", "rules-yes-only", "random"):
        pol = RULES[name]()
        res[name] = evaluate(make_env(pol), pol, 150, seed=0)
    assert res["rules"]["sr_at_15"] > 0.85
    assert res["rules"]["hdcg"] > res["random"]["hdcg"]
    assert res["rules"]["sr_at_15"] > res["rules-yes-only"]["sr_at_15"] + 0.2


def test_missing_and_incompatible_checkpoints_are_clear_errors(tmp_path, lastfm_catalog, default_catalog) -> None:
    with pytest.raises(PolicyError, match="crs train policy --catalog lastfm-star"):
        load_policy(lastfm_catalog, "dqn", cache=tmp_path)
    with pytest.raises(PolicyError, match="unknown policy"):
        load_policy(lastfm_catalog, "smart", cache=tmp_path)
    import torch

    from crs.policy.network import QNetwork
    from crs.policy.policy import save_checkpoint
    from crs.policy.space import build_ask_space

    space = build_ask_space(default_catalog)
    path = tmp_path / "other.pt"
    meta = {"n_ask": 10, "top_k": 10, "hidden": 16, "emb": 4, "belief": {"mode": "soft"}}
    save_checkpoint(path, QNetwork(space.n_units, space.n_items, 10, 16, 4), space, meta)
    with pytest.raises(PolicyError, match="trained for catalog 'default'.*crs train policy"):
        load_policy(lastfm_catalog, "dqn", path=path)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(lastfm_catalog, "dqn", path=path)
    assert torch.is_tensor(torch.zeros(1))


def test_rule_actions_carry_alternatives(make_env) -> None:
    pol = RULES["rules"]()
    env = make_env(pol)
    obs = env.reset_episode(0)
    act = pol.choose(obs)
    assert isinstance(act, Action) and act.kind in ("ask", "recommend") and act.alternatives


def test_numpy_inference_matches_torch_network() -> None:
    import torch

    from crs.policy.features import ACTION_DIM, GLOBAL_DIM, n_slots
    from crs.policy.network import NumpyQ, QNetwork, to_tensors

    torch.manual_seed(0)
    net = QNetwork(50, 40, 4, 32, 4)
    rng = np.random.default_rng(0)
    j = n_slots(4)
    obs = {"global": rng.random(GLOBAL_DIM, dtype=np.float32), "actions": rng.random((j, ACTION_DIM), dtype=np.float32),
           "mask": np.array([1, 1, 0, 1, 1, 1] + [1, 0] * j, dtype=np.int8)[:j], "units": np.array([3, 5, 0, 7] + [0] * j)[:j],
           "items": np.array([1, 2, 3, 0, 0, 0, 0, 0, 0, 0])}
    with torch.no_grad():
        expect = net(*to_tensors(obs))[0].numpy()
    got = NumpyQ(net)(obs)
    assert np.allclose(got[obs["mask"] > 0], expect[obs["mask"] > 0], atol=1e-5)
    assert got[2] < -1e8


def test_grouped_posterior_equals_the_per_row_mixture(lastfm_catalog, lastfm_space) -> None:
    """`Belief._compute` groups rows by disagreement count; it must equal the per-row noise mixture."""
    rng = np.random.default_rng(0)
    levels, hprior = np.array((0.0, 0.05, 0.1, 0.2)), np.array((0.4, 0.2, 0.2, 0.2))
    b = Belief(lastfm_space, BeliefConfig(prior_weight=0.2), rng.normal(size=lastfm_space.n_items))
    b.inform(int(lastfm_space.item_units(lastfm_catalog.row(lastfm_catalog.ids[7]))[0]))
    for _ in range(6):
        b.answer(int(rng.choice(b.units)), bool(rng.random() < 0.5))
    d, n = b.disagree.astype(float), b.n_answers
    with np.errstate(divide="ignore", invalid="ignore"):
        lik = hprior[:, None] * np.where(d > 0, levels[:, None] ** d, 1.0) * (1 - levels[:, None]) ** (n - d)
    w = lik * np.exp(b.log_prior[b.rows] - b.log_prior[b.rows].max())
    np.testing.assert_allclose(b.posterior(), w.sum(0) / w.sum(), rtol=1e-9, atol=1e-15)
    assert b.noise_estimate() == pytest.approx(float(w.sum(1) @ levels / w.sum()))
