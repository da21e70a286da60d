"""The DQN trainer runs end to end in a subprocess, and a briefly trained policy beats random."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
args = Args(total_steps=int(sys.argv[2]), minutes=5, eval_every=10**9, eval_episodes=30, learning_starts=200,
            eps_steps=int(sys.argv[2]) // 2, batch_size=64)
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
def test_briefly_trained_policy_beats_random(tmp_path, data_dir, lastfm_catalog, make_env) -> None:
    _run([sys.executable, "-c", TRAIN, str(data_dir), "3000"], tmp_path)
    from crs.eval.episodes import evaluate
    from crs.policy import load_policy
    from crs.policy.rules import RandomPolicy

    dqn = load_policy(lastfm_catalog, "dqn", cache=tmp_path)
    rnd = RandomPolicy(seed=0)
    m_dqn = evaluate(make_env(dqn, n=2000, seed=5), dqn, 200, seed=5)
    m_rnd = evaluate(make_env(rnd, n=2000, seed=5), rnd, 200, seed=5)
    assert m_dqn["hdcg"] > m_rnd["hdcg"], (m_dqn, m_rnd)
    assert m_dqn["sr_at_15"] > m_rnd["sr_at_15"], (m_dqn, m_rnd)
