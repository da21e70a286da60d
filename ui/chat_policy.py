"""The DQN trained through the chat agent, and the transfer check (issue 9 item 2; composition root).

- `natural_simulator(cat, data_dir, seed, part)`: the natural-language simulator on one part of the
  ReDial train dialogues, split by `split_dialogues(0.2, seed 0)` (docs/ranking.md): `train` mines
  grammar and goals from the 80 % train part only; `dev` keeps the grammar of all train files (as
  `crs eval simulate --simulator natural`) and draws goals from the 20 % dev part only.
- `train_natural(...)`: `crs train policy --simulator natural`: double DQN (`crs.policy.dqn.train`)
  on `crs.dialogue.chat_env.ChatEnv` (one shared agent, train goals; periodic evaluation on other
  episodes of the train goals, so the dev part stays unseen). Checkpoint:
  `crs.dialogue.decide.dqn_checkpoint(cat, chat_ask_space(cat), "natural")`.
- `run_transfer(...)`: `crs eval transfer`: every policy of `policies` (default: the shipped `bayes`
  rule, `dqn` trained on the attribute simulator, `dqn-natural`) in the same agent, on the NL
  simulator's dev goals (SR@15, AT, hDCG, actions) and on replayed real dialogues (decision
  agreement with the human recommender, Recall@k of the human's movies), plus the gaps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crs.errors import CRSError

DEV_FRACTION, SPLIT_SEED = 0.2, 0
DEFAULT_POLICIES = ("bayes", "dqn", "dqn-natural")


def redial_split(data_dir: str | None) -> tuple[list[Any], list[Any]]:
    """(train, dev) dialogues of the ReDial train files, `split_dialogues(0.2, seed 0)`."""
    from crs.catalog.dialogues import read_dialogues, split_dialogues
    from crs.catalog.redial import DEFAULT_DIALOGUES
    from crs.config import data_dir as resolve

    root = resolve(data_dir)
    files = [Path(root) / f for f in DEFAULT_DIALOGUES] if root is not None else []
    if not files or not all(f.is_file() for f in files):
        raise CRSError(f"ReDial train dialogues not found under {root}; pass --data-dir")
    return split_dialogues([d for f in files for d in read_dialogues(f).dialogues], DEV_FRACTION, SPLIT_SEED)


def natural_simulator(cat: Any, data_dir: str | None, seed: int, part: str) -> Any:
    """A NaturalSimulator whose goals (and, for `train`, grammar) come from one part of the split."""
    from simulators.latent import GoalPool
    from simulators.natural import NaturalSimulator, build_natural

    _, dev = redial_split(data_dir)
    if part == "train":
        return build_natural(cat, data_dir, seed=seed, exclude_ids={d.conversation_id for d in dev})
    if part != "dev":
        raise CRSError(f"unknown part {part!r}; valid: train, dev")
    full = build_natural(cat, data_dir, seed=seed)
    return NaturalSimulator(cat, full.config, seed, grammar=full.grammar, goals=GoalPool.from_dialogues(cat, dev),
                            vocab=full.vocab)


def natural_args(minutes: float, seed: int, prior: str = "collaborative") -> Any:
    """DQN arguments for the chat env: ~7 agent turns/s here, so small evaluations and short ε decay."""
    from crs.policy.belief import BeliefConfig
    from crs.policy.dqn import Args

    return Args(minutes=minutes, seed=seed, train_noise=(0.0,), eval_every=1_500, eval_episodes=30,
                eps_steps=2_000, learning_starts=300, buffer_size=20_000, batch_size=64, target_every=250,
                guide_share=0.7, guide_threshold=0.2 if prior == "collaborative" else 0.5, prior=prior,
                belief=BeliefConfig(prior_weight=0.2 if prior == "collaborative" else 1.0))


def train_natural_command(cat: Any, data_dir: Path | None, minutes: float, seed: int, prior: str, progress: bool,
                          attribute_only: dict[str, Any]) -> dict[str, Any]:
    """`crs train policy --simulator natural`: options of the attribute path are errors here."""
    given = [k for k, v in attribute_only.items() if v is not None]
    if given:
        raise CRSError(f"{', '.join(given)} apply to --simulator attribute only (the natural simulator draws goals "
                       "from the train part of the ReDial train dialogues)")
    if cat.name != "redial":
        raise CRSError(f"--simulator natural needs the redial catalog (ReDial dialogues), not {cat.name!r}")
    res = train_natural(cat, str(data_dir) if data_dir else None, minutes, seed, progress=progress,
                        args=natural_args(minutes, seed, prior))
    return {"checkpoint": str(res.path), "simulator": "natural", "steps": res.steps, "episodes": res.episodes,
            "seconds": round(res.seconds, 1), "best": res.best}


def train_natural(cat: Any, data_dir: str | None, minutes: float, seed: int = 0, nlu: str = "learned",
                  progress: bool = True, cache: str | Path | None = None, args: Any = None) -> Any:
    """Train the DQN through the whole chat agent against the NL simulator (train goals only);
    `args` overrides `natural_args(minutes, seed)`, `cache` the cache directory of the checkpoint."""
    from crs.dialogue.chat_env import ChatEnv, ChatEnvConfig
    from crs.dialogue.decide import dqn_checkpoint
    from crs.dialogue.observe import chat_ask_space
    from crs.policy.dqn import train
    from ui.eval_factories import build_eval_agent

    args = args or natural_args(minutes, seed)
    agent = build_eval_agent(cat, data_dir, nlu, "bayes", None, 3)
    cfg = ChatEnvConfig(n_ask=args.n_ask, top_k=args.top_k, belief=args.belief, prior=args.prior)

    def make(noise: float, s: int) -> ChatEnv:
        return ChatEnv(agent, natural_simulator(cat, data_dir, s, "train"), cfg)

    path = dqn_checkpoint(cat, chat_ask_space(cat), "natural", cache)
    return train(args, cat, make, make, cache=path.parent.parent, progress=progress)


def _nl_metrics(agent: Any, sim: Any, pop: Callable[[str], float], seeds: list[int], log: Callable[[str], None]) -> dict[str, Any]:
    from crs.eval.natural import aggregate, play_episode
    from ui.eval_factories import natural_target

    results = [play_episode(agent, sim, s, 15, pop, natural_target) for s in seeds]
    m = aggregate(results)
    log(f"  NL: SR@15 {m['sr_at_15']:.3f}, AT {m['avg_turns']:.2f}")
    return {k: m[k] for k in ("episodes", "sr_at_5", "sr_at_10", "sr_at_15", "avg_turns", "hdcg", "action_shares",
                              "failure_causes") if k in m}


def run_transfer(catalog: str, data_dir: Path | None, dialogues: Path, episodes: int, replay_dialogues: int, seed: int,
                 nlu: str = "learned", policies: tuple[str, ...] = DEFAULT_POLICIES,
                 paths: dict[str, str] | None = None, log: Callable[[str], None] = lambda m: None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each policy in the same agent on the NL simulator (dev goals) and on replayed real dialogues."""
    from crs.catalog import load_catalog
    from crs.dialogue.build import with_policy
    from crs.eval.natural import episode_seeds, popularity_percentiles, prepare_agent
    from crs.eval.transfer import play_replay, replay_metrics
    from simulators.replay import ReplaySimulator, load_replay_dialogues
    from ui.eval_factories import build_eval_agent

    if min(episodes, replay_dialogues) < 1 or not policies:
        raise CRSError("--episodes and --dialogues-n must be positive and --policies non-empty")
    dd = str(data_dir) if data_dir else None
    cat = load_catalog(catalog, data_dir=dd)
    base = prepare_agent(build_eval_agent(cat, dd, nlu, "bayes", None, 3))
    for name in policies:  # fail before any long run: a missing checkpoint says how to train it
        with_policy(base, name, (paths or {}).get(name))
    nsim = natural_simulator(cat, dd, seed, "dev")
    rsim = ReplaySimulator(load_replay_dialogues(dialogues, cat), cat)
    n_replay = min(replay_dialogues, len(rsim.dialogues))
    pop, seeds, rows, t0 = popularity_percentiles(cat), episode_seeds(seed, episodes), {}, time.perf_counter()
    for name in policies:
        agent = with_policy(base, name, (paths or {}).get(name))
        log(f"{name}: {episodes} NL episodes (dev goals), {n_replay} replayed dialogues")
        rows[name] = {"natural": _nl_metrics(agent, nsim, pop, seeds, log),
                      "replay": replay_metrics([play_replay(agent, rsim, i) for i in range(n_replay)]),
                      "checkpoint": (paths or {}).get(name) or _checkpoint_of(cat, name)}
        log(f"  replay: decision acc. {rows[name]['replay']['decision_accuracy']}, Recall@k {rows[name]['replay']['recall_at_k']}")
    report = {"policies": rows, "gaps": _gaps(rows), "seconds": round(time.perf_counter() - t0, 1),
              "nl_goals": "dev part of split_dialogues(ReDial train files, 0.2, seed 0)",
              "replay_file": str(dialogues), "replayed_dialogues": n_replay}
    config = {"catalog": catalog, "data_dir": dd, "dialogues": str(dialogues), "episodes": episodes,
              "replay_dialogues": replay_dialogues, "seed": seed, "nlu": nlu, "policies": list(policies),
              "paths": paths or {}}
    return report, config


def _checkpoint_of(cat: Any, name: str) -> str | None:
    from crs.dialogue.decide import dqn_checkpoint
    from crs.dialogue.observe import chat_ask_space

    if name not in ("dqn", "dqn-natural"):
        return None
    return str(dqn_checkpoint(cat, chat_ask_space(cat), "natural" if name == "dqn-natural" else "attribute"))


def _gaps(rows: dict[str, Any]) -> dict[str, Any]:
    """Differences on each metric: natural-trained minus attribute-trained DQN, and each DQN minus bayes."""
    pairs = [("dqn-natural", "dqn"), ("dqn", "bayes"), ("dqn-natural", "bayes")]
    keys = (("natural", "sr_at_15"), ("natural", "avg_turns"), ("replay", "decision_accuracy"), ("replay", "recall_at_k"))
    out: dict[str, Any] = {}
    for a, b in pairs:
        if a in rows and b in rows:
            out[f"{a} - {b}"] = {f"{part}.{k}": _diff(rows[a][part].get(k), rows[b][part].get(k)) for part, k in keys}
    return out


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 4)
