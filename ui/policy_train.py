"""`crs train policy`: training and dev environments for the DQN (attribute simulator).

Both come from the TRAIN pairs: a dev set is carved out of the train users
(`crs.policy.training_data.carve_dev`) unless `--dev-split` names a file, and training episodes are
resampled toward long-tail targets on LastFM* (`long_tail_resample`, alpha 1). With the
collaborative prior every episode holds its target out of the user's history
(`crs.policy.prior.HeldOutPrior`): train pairs are in the interaction matrix the prior is built from,
and without this the prior pushes the target to the bottom (bayes-cf: SR@15 0.56 on such episodes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crs.errors import CRSError


@dataclass(frozen=True)
class TrainingData:
    train: list[Any]
    dev: list[Any]
    dev_source: str
    alpha: float


def training_data(cat: Any, data_dir: Path | None, split: Path | None, dev_split: Path | None,
                  seed: int = 0, dev_fraction: float = 0.1, n_train: int = 60_000, n_dev: int = 600) -> TrainingData:
    """Train episodes (LastFM* train / --split / catalog interactions) and dev episodes carved from them."""
    from crs.policy.training_data import carve_dev, long_tail_resample
    from simulators.attribute import episodes_from_interactions, load_episodes

    if split is not None:
        pairs = load_episodes(split, cat)
    elif cat.name == "lastfm-star":
        pairs = load_episodes(Path(cat.meta["root"]) / "UI_Interaction_data" / "review_dict_train.json", cat)
    else:
        pairs = episodes_from_interactions(cat, "train")
    if dev_split is not None:
        train, dev, source = pairs, load_episodes(dev_split, cat), str(dev_split)
    else:
        train, dev = carve_dev(pairs, dev_fraction, seed)
        source = f"carved from the training pairs (all pairs of {dev_fraction:.0%} of the users)"
    alpha = 1.0 if cat.name == "lastfm-star" else 0.0
    train = long_tail_resample(train, cat, n_train, alpha, seed)
    if dev_split is None:
        dev = long_tail_resample(dev, cat, n_dev, alpha, seed + 1, replace=False)
    return TrainingData(train, dev, source, alpha)


def env_factory(cat: Any, episodes: list[Any], simulator: str = "attribute", prior: str = "collaborative",
                belief: Any = None):  # type: ignore[no-untyped-def]
    """(answer_noise, seed) -> DialogueEnv (with `belief`, the policy's belief config) whose collaborative
    prior holds each episode's target out of the user's history."""
    from crs.dialogue.observe import askable, chat_ask_space
    from crs.policy.env import DialogueEnv, EnvConfig
    from crs.policy.prior import CollaborativePrior, HeldOutPrior, build_prior
    from simulators.attribute import AttributeSimConfig, AttributeSimulator

    if simulator != "attribute":
        raise CRSError(f"unknown simulator {simulator!r} for the attribute-level policy env; valid: attribute")
    space = chat_ask_space(cat)  # the chat agent's ask space: a checkpoint works in chat (ids agree)
    item_prior = build_prior(cat, prior)

    default_belief = belief

    def make(noise: float, seed: int, belief=None):  # type: ignore[no-untyped-def]
        sim = AttributeSimulator(cat, episodes, AttributeSimConfig(answer_noise=noise, seed=seed, attributes=askable(cat)))
        p = item_prior
        if isinstance(item_prior, CollaborativePrior):
            p = HeldOutPrior(item_prior, cat, lambda: sim.episode.target if sim.episode is not None else None)
        b = belief or default_belief
        return DialogueEnv(cat, space, sim, EnvConfig() if b is None else EnvConfig(belief=b), prior=p)

    return make


def cli_args(minutes: float, seed: int, prior: str, belief: Any) -> Any:
    """`crs train policy` defaults: DQfD from the bayes rule (threshold 0.2 with the collaborative prior,
    0.5 with popularity), 2,000 demonstrated episodes, 2,000 pretraining steps, then double DQN with
    ε = 0.05, learning rate 1e-4 and half of every batch replaying demonstrations; dev evaluations
    of 500 episodes per noise level every 8,000 steps (the pretrained network is evaluated too)."""
    from crs.policy.dqn import Args

    return Args(minutes=minutes, seed=seed, prior=prior, belief=belief,
                guide_threshold=0.2 if prior == "collaborative" else 0.5, guide_share=0.0,
                demo_episodes=2_000, pretrain_steps=2_000, demo_share=0.5, learning_rate=1e-4,
                eps_start=0.05, eps_end=0.05, eps_steps=1, target_every=1_000,
                eval_every=8_000, eval_episodes=500)
