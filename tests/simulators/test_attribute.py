"""Protocol rules of the attribute (MCR) simulator on real LastFM* and movie data."""

from __future__ import annotations

import json

import pytest

from crs.types import Action
from simulators.attribute import (
    AttributeSimConfig,
    AttributeSimulator,
    Episode,
    SimulatorError,
    episodes_from_interactions,
    load_episodes,
)


@pytest.fixture(scope="module")
def lastfm_episodes(data_dir, lastfm_catalog):  # type: ignore[no-untyped-def]
    return load_episodes(data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_valid.json", lastfm_catalog)


def test_opening_and_answers_follow_the_target(lastfm_catalog, lastfm_episodes) -> None:
    sim = AttributeSimulator(lastfm_catalog, lastfm_episodes[:300], AttributeSimConfig(seed=3))
    for _ in range(30):
        opening = sim.reset()
        assert sim.episode is not None
        tags = set(lastfm_catalog.item(sim.episode.target).values("tags"))
        assert opening.name == "inform" and opening.slots["attribute"].split("=")[1] in tags
        assert opening.slots["user"] == sim.episode.user
        inside = next(iter(tags))
        outside = next(t for t in lastfm_catalog.schema.get("tags").values if t not in tags)
        assert sim.respond(Action("ask", attribute=f"tags={inside}")).name == "affirm"
        assert sim.respond(Action("ask", attribute=f"tags={outside}")).name == "deny"


def test_recommendation_success_rejection_and_turn_limit(lastfm_catalog, lastfm_episodes) -> None:
    sim = AttributeSimulator(lastfm_catalog, lastfm_episodes[:50], AttributeSimConfig(max_turns=15))
    sim.reset(seed=1)
    assert sim.episode is not None
    target = sim.episode.target
    others = tuple(i for i in lastfm_catalog.ids[:12] if i != target)[:10]
    reply = sim.respond(Action("recommend", items=others))
    assert reply.name == "reject" and reply.slots["items"] == others and not reply.slots["done"]
    with pytest.raises(SimulatorError, match="at most 10"):
        sim.respond(Action("recommend", items=tuple(lastfm_catalog.ids[:11])))
    reply = sim.respond(Action("recommend", items=(*others[:3], target)))
    assert reply.name == "accept" and reply.slots["rank"] == 4 and reply.slots["done"]
    with pytest.raises(SimulatorError, match="episode is over"):
        sim.respond(Action("wait"))
    sim.reset()
    for t in range(1, 16):
        reply = sim.respond(Action("wait"))
        assert reply.name == "none" and reply.slots["turn"] == t
    assert reply.slots["done"] and sim.done


def test_answer_noise_flips_about_p_of_answers(lastfm_catalog, lastfm_episodes) -> None:
    sim = AttributeSimulator(lastfm_catalog, lastfm_episodes[:200], AttributeSimConfig(answer_noise=0.3, max_turns=1000))
    flips = asks = 0
    for _ in range(40):
        sim.reset()
        for tag in lastfm_catalog.schema.get("tags").values[:50]:
            reply = sim.respond(Action("ask", attribute=f"tags={tag}"))
            flips += (reply.name == "affirm") != reply.slots["truth"]
            asks += 1
    assert 0.25 < flips / asks < 0.35


def test_determinism_under_seed(lastfm_catalog, lastfm_episodes) -> None:
    def run(seed: int) -> list:
        sim = AttributeSimulator(lastfm_catalog, lastfm_episodes, AttributeSimConfig(answer_noise=0.2))
        out = [sim.reset(seed=seed).slots["attribute"]]
        out += [sim.respond(Action("ask", attribute="tags=1")).name for _ in range(5)]
        out += [sim.reset().slots["attribute"] for _ in range(5)]
        return out

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_movie_catalog_schema_attributes(default_catalog) -> None:
    eps = episodes_from_interactions(default_catalog, "dev")
    sim = AttributeSimulator(default_catalog, eps[:100], AttributeSimConfig(attributes=("genres", "decade")))
    opening = sim.reset(seed=0)
    assert sim.episode is not None
    target = default_catalog.item(sim.episode.target)
    name, value = opening.slots["attribute"].split("=", 1)
    assert value in target.values(name)
    reply = sim.respond(Action("ask", attribute="genres"))
    assert reply.name == "inform" and set(reply.slots["values"]) == {f"genres={g}" for g in target.values("genres")}
    decade = target.values("decade")[0]
    assert sim.respond(Action("ask", attribute=f"decade={decade}")).name == "affirm"


def test_redial_jsonl_split_gives_liked_movies(data_dir, redial_catalog) -> None:
    eps = load_episodes(data_dir / "redial" / "train_subset_1000_annotated.jsonl", redial_catalog)
    assert len(eps) > 500 and all(e.target in redial_catalog for e in eps)


def test_bad_config_and_data_are_clear_errors(tmp_path, lastfm_catalog, lastfm_episodes) -> None:
    with pytest.raises(SimulatorError, match="unknown attribute 'colour'"):
        AttributeSimulator(lastfm_catalog, lastfm_episodes, AttributeSimConfig(attributes=("colour",)))
    with pytest.raises(SimulatorError, match="empty split"):
        AttributeSimulator(lastfm_catalog, [])
    with pytest.raises(SimulatorError, match="'no-such-item'.*not in catalog"):
        AttributeSimulator(lastfm_catalog, [Episode("u1", "no-such-item")])
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    with pytest.raises(SimulatorError, match="empty split"):
        load_episodes(empty, lastfm_catalog)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(["not", "a", "dict"]))
    with pytest.raises(SimulatorError, match="expected a JSON object"):
        load_episodes(bad, lastfm_catalog)
    with pytest.raises(SimulatorError, match="answer noise"):
        AttributeSimulator(lastfm_catalog, lastfm_episodes, AttributeSimConfig(answer_noise=0.9))
    sim = AttributeSimulator(lastfm_catalog, lastfm_episodes)
    sim.reset()
    with pytest.raises(SimulatorError, match="unknown action kind"):
        sim.respond(Action("dance"))
