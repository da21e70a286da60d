"""`crs train ...`, and the attribute-simulator env factory shared with `crs eval simulate`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from crs.errors import CRSError
from ui.common import DataDirOpt, JsonOpt, console, err_console, load, print_json


def policy_episodes(cat, data_dir: Optional[Path], split: Optional[Path], part: str):  # type: ignore[no-untyped-def]
    """Episodes of the attribute simulator: --split FILE, else LastFM*'s train/valid split, else interactions."""
    from simulators.attribute import episodes_from_interactions, load_episodes

    if split is not None:
        return load_episodes(split, cat)
    if cat.name == "lastfm-star":
        name = "review_dict_train.json" if part == "train" else "review_dict_valid.json"
        return load_episodes(Path(cat.meta["root"]) / "UI_Interaction_data" / name, cat)
    return episodes_from_interactions(cat, part)


def policy_env_factory(cat, episodes, simulator: str, initiative: float = 0.0, prior: str = "popularity"):  # type: ignore[no-untyped-def]
    """(answer_noise, seed) -> DialogueEnv around the named simulator (the env never imports simulators)."""
    from crs.dialogue.observe import askable, chat_ask_space
    from crs.policy.env import DialogueEnv, EnvConfig
    from crs.policy.prior import build_prior
    from simulators.attribute import AttributeSimConfig, AttributeSimulator

    if simulator != "attribute":
        raise CRSError(f"unknown simulator {simulator!r} for the attribute-level policy env; valid: attribute")
    space = chat_ask_space(cat)  # the chat agent's ask space (same ids as in chat)
    item_prior = build_prior(cat, prior)

    def make(noise: float, seed: int, belief=None):  # type: ignore[no-untyped-def]
        sim = AttributeSimulator(cat, episodes, AttributeSimConfig(answer_noise=noise, initiative=initiative, seed=seed,
                                                                  attributes=askable(cat)))
        return DialogueEnv(cat, space, sim, EnvConfig() if belief is None else EnvConfig(belief=belief), prior=item_prior)

    return make


def train_sequence(
    catalog: str = typer.Option("redial", "--catalog", "-c", help="Only redial: sequences come from ReDial dialogues."),
    data_dir: Path | None = DataDirOpt,
    epochs: int | None = typer.Option(None, "--epochs", help="Override the number of epochs."),
    force: bool = typer.Option(False, "--force", help="Retrain even if a cached model exists."),
    as_json: bool = JsonOpt,
) -> None:
    """Train the order-aware sequence model on the train split of the ReDial train dialogues."""
    from dataclasses import asdict, replace

    from crs.config import data_dir as resolve_data_dir
    from crs.ranking.sequence import SequenceConfig, redial_train_split, train_or_load

    if catalog != "redial":
        raise CRSError(f"the sequence model is trained on ReDial dialogues: use --catalog redial (got {catalog!r})")
    cat = load(catalog, data_dir)
    train, dev = redial_train_split(resolve_data_dir(data_dir) or "")
    config = SequenceConfig() if epochs is None else replace(SequenceConfig(), epochs=epochs)
    log = None if as_json else err_console.print
    model, path, trained = train_or_load(cat, train, config, force=force, log=log)
    out = {"path": str(path), "trained_now": trained, "train_dialogues": len(train), "dev_dialogues": len(dev),
           "config": asdict(config), "history": model.history}
    if as_json:
        print_json(out)
        return
    console.print(f"sequence model {'trained' if trained else 'loaded from cache'}: {path}")


def train_policy(
    catalog: str = typer.Option("lastfm-star", "--catalog", "-c", help="lastfm-star | redial | default"),
    data_dir: Optional[Path] = DataDirOpt,
    simulator: str = typer.Option("attribute", "--simulator", help="attribute (attribute-level env) | natural (through the chat agent, redial)."),
    split: Optional[Path] = typer.Option(None, "--split", help="Training split (default: LastFM* train / catalog interactions)."),
    dev_split: Optional[Path] = typer.Option(None, "--dev-split", help="Split for periodic evaluation (default: 10% of the training users, carved out)."),
    minutes: float = typer.Option(10.0, "--minutes", help="Wall-clock training budget."),
    seed: int = typer.Option(0, "--seed"),
    prior: str = typer.Option("collaborative", "--prior", help="Item prior: collaborative (user-kNN) | popularity."),
    prior_weight: Optional[float] = typer.Option(None, "--prior-weight", help="Exponent on the prior in the belief (default 0.2 collaborative, 1.0 popularity)."),
    as_json: bool = JsonOpt,
) -> None:
    """Train the unified ask/recommend/wait DQN policy; the checkpoint goes to the cache directory."""
    import torch

    from crs.policy.belief import BeliefConfig
    from crs.policy.dqn import train
    from ui.policy_train import cli_args, env_factory, training_data

    torch.set_num_threads(1)
    cat = load(catalog, data_dir)
    if simulator == "natural":  # DQN trained through the whole chat agent (ChatEnv; ui/chat_policy.py)
        from ui.chat_policy import train_natural_command

        out = train_natural_command(cat, data_dir, minutes, seed, prior, not as_json,
                                    {"--split": split, "--dev-split": dev_split, "--prior-weight": prior_weight})
        print_json(out) if as_json else console.print(out)
        return
    if prior == "collaborative" and cat.interactions is None:
        prior = "popularity"
    belief = BeliefConfig(prior_weight=prior_weight or (0.2 if prior == "collaborative" else 1.0))
    data = training_data(cat, data_dir, split, dev_split, seed=seed)  # dev: carved out of the training users
    make = env_factory(cat, data.train, simulator, prior, belief)
    make_dev = env_factory(cat, data.dev, simulator, prior, belief)
    res = train(cli_args(minutes, seed, prior, belief), cat, make, make_dev, progress=not as_json)
    out = {"checkpoint": str(res.path), "steps": res.steps, "episodes": res.episodes, "seconds": round(res.seconds, 1),
           "dev": data.dev_source, "dev_episodes": len(data.dev), "best": res.best}
    if as_json:
        print_json(out)
    else:
        console.print(out)
