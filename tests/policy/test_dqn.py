"""The DQN trainer runs end to end in a subprocess, and a briefly trained policy beats random."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

TRAIN = """
import json, sys
from crs.catalog import load_catalog
from crs.policy.dqn import Args, train
from crs.policy.env import DialogueEnv, EnvConfig
from crs.policy.space import build_ask_space
from simulators.attribute import AttributeSimConfig, AttributeSimulator, load_episodes

root = sys.argv[1] + "/lastfm-star/UI_Interaction_data/"
cat = load_catalog("lastfm-star", data_dir=sys.argv[1])
space = build_ask_space(cat)
train_eps = load_episodes(root + "review_dict_train.json", cat)[:2000]
dev_eps = load_episodes(root + "review_dict_valid.json", cat)[:300]
demos = int(sys.argv[3]) if len(sys.argv) > 3 else 0
args = Args(total_steps=int(sys.argv[2]), minutes=5, eval_every=10**9, eval_episodes=30, learning_starts=200,
            eps_steps=int(sys.argv[2]) // 2, batch_size=64, demo_episodes=demos, pretrain_steps=400,
            eps_start=0.1 if demos else 1.0)
def factory(eps):
    return lambda noise, seed: DialogueEnv(cat, space, AttributeSimulator(cat, eps, AttributeSimConfig(answer_noise=noise, seed=seed)), EnvConfig(belief=args.belief))
res = train(args, cat, factory(train_eps), factory(dev_eps), progress=False)
print(json.dumps({"path": str(res.path), "steps": res.steps, "episodes": res.episodes}))
"""


def _run(code: list[str], cache, timeout: int = 600) -> str:  # type: ignore[no-untyped-def]
    env = {**os.environ, "CRS_CACHE_DIR": str(cache), "OMP_NUM_THREADS": "1"}
    out = subprocess.run(code, check=False, capture_output=True, text=True, env=env, timeout=timeout)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.mark.slow
def test_trainer_runs_in_a_subprocess_and_saves_a_loadable_checkpoint(tmp_path, data_dir, lastfm_catalog) -> None:
    res = json.loads(_run([sys.executable, "-c", TRAIN, str(data_dir), "400"], tmp_path).strip().splitlines()[-1])
    assert res["steps"] >= 400 and os.path.isfile(res["path"])
    meta = json.loads(Path(res["path"]).with_suffix(".json").read_text())
    assert meta["total_steps"] == 400 and meta["catalog"] == "lastfm-star" and meta["history"]
    from crs.policy import load_policy

    pol = load_policy(lastfm_catalog, "dqn", cache=tmp_path)
    assert pol.name == "dqn"
    split = data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_valid.json"
    cli = [sys.executable, "-c", "from ui.cli import main; main()", "eval", "simulate", "--catalog", "lastfm-star",
           "--data-dir", str(data_dir), "--split", str(split), "--policy", "dqn", "--episodes", "40", "--json"]
    m = json.loads(_run(cli, tmp_path).strip().splitlines()[-1])
    assert m["episodes"] == 40 and set(m) >= {"sr_at_5", "sr_at_10", "sr_at_15", "avg_turns", "hdcg", "episodes_per_s", "actions"}


@pytest.mark.slow
def test_demonstration_pretrained_policy_imitates_the_rule_and_beats_random(tmp_path, data_dir, lastfm_catalog, make_env) -> None:
    """DQfD: 150 episodes demonstrated by the bayes rule + 400 pretraining steps + 600 fine-tuning steps."""
    res = json.loads(_run([sys.executable, "-c", TRAIN, str(data_dir), "600", "150"], tmp_path).strip().splitlines()[-1])
    meta = json.loads(Path(res["path"]).with_suffix(".json").read_text())
    assert meta["demonstrations"] > 150 and meta["history"][0]["step"] == 0  # evaluated right after pretraining
    from crs.eval.episodes import evaluate
    from crs.policy import load_policy
    from crs.policy.dqn import _guide
    from crs.policy.features import encode
    from crs.policy.rules import RandomPolicy

    dqn = load_policy(lastfm_catalog, "dqn", cache=tmp_path)
    env = make_env(dqn, n=2000, seed=7)
    agree = total = 0
    for e in range(40):
        obs, done = env.reset_episode(7 if e == 0 else None), False
        while not done:
            rule, q = _guide(encode(obs, 10, 10), 10, 0.2), dqn.q_values(obs)
            agree, total = agree + int(rule == int(np.argmax(q))), total + 1
            obs, _, done, _ = env.act(dqn.choose(obs))
    assert agree / total > 0.8, (agree, total)
    rnd = RandomPolicy(seed=0)
    m_dqn = evaluate(make_env(dqn, n=2000, seed=5), dqn, 200, seed=5)
    m_rnd = evaluate(make_env(rnd, n=2000, seed=5), rnd, 200, seed=5)
    assert m_dqn["hdcg"] > m_rnd["hdcg"], (m_dqn, m_rnd)
    assert m_dqn["sr_at_15"] > m_rnd["sr_at_15"], (m_dqn, m_rnd)


def test_trainer_refuses_an_env_whose_belief_differs(lastfm_catalog, make_env) -> None:
    """The env's belief must be the one the policy is trained (and deployed) with."""
    from crs.policy.belief import BeliefConfig
    from crs.policy.dqn import Args, train

    args = Args(total_steps=10, belief=BeliefConfig(prior_weight=0.2))
    with pytest.raises(ValueError, match="belief"):
        train(args, lastfm_catalog, lambda noise, seed: make_env(noise=noise, n=20, seed=seed), save=False, progress=False)
