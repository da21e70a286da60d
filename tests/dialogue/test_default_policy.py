"""The chat's default policy: the shipped chat-trained DQN where a catalog has one, a rule with a
visible notice where it has none, a clear error where a checkpoint does not fit the schema."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from crs.catalog.jsonl import load_jsonl
from crs.dialogue.decide import DEFAULT_POLICY, SHIPPED_POLICY_DIR, resolve_policy, shipped_checkpoint
from crs.dialogue.observe import chat_ask_space
from crs.dialogue.reply import turn_payload
from crs.policy.policy import DQNPolicy
from crs.policy.space import PolicyError

FILMS = [
    {"id": "a", "title": "Alien", "year": 1979, "text": "Space horror.", "attributes": {"genres": ["Horror", "Sci-Fi"]}},
    {"id": "b", "title": "Up", "year": 2009, "text": "A flying house.", "attributes": {"genres": ["Animation"]}},
    {"id": "c", "title": "Heat", "year": 1995, "text": "Cops and robbers.", "attributes": {"genres": ["Crime"]}},
]


def _jsonl(tmp_path):  # type: ignore[no-untyped-def]
    p = tmp_path / "films.jsonl"
    p.write_text("".join(json.dumps(f) + "\n" for f in FILMS))
    return load_jsonl(p)


@pytest.mark.parametrize("name", ["default", "redial"])
def test_the_movie_catalogs_ship_a_small_chat_trained_policy(name, default_catalog, redial_catalog):  # type: ignore[no-untyped-def]
    cat = default_catalog if name == "default" else redial_catalog
    ckpt = shipped_checkpoint(cat, chat_ask_space(cat))
    assert ckpt.is_file(), f"no shipped policy for {name}: run `crs train policy --catalog {name} --simulator natural --ship`"
    assert ckpt.stat().st_size < 1 << 20
    meta = json.loads(ckpt.with_suffix(".json").read_text())
    assert meta["observation"] == "candidates" and meta["user_model"] == "profile"
    assert meta["goal_conversations"] and meta["catalog_fingerprint"] and meta["best"]["score"] >= 0
    assert resolve_policy(cat, DEFAULT_POLICY) == ("dqn-natural", "")


def test_a_catalog_without_a_checkpoint_falls_back_to_the_rule_with_a_notice(tmp_path):  # type: ignore[no-untyped-def]
    from crs.dialogue.build import AgentConfig, build_agent
    from crs.store import Store

    cat = _jsonl(tmp_path)
    name, notice = resolve_policy(cat, DEFAULT_POLICY)
    assert name == "bayes" and "No trained dialogue policy" in notice and "crs train policy" in notice
    agent = build_agent(AgentConfig(catalog="jsonl", nlu="rules", strict=True), catalog=cat, store=Store(":memory:"))
    assert agent.policy.name == "bayes"
    state, reply = agent.step(agent.new_session("u"), "hi, something scary please")
    assert reply.notices[0] == notice and reply.policy == "bayes"
    assert turn_payload(reply, state)["notices"][0] == notice  # `crs chat --json` shows it too
    _, later = agent.step(state, "anything from the seventies?")
    assert notice not in later.notices  # shown once, with the first reply


def test_a_checkpoint_for_another_schema_is_an_error_not_a_fallback(tmp_path, redial_catalog):  # type: ignore[no-untyped-def]
    from crs.policy.policy import load_policy

    mine = shipped_checkpoint(redial_catalog, chat_ask_space(redial_catalog))
    other = _jsonl(tmp_path)
    with pytest.raises(PolicyError, match="was trained for catalog 'redial'"):
        load_policy(other, "dqn", path=mine, space=chat_ask_space(other))
    assert SHIPPED_POLICY_DIR.is_dir()


def test_chat_json_shows_the_policy_and_its_score_for_every_action(fast_agent):  # type: ignore[no-untyped-def]
    assert isinstance(fast_agent.policy, DQNPolicy) and fast_agent.policy.name == "dqn-natural"
    agent = replace(fast_agent, store=None)
    state, reply = agent.step(agent.new_session("u"), "I loved Alien, something scary but not too gory")
    payload = turn_payload(reply, state)
    assert payload["policy"] == "dqn-natural"
    labels = [a for a, _ in payload["q_values"]]
    assert "recommend" in labels and "wait" in labels and any(a.startswith("ask ") for a in labels)
    scores = [s for _, s in payload["q_values"]]
    assert scores == sorted(scores, reverse=True)
    assert len(labels) == len(set(labels))
