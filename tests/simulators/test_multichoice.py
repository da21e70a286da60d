"""The multi-interest user of the multi-choice protocol (MCMIPL / SAPIENT) on real LastFM* episodes."""

from __future__ import annotations

import pytest

from crs.types import Action
from simulators.attribute import AttributeSimConfig, SimulatorError, load_episodes
from simulators.multichoice import MultiChoiceSimulator, multi_interest_episodes


@pytest.fixture(scope="module")
def pairs(data_dir, lastfm_catalog):  # type: ignore[no-untyped-def]
    return load_episodes(data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_valid.json", lastfm_catalog)[:600]


def _tags(catalog, item: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {f"tags={v}" for v in catalog.item(item).values("tags")}


def test_episodes_are_the_users_own_items_sharing_a_value(lastfm_catalog, pairs) -> None:
    eps = multi_interest_episodes(lastfm_catalog, pairs, ("tags",), n_targets=3, seed=1)
    assert [(e.user, e.target) for e in eps] == [(p.user, p.target) for p in pairs if _tags(lastfm_catalog, p.target)]
    own = {(p.user, p.target) for p in pairs}
    sizes = [len(e.targets) for e in eps]
    assert max(sizes) == 3 and min(sizes) == 1 and sum(s > 1 for s in sizes) > len(eps) // 2
    for e in eps:
        assert len(set(e.targets)) == len(e.targets) and all((e.user, t) in own for t in e.targets)
        assert set.intersection(*(_tags(lastfm_catalog, t) for t in e.targets))
    assert eps == multi_interest_episodes(lastfm_catalog, pairs, ("tags",), n_targets=3, seed=1)
    assert all(len(e.targets) == 1 for e in multi_interest_episodes(lastfm_catalog, pairs, ("tags",), n_targets=1))
    with pytest.raises(SimulatorError, match="n_targets"):
        multi_interest_episodes(lastfm_catalog, pairs, ("tags",), n_targets=0)


def test_the_user_picks_every_offered_value_any_target_has(lastfm_catalog, pairs) -> None:
    eps = [e for e in multi_interest_episodes(lastfm_catalog, pairs, ("tags",), seed=0) if len(e.targets) == 3]
    sim = MultiChoiceSimulator(lastfm_catalog, eps[:50], AttributeSimConfig(seed=2))
    all_tags = [f"tags={v}" for v in lastfm_catalog.schema.get("tags").values]
    for _ in range(20):
        opening = sim.reset()
        assert sim.episode is not None
        per = [_tags(lastfm_catalog, t) for t in sim.episode.targets]
        assert opening.name == "inform" and opening.slots["attribute"] in set.intersection(*per)
        only_b = next(iter(per[1] - per[0]), None)
        outside = next(u for u in all_tags if not any(u in p for p in per))
        offered = [u for u in (only_b, outside, next(iter(per[0]))) if u]
        r = sim.respond(Action("ask", attribute="|".join(offered)))
        assert r.name == "choose" and set(r.slots["values"]) == set(offered) - {outside}
        assert r.slots["rejected"] == (outside,)
        assert sim.respond(Action("ask", attribute=outside)).name == "deny"
        assert sim.respond(Action("ask", attribute=offered[0])).name == "affirm"
        miss = sim.respond(Action("recommend", items=("no-such", sim.episode.targets[0])))
        assert miss.name == "accept" and miss.slots["rank"] == 2 and miss.slots["done"] is True


def test_bad_questions_and_recommendations_are_errors(lastfm_catalog, pairs) -> None:
    eps = multi_interest_episodes(lastfm_catalog, pairs, ("tags",))
    sim = MultiChoiceSimulator(lastfm_catalog, eps, AttributeSimConfig(max_turns=2))
    sim.reset(seed=0)
    for bad in ("tags", "genre=rock|tags=x", ""):
        with pytest.raises(SimulatorError):
            sim.respond(Action("ask", attribute=bad))
    with pytest.raises(SimulatorError, match="at most"):
        sim.respond(Action("recommend", items=tuple(lastfm_catalog.ids[:11])))
    assert sim.respond(Action("wait")).name == "none"
    assert sim.respond(Action("recommend", items=("x",))).slots["done"] is True
    with pytest.raises(SimulatorError, match="episode is over"):
        sim.respond(Action("wait"))
    with pytest.raises(SimulatorError, match="empty"):
        MultiChoiceSimulator(lastfm_catalog, [])
