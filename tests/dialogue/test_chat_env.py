"""The agent ↔ policy seam and the Gymnasium env around the whole chat agent (ReDial, real data).

- ask units in the chat agent's observation carry their ids in the chat ask space, the space the
  DQN trainers build, so a network that prefers one unit's embedding asks that unit in chat;
- a checkpoint for another ask space is refused with a retrain hint;
- `ChatEnv` passes Gymnasium's env checker and plays episodes with the natural-language simulator.
"""

from __future__ import annotations

from dataclasses import replace

import pytest


@pytest.fixture(scope="module")
def chat_agent(fast_agent):  # type: ignore[no-untyped-def]
    """The session's rule-NLU ReDial agent without store writes."""
    from crs.dialogue.build import for_simulation

    return for_simulation(fast_agent)


def test_observation_units_carry_ask_space_ids(chat_agent, chat_space, redial_catalog):  # type: ignore[no-untyped-def]
    from crs.dialogue.observe import BeliefObserver, CandidateObserver
    from crs.policy.belief import BeliefConfig
    from crs.policy.space import build_ask_space
    from crs.types import DialogueState

    assert chat_space.fingerprint == build_ask_space(redial_catalog, ("genres", "decade")).fingerprint
    state = DialogueState(session_id="seam", user_id="seam")
    for observer in (CandidateObserver(redial_catalog, chat_space), BeliefObserver(redial_catalog, chat_space, BeliefConfig())):
        p = replace(chat_agent, observer=observer).understand(state, "I want a comedy")
        obs = p.obs
        assert obs.units, type(observer).__name__
        assert [chat_space.labels[c] for c in obs.unit_columns] == list(obs.units)
        assert max(obs.unit_columns) >= len(obs.units)  # ids, not list positions
        assert not any(u.startswith("genres=comedy") for u in obs.units)  # stated, so not asked again


def test_dqn_in_chat_asks_the_unit_its_network_prefers(chat_agent, chat_space, redial_catalog, one_unit_network, tmp_path):  # type: ignore[no-untyped-def]
    from crs.dialogue.build import with_policy
    from crs.dialogue.observe import BeliefObserver
    from crs.policy.belief import BeliefConfig
    from crs.policy.policy import save_checkpoint
    from crs.types import DialogueState

    state = DialogueState(session_id="seam2", user_id="seam2")
    offered = replace(chat_agent, observer=BeliefObserver(redial_catalog, chat_space, BeliefConfig())).understand(
        state, "hello, looking for a movie tonight").obs
    assert len(offered.units) >= 3
    want = offered.units[-1]  # the last offered slot: a positional id would point elsewhere
    net = one_unit_network(chat_space, 10, chat_space.index[want])
    meta = {"n_ask": 10, "top_k": 10, "hidden": 8, "emb": 4, "belief": {"prior_weight": 1.0}, "prior": "popularity"}
    ckpt = tmp_path / "dqn.pt"
    save_checkpoint(ckpt, net, chat_space, meta)
    new, reply = with_policy(chat_agent, "dqn", path=ckpt).step(state, "hello, looking for a movie tonight")
    assert new.last_action is not None and new.last_action.kind == "ask"
    assert new.last_action.attribute == want, reply.alternatives


def test_checkpoint_for_another_ask_space_is_refused(redial_catalog, chat_space, one_unit_network, tmp_path):  # type: ignore[no-untyped-def]
    from crs.dialogue.decide import build_policy
    from crs.policy.policy import save_checkpoint
    from crs.policy.space import PolicyError, build_ask_space

    full = build_ask_space(redial_catalog, ("genres", "decade", "tags"))
    net = one_unit_network(full, 10, 0)
    meta = {"n_ask": 10, "top_k": 10, "hidden": 8, "emb": 4, "belief": {}, "prior": "popularity"}
    save_checkpoint(tmp_path / "other.pt", net, full, meta)
    with pytest.raises(PolicyError, match="crs train policy"):
        build_policy(redial_catalog, "dqn", path=tmp_path / "other.pt", space=chat_space)


def test_missing_natural_checkpoint_says_how_to_train(redial_catalog, chat_space, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    import json

    from crs.catalog.jsonl import load_jsonl
    from crs.dialogue.decide import build_policy, shipped_checkpoint
    from crs.policy.space import PolicyError

    monkeypatch.setenv("CRS_CACHE_DIR", str(tmp_path))  # an empty cache: the shipped checkpoint is used
    assert build_policy(redial_catalog, "dqn-natural", space=chat_space).name == "dqn-natural"
    assert shipped_checkpoint(redial_catalog, chat_space).is_file()
    films = tmp_path / "films.jsonl"
    films.write_text(json.dumps({"id": "a", "title": "Alien", "attributes": {"genres": ["Horror", "Sci-Fi"]}}) + "\n")
    with pytest.raises(PolicyError, match="--simulator natural"):  # none for a user's catalog: says how to train one
        build_policy(load_jsonl(films), "dqn-natural")


def test_chat_env_passes_gymnasium_checker_and_plays(chat_agent, natural_sim):  # type: ignore[no-untyped-def]
    from gymnasium.utils.env_checker import check_env

    from crs.dialogue.chat_env import ChatEnv
    from crs.policy.episodes import run_episodes
    from crs.policy.rules import BayesThreshold

    env = ChatEnv(chat_agent, natural_sim)
    check_env(env, skip_render_check=True)
    obs, _ = env.reset(seed=3)
    assert env.observation_space.contains(obs)
    held = len(chat_agent.candidates)
    out = run_episodes(env, BayesThreshold(0.2), 4, seed=5)
    assert len(out) == 4 and all(1 <= o.turns <= 15 for o in out)
    assert sum(o.actions.get("recommend", 0) for o in out) > 0
    again = run_episodes(env, BayesThreshold(0.2), 4, seed=5)
    assert [(o.success, o.turns) for o in again] == [(o.success, o.turns) for o in out]  # same seed, same episodes
    assert len(chat_agent.candidates) <= held  # finished conversations free their candidate sets
