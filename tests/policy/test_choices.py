"""Multi-choice questions on real LastFM*: derived value types, the values a question offers, the
belief update for a multi-interest answer, and the protocol end to end (`crs eval simulate
--protocol multi-choice`)."""

from __future__ import annotations

import json

import numpy as np
import pytest


@pytest.fixture(scope="module")
def types(lastfm_space):  # type: ignore[no-untyped-def]
    from crs.policy.choices import value_types

    return value_types(lastfm_space, seed=0)


def test_types_group_the_tags_deterministically(lastfm_space, types) -> None:
    from crs.policy.choices import N_TYPES, value_types

    assert types.shape == (lastfm_space.n_units,) and len(np.unique(types)) == N_TYPES
    sizes = np.bincount(types)
    assert sizes.max() < lastfm_space.n_units // 2  # not one type holding nearly everything
    assert np.array_equal(types, value_types(lastfm_space, seed=0))


def test_a_question_offers_the_choice_and_informative_values_of_its_type(lastfm_catalog, lastfm_space, types) -> None:
    from crs.policy.belief import Belief, BeliefConfig
    from crs.policy.choices import offer
    from crs.policy.env import popularity_prior

    b = Belief(lastfm_space, BeliefConfig(), popularity_prior(lastfm_catalog))
    b.inform(lastfm_space.index[lastfm_space.labels[int(np.argmax(np.diff(lastfm_space.columns.indptr)))]])
    unit = int(next(u for u in b.units if not b.asked_mask[u]))
    got = offer(b, types, unit, 3)
    assert got[0] == unit and len(got) == 3 and len(set(got)) == 3
    assert all(types[u] == types[unit] and not b.asked_mask[u] for u in got)
    assert offer(b, types, unit, 1) == [unit]


def test_a_multi_interest_answer_keeps_items_with_any_accepted_value(lastfm_catalog, lastfm_space) -> None:
    from crs.policy.belief import Belief, BeliefConfig
    from crs.policy.env import popularity_prior

    b = Belief(lastfm_space, BeliefConfig(), popularity_prior(lastfm_catalog))
    x, y, z = (int(u) for u in np.argsort(-np.diff(lastfm_space.columns.indptr))[:3])
    b.choose([x, y], [z])
    has = {u: set(lastfm_space.item_rows(u).tolist()) for u in (x, y, z)}
    consistent = set(b.rows[b.candidates()].tolist())
    assert consistent == (has[x] | has[y]) - has[z]
    assert b.asked_mask[[x, y, z]].all() and b.yes == [x, y] and b.no == [z]


def test_multi_choice_protocol_end_to_end(data_dir) -> None:
    from typer.testing import CliRunner

    from ui.cli import app

    split = data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_valid.json"
    args = ["eval", "simulate", "--catalog", "lastfm-star", "--split", str(split), "--policy", "bayes",
            "--episodes", "120", "--json", "--data-dir", str(data_dir)]
    runs = {}
    for proto in ("binary", "multi-choice"):
        r = CliRunner().invoke(app, [*args, "--protocol", proto])
        assert r.exit_code == 0, r.output
        runs[proto] = json.loads(r.output)
    mc = runs["multi-choice"]
    assert mc["protocol"] == "multi-choice" and mc["episodes"] == 120
    assert 0.5 < mc["sr_at_15"] <= 1.0 and 1 <= mc["avg_turns"] <= 15
    assert mc != runs["binary"]
    bad = CliRunner().invoke(app, [*args, "--protocol", "multiple"])
    assert bad.exit_code != 0 and "binary, multi-choice" in str(bad.exception)


def test_multi_choice_checkpoints_have_their_own_file_and_bad_protocols_are_refused(lastfm_catalog, lastfm_space) -> None:
    from typer.testing import CliRunner

    from crs.policy.policy import checkpoint_path
    from ui.cli import app

    binary, multi = checkpoint_path(lastfm_catalog, lastfm_space), checkpoint_path(lastfm_catalog, lastfm_space, protocol="multi-choice")
    assert binary != multi and binary.parent == multi.parent and "multi-choice" in multi.name
    r = CliRunner().invoke(app, ["train", "policy", "--catalog", "lastfm-star", "--protocol", "both", "--minutes", "0.01"])
    assert r.exit_code != 0 and "binary, multi-choice" in str(r.exception)


def test_bayes_cf_mc_finds_multi_interest_targets_sooner_than_bayes_cf(lastfm_catalog, data_dir) -> None:  # type: ignore[no-untyped-def]
    """Under the multi-choice protocol the answers of a multi-interest user contradict each other, so
    the prior deserves more weight: `bayes-cf-mc` (weight 0.6, threshold 0.3) against `bayes-cf` (0.2,
    0.2) on long-tail pairs of held-out train users (on 600 of them: turns 4.74 -> 3.92)."""
    from crs.policy import load_policy
    from crs.policy.episodes import evaluate
    from crs.policy.training_data import carve_dev, long_tail_resample
    from simulators.attribute import load_episodes
    from ui.cli.factories import multi_choice_env_factory

    pairs = load_episodes(data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_train.json", lastfm_catalog)
    dev = long_tail_resample(carve_dev(pairs, 0.1, seed=0)[1], lastfm_catalog, 600, 1.0, seed=1, replace=False)
    scores = {}
    for name in ("bayes-cf", "bayes-cf-mc"):
        pol = load_policy(None, name)
        env = multi_choice_env_factory(lastfm_catalog, dev, "collaborative", pol.belief, hold_out=True)(0.0, 0)
        scores[name] = evaluate(env, pol, 200, seed=0)
    assert scores["bayes-cf-mc"]["avg_turns"] < scores["bayes-cf"]["avg_turns"] - 0.3
    assert scores["bayes-cf-mc"]["hdcg"] > scores["bayes-cf"]["hdcg"]
