"""Contract every `crs.protocols.Policy` implementation passes (one parametrised test per property).

Implementations: every name of `crs.dialogue.decide.POLICIES` that needs no trained checkpoint
(the chat rules and every rule of `crs.policy.rules.RULES`), and a `DQNPolicy` loaded from a tiny
random network saved with `crs.policy.policy.save_checkpoint` on the chat ask space. Observations
come from the chat agent on ReDial (its own observer for the policy, through a short conversation)
and from the attribute simulator's `DialogueEnv` on LastFM*.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from crs.dialogue.decide import DEFAULT_POLICY, POLICIES
from crs.protocols import Policy
from crs.types import Action, DialogueState

RULE_NAMES = [name for name, spec in POLICIES.items() if spec.trained_on is None and name != DEFAULT_POLICY]
"""Every hand-set policy (`learned` is the default's alias: the chat DQN, else `bayes`)."""
CHAT = ("hello, looking for a movie tonight", "I want a comedy", "no horror please", "something from the 1990s",
        "I loved Superbad", "not that one", "just give me something", "something more recent")


def test_every_untrained_policy_is_covered():
    from crs.policy.rules import RULES

    assert {"bayes", "rules"} <= set(RULE_NAMES) and set(RULES) <= set(RULE_NAMES)
    assert set(POLICIES) - set(RULE_NAMES) == {"dqn", "dqn-natural", DEFAULT_POLICY}  # checkpoints: the DQN case below


@pytest.fixture(scope="module")
def dqn_checkpoint(chat_space, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A DQN checkpoint of a tiny random network on the chat ask space."""
    import torch

    from crs.policy.network import QNetwork
    from crs.policy.policy import save_checkpoint

    torch.manual_seed(0)
    net = QNetwork(chat_space.n_units, chat_space.n_items, 10, hidden=8, emb=4)  # random weights
    meta = {"n_ask": 10, "top_k": 10, "hidden": 8, "emb": 4, "belief": {"prior_weight": 1.0}, "prior": "popularity"}
    path = tmp_path_factory.mktemp("dqn") / "dqn.pt"
    save_checkpoint(path, net, chat_space, meta)
    return path


def _chat_agent(fast_agent, name, dqn_checkpoint):  # type: ignore[no-untyped-def]
    from crs.dialogue.build import for_simulation, with_policy

    agent = for_simulation(fast_agent)
    return with_policy(agent, "dqn", path=dqn_checkpoint) if name == "dqn" else with_policy(agent, name)


def _chat_observations(agent):  # type: ignore[no-untyped-def]
    """The policy's observations along a scripted conversation (the agent's own policy plays it)."""
    state, out = DialogueState(session_id=f"contract-{agent.policy.name}", user_id="contract"), []
    for text in CHAT:
        pending = agent.understand(state, text)
        out.append(pending.obs)
        state, _ = agent.respond(pending, agent.policy.choose(pending.obs))
    return out


@pytest.fixture(params=[*RULE_NAMES, "dqn"])
def chat_case(request, fast_agent, dqn_checkpoint):  # type: ignore[no-untyped-def]
    """(name, agent with the policy and its observer, the observations of a conversation)."""
    agent = _chat_agent(fast_agent, request.param, dqn_checkpoint)
    return request.param, agent, _chat_observations(agent)


def _valid(action, obs) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(action, Action)
    assert action.kind in ("ask", "recommend", "wait"), action
    if action.kind == "ask":
        assert action.attribute in (*obs.units, *obs.open_units), (action.attribute, obs.units, obs.open_units)
    if action.kind == "recommend":
        assert action.items and set(action.items) <= set(obs.recommend_ids), (action.items, obs.recommend_ids)


def test_is_a_policy(chat_case):  # type: ignore[no-untyped-def]
    _, agent, _ = chat_case
    assert isinstance(agent.policy, Policy)
    assert isinstance(agent.policy.name, str) and agent.policy.prior in ("popularity", "collaborative")


def test_chat_actions_are_valid_for_the_observation(chat_case):  # type: ignore[no-untyped-def]
    _, agent, observations = chat_case
    assert any(obs.units for obs in observations) and any(obs.recommend_ids for obs in observations)
    kinds = set()
    for obs in observations:
        action = agent.policy.choose(obs)
        _valid(action, obs)
        kinds.add(action.kind)
    assert kinds & {"ask", "recommend"}


def test_same_observations_same_actions(chat_case, fast_agent, dqn_checkpoint):  # type: ignore[no-untyped-def]
    name, _, observations = chat_case
    one, two = (_chat_agent(fast_agent, name, dqn_checkpoint).policy for _ in range(2))  # fresh builds (seeded)
    assert [one.choose(obs) for obs in observations] == [two.choose(obs) for obs in observations]


def test_degenerate_observations(chat_case):  # type: ignore[no-untyped-def]
    """No units to ask, or nothing to recommend: still a valid action."""
    _, agent, observations = chat_case
    obs = next(o for o in observations if o.units and o.recommend_ids)
    no_units = replace(obs, units=(), unit_columns=(), unit_prob=(), unit_freq=())
    _valid(agent.policy.choose(no_units), no_units)
    nothing = replace(obs, recommend_ids=(), recommend_rows=(), recommend_scores=(), n_candidates=0)
    _valid(agent.policy.choose(nothing), nothing)


@pytest.mark.parametrize("name", RULE_NAMES)
def test_attribute_simulator_actions_are_valid(name, lastfm_catalog, make_env):  # type: ignore[no-untyped-def]
    """The same contract on the observations of `DialogueEnv` (LastFM*, attribute simulator)."""
    from crs.dialogue.decide import build_policy
    from crs.policy.policy import load_policy
    from crs.policy.prior import build_prior

    policy = build_policy(lastfm_catalog, name)
    assert isinstance(policy, Policy) and isinstance(load_policy(lastfm_catalog, name), Policy)
    env = make_env(policy, n=60, seed=1, prior=build_prior(lastfm_catalog, policy.prior))
    for episode in range(4):
        obs, done = env.reset_episode(episode), False
        while not done:
            action = policy.choose(obs)
            _valid(action, obs)
            obs, _, done, _ = env.act(action)
