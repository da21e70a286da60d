"""`crs train nlu|policy|retriever`: train learned components (outputs go to the cache directory).

The trainers and their hyper-parameters live in the engine (`crs.policy.dqn`: `attribute_args`,
`natural_args`; `crs.eval.chat_training`); the commands parse flags and
hand the trainers the environments built around a simulator of their choice (`ui.cli.factories`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from crs.config import torch_threads
from crs.errors import CRSError
from crs.types import Catalog
from ui.cli.common import DataDirOpt, JsonOpt, PathOpt, console, dd, err_console, load, print_json
from ui.cli.factories import TrainingUsers, training_users

GOAL_SHARE = 0.5
"""Share of the training dialogues the chat policy's simulated users take goals from; the agent it
trains in learns from the other half only, so no training seeker finds itself in the collaborative data."""

if TYPE_CHECKING:
    from crs.dialogue.chat_env import TextSimulator
    from crs.policy.dqn import Args, TrainResult


def train_nlu(data_dir: Path | None = DataDirOpt, as_json: bool = JsonOpt) -> None:
    """Train the mention-sentiment (ReDial) and intent (IARD) models and write them to data/models/
    (the artifacts the chat loads; building the agent never trains them)."""
    from crs.config import data_dir as resolve
    from crs.nlu.train import SHIPPED_DIR, train_shipped

    root = resolve(data_dir)
    if root is None:
        raise CRSError("crs train nlu needs the real data: pass --data-dir DIR or set CRS_DATA_DIR")
    torch_threads(1)
    out = {"dir": str(SHIPPED_DIR), **train_shipped(root)}
    print_json(out) if as_json else console.print(out)


def train_policy(
    catalog: str = typer.Option("lastfm-star", "--catalog", "-c", help="lastfm-star | redial | default | jsonl (with --path)"),
    data_dir: Optional[Path] = DataDirOpt,
    path: Optional[Path] = PathOpt,
    simulator: str = typer.Option("attribute", "--simulator", help="attribute (attribute-level env) | natural (through the chat agent; redial or default, goals from ReDial dialogues)."),
    split: Optional[Path] = typer.Option(None, "--split", help="Training split (default: LastFM* train / catalog interactions)."),
    dev_split: Optional[Path] = typer.Option(None, "--dev-split", help="Split for periodic evaluation (default: 10% of the training users, carved out)."),
    minutes: float = typer.Option(10.0, "--minutes", help="Wall-clock training budget."),
    seed: int = typer.Option(0, "--seed"),
    prior: str = typer.Option("collaborative", "--prior", help="Item prior: collaborative (user-kNN) | popularity."),
    prior_weight: Optional[float] = typer.Option(None, "--prior-weight", help="Exponent on the prior in the belief (default 0.2 collaborative, 1.0 popularity)."),
    user_model: str = typer.Option("profile", "--user-model", help="natural: profile (target-free, default) | oracle (knows its target)."),
    goals: Optional[Path] = typer.Option(None, "--goals", help="natural: training goal dialogues (ReDial JSONL; default the train part of the ReDial train split)."),
    held_out: Optional[Path] = typer.Option(None, "--held-out", help="natural: dialogues evaluations will use as goals, removed from training goals and grammar (default the dev part)."),
    protocol: str = typer.Option("binary", "--protocol", help="attribute: binary (yes/no questions, one target) | multi-choice (MCMIPL/SAPIENT: multi-interest users, several values per question)."),
    ship: bool = typer.Option(False, "--ship", help="natural: also write the checkpoint where the project ships it (data/models/policy), the default policy of `crs chat` / `crs demo` for this catalog."),
    as_json: bool = JsonOpt,
) -> None:
    """Train the unified ask/recommend/wait DQN policy; the checkpoint goes to the cache directory."""
    from crs.policy.belief import BeliefConfig
    from crs.policy.dqn import attribute_args, train
    from ui.cli.factories import env_factory, multi_choice_env_factory, training_data

    if protocol not in ("binary", "multi-choice"):
        raise CRSError(f"unknown --protocol {protocol!r}; valid: binary, multi-choice")
    torch_threads(1)
    cat = load(catalog, data_dir, path)
    if simulator == "natural":  # DQN trained through the whole chat agent (ChatEnv)
        if protocol != "binary":
            raise CRSError("--protocol applies to --simulator attribute only")
        out = train_natural_command(cat, data_dir, minutes, seed, prior, not as_json,
                                    {"--split": split, "--dev-split": dev_split, "--prior-weight": prior_weight},
                                    user_model, goals, held_out)
        if ship:
            out["shipped"] = str(ship_checkpoint(cat, Path(out["checkpoint"])))
        print_json(out) if as_json else console.print(out)
        return
    if prior == "collaborative" and cat.interactions is None:
        prior = "popularity"
    belief = BeliefConfig(prior_weight=prior_weight) if prior_weight else None  # None: the preset's
    args = attribute_args(minutes, seed, prior, belief, protocol)
    data = training_data(cat, data_dir, split, dev_split, seed=seed)  # dev: carved out of the training users
    if protocol == "multi-choice":  # every target held out of the prior: the pairs are in its matrix
        make: Any = multi_choice_env_factory(cat, data.train, prior, args.belief, seed=seed, hold_out=True)
        make_dev: Any = multi_choice_env_factory(cat, data.dev, prior, args.belief, seed=seed, hold_out=True)
    else:
        make = env_factory(cat, data.train, simulator, prior, args.belief)
        make_dev = env_factory(cat, data.dev, simulator, prior, args.belief)
    res = train(args, cat, make, make_dev, progress=not as_json, protocol=protocol)
    out = {"checkpoint": str(res.path), "steps": res.steps, "episodes": res.episodes, "seconds": round(res.seconds, 1),
           "dev": data.dev_source, "dev_episodes": len(data.dev), "best": res.best, "protocol": protocol}
    if as_json:
        print_json(out)
    else:
        console.print(out)


def ship_checkpoint(cat: Catalog, checkpoint: Path) -> Path:
    """Copy a chat-trained checkpoint and its metadata to data/models/policy (replacing the catalog's old one)."""
    import shutil

    from crs.dialogue.decide import SHIPPED_POLICY_DIR, shipped_checkpoint
    from crs.dialogue.observe import chat_ask_space

    dest = shipped_checkpoint(cat, chat_ask_space(cat))
    SHIPPED_POLICY_DIR.mkdir(parents=True, exist_ok=True)
    for old in SHIPPED_POLICY_DIR.glob(f"dqn-natural-{cat.name}-*"):
        old.unlink()
    shutil.copyfile(checkpoint, dest)
    shutil.copyfile(checkpoint.with_suffix(".json"), dest.with_suffix(".json"))
    return dest


def train_natural_command(cat: Catalog, data_dir: Path | None, minutes: float, seed: int, prior: str, progress: bool,
                          attribute_only: dict[str, Any], user_model: str = "profile", goals: Path | None = None,
                          held_out: Path | None = None) -> dict[str, Any]:
    """`crs train policy --simulator natural`: options of the attribute path are errors here."""
    from crs.policy.dqn import natural_args

    given = [k for k, v in attribute_only.items() if v is not None]
    if given:
        raise CRSError(f"{', '.join(given)} apply to --simulator attribute only (the natural simulator draws goals "
                       "from the train part of the ReDial train dialogues)")
    if cat.name not in ("redial", "default", "jsonl"):
        raise CRSError(f"--simulator natural needs a movie catalog ReDial goals map onto by title and year "
                       f"(redial, default, or a jsonl movie catalog), not {cat.name!r}")
    users = training_users(cat, dd(data_dir), user_model, str(goals) if goals else None,
                           str(held_out) if held_out else None, seed, GOAL_SHARE)
    res = train_natural(cat, dd(data_dir), minutes, seed, progress=progress, args=natural_args(minutes, seed, prior),
                        users=users)
    return {"checkpoint": str(res.path), "simulator": "natural", "user_model": user_model, "steps": res.steps,
            "episodes": res.episodes, "seconds": round(res.seconds, 1), "best": res.best,
            "goal_dialogues": len(users.goal_conversations)}


def train_natural(cat: Catalog, data_dir: str | None, minutes: float, seed: int = 0, nlu: str = "learned",
                  progress: bool = True, cache: str | Path | None = None, args: Args | None = None,
                  users: TrainingUsers | None = None) -> TrainResult:
    """The DQN trained through the whole chat agent against simulated users (`users`, default the
    target-free profile users on the train goals; `crs.eval.chat_training.train_through_chat`);
    `args` overrides `natural_args(minutes, seed)`. The goal dialogues go into the checkpoint."""
    from crs.catalog import load_catalog
    from crs.eval.chat_training import train_through_chat
    from crs.policy.dqn import natural_args
    from ui.cli.factories import build_eval_agent

    users = users or training_users(cat, data_dir, seed=seed, share=GOAL_SHARE)
    if cat.name == "redial":  # learn nothing from the goal or held-out seekers (no pseudo-user rows, counts, reviews)
        cat = load_catalog("redial", data_dir=data_dir, exclude_ids=users.goal_conversations | users.held_out)
    agent = build_eval_agent(cat, data_dir, nlu, "bayes", None, 3)

    def simulator(seed: int) -> TextSimulator:
        return users(seed)

    return train_through_chat(agent, cat, simulator, args or natural_args(minutes, seed), cache=cache,
                              progress=progress, goal_conversations=users.goal_conversations,
                              provenance={"user_model": users.user_model, "held_out": len(users.held_out),
                                          "catalog_fingerprint": cat.fingerprint()})


def train_retriever(
    data_dir: Path | None = DataDirOpt,
    epochs: int | None = typer.Option(None, "--epochs", help="Override the projection's epochs."),
    seed: int = typer.Option(0, "--seed", help="Seed of the projection's initialisation and batches."),
    no_fusion: bool = typer.Option(False, "--no-fusion", help="Train the projection only (keep fusion.json)."),
    as_json: bool = JsonOpt,
) -> None:
    """Train the dialogue-to-item query projection (ReDial train split) and fit the fusion weights
    (dev tuning half); writes them to data/models/ (the agent only loads them)."""
    from dataclasses import replace

    from crs.ranking.retriever_train import ProjectionConfig, train_and_ship

    torch_threads(1)
    cat = load("redial", data_dir)
    cfg = replace(ProjectionConfig(), seed=seed, epochs=epochs or ProjectionConfig().epochs)
    out = train_and_ship(cat, dd(data_dir), config=cfg, fusion=not no_fusion,
                         log=None if as_json else err_console.print)
    print_json(out) if as_json else console.print(out)
