"""The DQN trainer runs end to end in a subprocess, and a briefly trained policy beats random.

Both trainings are background jobs (tests/background.py): they start with the session and run
beside the other tests; each test waits for its own.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.background import Step

TRAIN = """
import json, sys
from pathlib import Path
from crs.catalog import load_catalog
from crs.policy.belief import BeliefConfig
from crs.policy.dqn import Args, train
from ui.cli.factories import env_factory, training_data

cat = load_catalog("lastfm-star", data_dir=sys.argv[1])
data = training_data(cat, Path(sys.argv[1]), None, None, seed=0, n_train=3000, n_dev=100)  # dev: carved from train users
demos = int(sys.argv[3]) if len(sys.argv) > 3 else 0
belief = BeliefConfig(prior_weight=0.2)
args = Args(total_steps=int(sys.argv[2]), minutes=9, eval_every=10**9, eval_episodes=30, learning_starts=200,
            eps_steps=int(sys.argv[2]) // 2, batch_size=64, demo_episodes=demos, pretrain_steps=1000,
            eps_start=0.1 if demos else 1.0, prior="collaborative", belief=belief, guide_threshold=0.2)
make, make_dev = (env_factory(cat, eps, "attribute", "collaborative", belief) for eps in (data.train, data.dev))
res = train(args, cat, make, make_dev, progress=False)
print(json.dumps({"path": str(res.path), "steps": res.steps, "episodes": res.episodes}))
"""


def _env(cache: Path) -> dict[str, str]:
    return {"CRS_CACHE_DIR": str(cache), "OMP_NUM_THREADS": "1"}


def _trainer(data_dir: Path, workdir: Path) -> list[Step]:
    """400 steps, then `crs eval simulate --policy dqn` on the checkpoint (same cache directory)."""
    split = data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_valid.json"
    cli = [sys.executable, "-c", "from ui.cli import main; main()", "eval", "simulate", "--catalog", "lastfm-star",
           "--data-dir", str(data_dir), "--split", str(split), "--policy", "dqn", "--episodes", "40", "--json"]
    return [Step([sys.executable, "-c", TRAIN, str(data_dir), "400"], _env(workdir), 600), Step(cli, _env(workdir), 600)]


def _demonstrated(data_dir: Path, workdir: Path) -> list[Step]:
    return [Step([sys.executable, "-c", TRAIN, str(data_dir), "600", "200"], _env(workdir), 600)]


BACKGROUND = {"trainer": _trainer, "demonstrated": _demonstrated}


def _last_json(out) -> dict:  # type: ignore[no-untyped-def]
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.background("trainer")
def test_trainer_runs_in_a_subprocess_and_saves_a_loadable_checkpoint(background, lastfm_catalog) -> None:  # type: ignore[no-untyped-def]
    trained, simulated = background.results()
    res = _last_json(trained)
    assert res["steps"] >= 400 and os.path.isfile(res["path"])
    meta = json.loads(Path(res["path"]).with_suffix(".json").read_text())
    assert meta["total_steps"] == 400 and meta["catalog"] == "lastfm-star" and meta["history"]
    from crs.policy import load_policy

    pol = load_policy(lastfm_catalog, "dqn", cache=background.workdir)
    assert pol.name == "dqn"
    m = _last_json(simulated)
    assert m["episodes"] == 40 and set(m) >= {"sr_at_5", "sr_at_10", "sr_at_15", "avg_turns", "hdcg", "episodes_per_s", "actions"}


@pytest.mark.background("demonstrated")
def test_demonstration_pretrained_policy_imitates_the_rule_and_beats_random(background, lastfm_catalog, make_env) -> None:  # type: ignore[no-untyped-def]
    """DQfD: 200 episodes demonstrated by the bayes rule + 1,000 pretraining steps + 600 fine-tuning steps."""
    (trained,) = background.results()
    res = _last_json(trained)
    tmp_path = background.workdir
    meta = json.loads(Path(res["path"]).with_suffix(".json").read_text())
    assert meta["demonstrations"] > 200 and meta["history"][0]["step"] == 0  # evaluated right after pretraining
    from crs.policy import load_policy
    from crs.policy.dqn import _guide
    from crs.policy.episodes import evaluate
    from crs.policy.features import encode
    from crs.policy.prior import CollaborativePrior
    from crs.policy.rules import RandomPolicy

    dqn = load_policy(lastfm_catalog, "dqn", cache=tmp_path)
    cf = CollaborativePrior(lastfm_catalog)
    assert dqn.prior == "collaborative" and dqn.belief.prior_weight == 0.2
    env = make_env(dqn, n=2000, seed=7, prior=cf)
    agree = total = 0
    for e in range(40):
        obs, done = env.reset_episode(7 if e == 0 else None), False
        while not done:
            rule, q = _guide(encode(obs, 10, 10), 10, 0.2), dqn.q_values(obs)
            agree, total = agree + int(rule == int(np.argmax(q))), total + 1
            obs, _, done, _ = env.act(dqn.choose(obs))
    assert agree / total > 0.8, (agree, total)  # a random choice among 12 slots agrees ~1/12
    rnd = RandomPolicy(seed=0)
    m_dqn = evaluate(make_env(dqn, n=2000, seed=5, prior=cf), dqn, 200, seed=5)
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
