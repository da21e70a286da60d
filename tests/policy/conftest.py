"""Shared fixtures for the policy tests: LastFM* ask space and small real episode slices."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def lastfm_space(lastfm_catalog):  # type: ignore[no-untyped-def]
    from crs.policy.space import build_ask_space

    return build_ask_space(lastfm_catalog)


@pytest.fixture(scope="session")
def lastfm_valid(data_dir, lastfm_catalog):  # type: ignore[no-untyped-def]
    from simulators.attribute import load_episodes

    return load_episodes(data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_valid.json", lastfm_catalog)


@pytest.fixture()
def make_env(lastfm_catalog, lastfm_space, lastfm_valid):  # type: ignore[no-untyped-def]
    from crs.policy.env import DialogueEnv, EnvConfig
    from simulators.attribute import AttributeSimConfig, AttributeSimulator

    def make(policy=None, noise: float = 0.0, n: int = 400, seed: int = 0, prior=None):  # type: ignore[no-untyped-def]
        sim = AttributeSimulator(lastfm_catalog, lastfm_valid[:n], AttributeSimConfig(answer_noise=noise, seed=seed))
        cfg = EnvConfig() if policy is None else EnvConfig(belief=policy.belief)
        return DialogueEnv(lastfm_catalog, lastfm_space, sim, cfg, prior=prior)

    return make
