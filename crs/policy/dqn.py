"""Double DQN trainer for the unified dialogue policy, in one readable file (CleanRL style).

Reads top to bottom: arguments, environment factory (passed in: crs never imports a simulator),
replay buffer (`crs.policy.replay`), demonstrations, network (`crs.policy.network.QNetwork`), training loop with periodic
evaluation, checkpoint. Episodes alternate between the answer-noise levels of `train_noise` so one
network serves exact and noisy users. The reward of an episode is its hDCG@(15,10), so the return is
the metric we report.

Learning from demonstrations (DQfD, Hester et al. 2018), on when `demo_episodes > 0`: the `bayes` rule
(`_guide`, recommend once the top-k belief mass reaches `guide_threshold`) plays `demo_episodes`
episodes; the network is pretrained on them for `pretrain_steps` with the TD loss, a Monte-Carlo
return loss and a large-margin loss toward the demonstrated action, then fine-tuned by double DQN on
its own transitions while a `demo_share` of every batch keeps replaying the demonstrations.
The best network on the dev evaluations (the pretrained one included) is kept.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from crs.config import torch_threads
from crs.policy.belief import BeliefConfig
from crs.policy.features import n_slots
from crs.policy.policy import DQNPolicy, checkpoint_path, save_checkpoint
from crs.policy.replay import Batch, Obs, ReplayBuffer
from crs.policy.rules import MULTI_CHOICE_PRIOR_WEIGHT, MULTI_CHOICE_THRESHOLD
from crs.policy.space import AskSpace
from crs.types import Action, Catalog


@dataclass(frozen=True)
class Args:
    """Training arguments (the resolved values are saved next to the checkpoint)."""

    seed: int = 0
    minutes: float = 10.0
    """Wall-clock budget; training stops at `minutes` or `total_steps`, whichever comes first."""
    total_steps: int = 300_000
    buffer_size: int = 100_000
    learning_rate: float = 1e-3
    gamma: float = 0.99
    batch_size: int = 128
    learning_starts: int = 1_000
    train_every: int = 4
    """Environment steps per gradient step."""
    target_every: int = 500
    """Gradient steps between target-network syncs."""
    eps_start: float = 1.0
    eps_end: float = 0.03
    eps_steps: int = 15_000
    train_noise: tuple[float, ...] = (0.0, 0.1)
    eval_every: int = 5_000
    eval_episodes: int = 200
    n_ask: int = 10
    """Ask slots per turn (the units closest to a half split); fewer slots learn faster."""
    top_k: int = 10
    hidden: int = 128
    emb: int = 8
    threads: int = 1
    belief: BeliefConfig = field(default_factory=BeliefConfig)
    guide_share: float = 0.0
    """Share of exploratory moves taken by the `bayes` rule (0: plain ε-greedy)."""
    guide_threshold: float = 0.2
    """Top-k mass at which the guiding rule recommends."""
    prior: str = "popularity"
    """Item prior of the env (`crs.policy.prior.PRIORS`); recorded so evaluation rebuilds the same one."""
    demo_episodes: int = 0
    """Episodes demonstrated by the `bayes` rule (0: no demonstrations, plain double DQN)."""
    pretrain_steps: int = 2_000
    """Gradient steps on the demonstrations alone before interacting."""
    demo_share: float = 0.25
    """Demonstration transitions added to every fine-tuning batch (share of `batch_size`)."""
    margin: float = 0.05
    """Large-margin loss: non-demonstrated actions must score `margin` below the demonstrated one."""
    margin_weight: float = 1.0


def attribute_args(minutes: float, seed: int, prior: str = "collaborative",
                   belief: BeliefConfig | None = None, protocol: str = "binary") -> Args:
    """`crs train policy` (attribute simulator): DQfD from the bayes rule (threshold 0.2 with the
    collaborative prior, 0.5 with popularity), 2,000 demonstrated episodes, 2,000 pretraining steps,
    then double DQN with ε = 0.05, learning rate 1e-4 and half of every batch replaying
    demonstrations; dev evaluations of 500 episodes per noise level every 8,000 steps (the
    pretrained network is evaluated too). `belief` defaults to prior weight 0.2 (collaborative) / 1.0.
    Under the multi-choice protocol with the collaborative prior the belief and the demonstrator
    are those of `bayes-cf-mc` (prior weight 0.6, threshold 0.3)."""
    threshold = _threshold_for(prior)
    if protocol == "multi-choice" and prior == "collaborative":
        belief = belief or BeliefConfig(prior_weight=MULTI_CHOICE_PRIOR_WEIGHT)
        threshold = MULTI_CHOICE_THRESHOLD
    return Args(minutes=minutes, seed=seed, prior=prior, belief=belief or _belief_for(prior),
                guide_threshold=threshold, guide_share=0.0,
                demo_episodes=2_000, pretrain_steps=2_000, demo_share=0.5, learning_rate=1e-4,
                eps_start=0.05, eps_end=0.05, eps_steps=1, target_every=1_000,
                eval_every=8_000, eval_episodes=500)


def natural_args(minutes: float, seed: int, prior: str = "collaborative") -> Args:
    """`crs train policy --simulator natural` (through the chat agent, `ChatEnv`, about 10 agent
    turns/s on one core): DQfD from the chat's `bayes` rule with its open questions (150 demonstrated
    episodes, 1,500 pretraining steps, half of every batch replaying them), then double DQN with
    ε = 0.3 → 0.05 over 8,000 steps (30 % of the exploratory moves guided by the rule, the rest
    spread over the valid actions), so it meets what the rule never does (open "what kind?"
    questions, waits); evaluations of 80 episodes every 2,500 steps; exact answers only (the user
    model has its own noise)."""
    return Args(minutes=minutes, seed=seed, train_noise=(0.0,), eval_every=2_500, eval_episodes=80,
                eps_start=0.3, eps_end=0.05, eps_steps=8_000, learning_starts=200, buffer_size=30_000,
                batch_size=64, target_every=250, learning_rate=3e-4, guide_share=0.3,
                guide_threshold=_threshold_for(prior), prior=prior, belief=_belief_for(prior),
                demo_episodes=150, pretrain_steps=1_500, demo_share=0.5)


def _threshold_for(prior: str) -> float:
    return 0.2 if prior == "collaborative" else 0.5


def _belief_for(prior: str) -> BeliefConfig:
    return BeliefConfig(prior_weight=0.2 if prior == "collaborative" else 1.0)




class TrainEnvConfig(Protocol):
    @property
    def n_ask(self) -> int: ...
    @property
    def belief(self) -> BeliefConfig: ...


class TrainEnv(Protocol):
    """What the trainer needs of an env: the Gymnasium `reset` / `step` on encoded features and the
    structured `reset_episode` / `act` of its evaluations (`crs.policy.env.DialogueEnv` fits, and so
    does `ChatEnv`, the env around the whole chat agent in the dialogue package)."""

    @property
    def space(self) -> AskSpace: ...
    @property
    def config(self) -> TrainEnvConfig: ...

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Obs, dict[str, Any]]: ...
    def step(self, action: int) -> tuple[Obs, float, bool, bool, dict[str, Any]]: ...
    def reset_episode(self, seed: int | None = None) -> Any: ...
    def act(self, action: Action) -> tuple[Any, float, bool, dict[str, Any]]: ...


EnvFactory = Callable[[float, int], TrainEnv]
"""(answer_noise, seed) → env. Built by the caller (the CLI) around a simulator of its choice."""


@dataclass
class TrainResult:
    path: Path | None
    steps: int
    episodes: int
    seconds: float
    best: dict[str, Any]
    history: list[dict[str, Any]]


def _collect_demos(envs: list[TrainEnv], args: Args, rng: np.random.Generator, deadline: float) -> ReplayBuffer:
    """Episodes played by the `bayes` rule (`_guide`), stored with their Monte-Carlo returns."""
    buf = ReplayBuffer(args.demo_episodes * 16, n_slots(args.n_ask), args.top_k, args.seed + 1)
    for _ in range(args.demo_episodes):
        if time.perf_counter() > deadline:
            break
        env = envs[int(rng.integers(len(envs)))]
        obs, _ = env.reset()
        traj, done = [], False
        while not done:
            a = _guide_of(env, obs, args)
            nxt, r, term, trunc, _ = env.step(a)
            traj.append((obs, a, r, nxt, term))
            obs, done = nxt, term or trunc
        g = 0.0
        for o, a, r, n, t in reversed(traj):
            g = r + args.gamma * g
            buf.add(o, a, r, n, t, ret=g)
    return buf


def _guide(obs: Obs, n_ask: int, threshold: float) -> int:
    """The `bayes` rule on encoded features: recommend once the top-k mass (global[5]) reaches
    `threshold` or on the last turn (global[1] = turns left / max), else the best-split ask (slot 0)."""
    g, mask = obs["global"], obs["mask"]
    if mask[n_ask] and (g[5] >= threshold or g[1] <= 0.07 or not mask[0]):
        return n_ask
    return 0 if mask[0] else n_ask + 1


def _guide_of(env: TrainEnv, obs: Obs, args: Args) -> int:
    """The env's own guiding rule when it has one (`ChatEnv.guide_slot`: the chat's `bayes` with its
    open questions), else the `bayes` rule on encoded features."""
    guide = getattr(env, "guide_slot", None)
    return int(guide()) if callable(guide) else _guide(obs, args.n_ask, args.guide_threshold)


def _epsilon_greedy(net: Any, obs: Obs, eps: float, rng: np.random.Generator, args: Args, env: TrainEnv | None = None) -> int:
    """ε-greedy; a share `guide_share` of the exploratory moves follows the `bayes` rule (so replay
    holds good trajectories early, as in learning from demonstrations), half of the rest pick
    between the best-split ask and recommend, the decision that matters most."""
    import torch

    from crs.policy.network import to_tensors

    n_ask = args.n_ask
    valid = np.flatnonzero(obs["mask"])
    if rng.random() < eps:
        if args.guide_share > 0 and rng.random() < args.guide_share:
            return _guide_of(env, obs, args) if env is not None else _guide(obs, n_ask, args.guide_threshold)
        focus = [s for s in (0, n_ask) if obs["mask"][s]]
        return int(rng.choice(focus if focus and rng.random() < 0.5 else valid))
    with torch.no_grad():
        return int(net(*to_tensors(obs))[0].argmax())


def _td_loss(net: Any, target: Any, batch: Batch, args: Args, demo: bool) -> Any:
    """Double-DQN TD loss; on demonstrations also the return loss and the large-margin loss."""
    import torch
    import torch.nn.functional as F

    from crs.policy.network import to_tensors

    obs, action, reward, nxt, done, ret = batch
    with torch.no_grad():
        nxt_t = to_tensors(nxt)
        best = net(*nxt_t).argmax(dim=1, keepdim=True)  # double DQN: online net picks, target net scores
        q_next = target(*nxt_t).gather(1, best).squeeze(1)
        y = torch.as_tensor(reward) + args.gamma * q_next * (1 - torch.as_tensor(done))
    a = torch.as_tensor(action).unsqueeze(1)
    q_all = net(*to_tensors(obs))
    q = q_all.gather(1, a).squeeze(1)
    loss = F.smooth_l1_loss(q, y)
    if demo:
        loss = loss + F.smooth_l1_loss(q, torch.as_tensor(ret))
        margins = torch.full_like(q_all, args.margin).scatter_(1, a, 0.0)
        loss = loss + args.margin_weight * ((q_all + margins).max(dim=1).values - q).mean()
    return loss


def _learn(net: Any, target: Any, opt: Any, buf: ReplayBuffer | None, args: Args, demos: ReplayBuffer | None = None,
           demo_batch: int = 0) -> float:
    """One gradient step on an agent batch (if `buf` is given) plus a demonstration batch (if `demo_batch`)."""
    import torch

    loss = torch.zeros(())
    if buf is not None and buf.n:
        loss = loss + _td_loss(net, target, buf.sample(args.batch_size), args, demo=False)
    if demos is not None and demos.n and demo_batch:
        loss = loss + _td_loss(net, target, demos.sample(demo_batch), args, demo=True)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
    opt.step()
    return float(loss.item())


def _evaluate(net: Any, envs: dict[float, TrainEnv], args: Args) -> dict[str, Any]:
    from crs.policy.episodes import mcr_metrics, run_episodes

    net.eval()
    policy = DQNPolicy(net, args.n_ask, args.top_k, args.belief, prior=args.prior)
    out: dict[str, Any] = {}
    for noise, env in envs.items():
        m = mcr_metrics(run_episodes(env, policy, args.eval_episodes, seed=args.seed + 999))
        out[f"noise_{noise}"] = {k: m[k] for k in ("sr_at_15", "avg_turns", "hdcg")}
    out["score"] = float(np.mean([v["hdcg"] for v in out.values() if isinstance(v, dict)]))
    net.train()
    return out


@dataclass
class _Run:
    """Mutable training state (network, target, optimiser, buffers, best evaluation so far)."""

    net: Any
    target: Any
    opt: Any
    buf: ReplayBuffer
    demos: ReplayBuffer | None
    eval_envs: dict[float, TrainEnv]
    t0: float
    steps: int = 0
    episodes: int = 0
    updates: int = 0
    best: dict[str, Any] = field(default_factory=lambda: {"score": -1.0})
    best_state: Any = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def learn(self, args: Args, use_agent: bool = True) -> None:
        demo_batch = int(args.batch_size * args.demo_share) if use_agent else args.batch_size
        _learn(self.net, self.target, self.opt, self.buf if use_agent else None, args, self.demos, demo_batch)
        self.updates += 1
        if self.updates % args.target_every == 0:
            self.target.load_state_dict(self.net.state_dict())

    def evaluate(self, args: Args) -> None:
        self.best, self.best_state = _keep_best(self.net, self.eval_envs, args, self.steps, self.t0, self.history,
                                                self.best, self.best_state)


def train(args: Args, catalog: Catalog, make_env: EnvFactory, make_eval_env: EnvFactory | None = None,
          cache: str | Path | None = None, progress: bool = True, save: bool = True,
          provenance: Mapping[str, Any] | None = None, protocol: str = "binary") -> TrainResult:
    """(Demonstrate, pretrain,) train, evaluate every `eval_every` steps, keep the best network, save it
    with `provenance` in its metadata (`goal_conversations`: the users' goal dialogues, for leak checks)."""
    import torch

    from crs.policy.network import QNetwork

    torch.manual_seed(args.seed)
    torch_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    envs = [make_env(noise, args.seed + i) for i, noise in enumerate(args.train_noise)]
    eval_envs = {noise: (make_eval_env or make_env)(noise, args.seed + 100 + i) for i, noise in enumerate(args.train_noise)}
    space = envs[0].space
    for env in (envs[0], *eval_envs.values()):
        if env.config.n_ask != args.n_ask:
            raise ValueError(f"env has {env.config.n_ask} ask slots but Args.n_ask is {args.n_ask}")
        if env.config.belief != args.belief:  # trained and deployed beliefs must agree
            raise ValueError(f"env belief {env.config.belief} differs from Args.belief {args.belief}")
    net = QNetwork(space.n_units, space.n_items, args.n_ask, args.hidden, args.emb)
    t0 = time.perf_counter()
    deadline = t0 + args.minutes * 60
    demos = _collect_demos(envs, args, rng, t0 + args.minutes * 20) if args.demo_episodes > 0 else None
    run = _Run(net, copy.deepcopy(net), torch.optim.Adam(net.parameters(), lr=args.learning_rate),
               ReplayBuffer(args.buffer_size, n_slots(args.n_ask), args.top_k, args.seed), demos, eval_envs, t0)
    if demos is not None:
        for _ in range(args.pretrain_steps):
            if time.perf_counter() > t0 + args.minutes * 40:  # at most 2/3 of the budget before interacting
                break
            run.learn(args, use_agent=False)
        run.target.load_state_dict(net.state_dict())
        run.evaluate(args)
    _interact(run, envs, args, rng, deadline, progress)
    if not run.history or run.history[-1]["step"] != run.steps:
        run.evaluate(args)
    net.load_state_dict(run.best_state)
    seconds = time.perf_counter() - t0
    path = None
    if save:
        path = checkpoint_path(catalog, space, cache, protocol)
        meta = {**asdict(args), "catalog": catalog.name, "protocol": protocol, "steps": run.steps, "episodes": run.episodes,
                "demonstrations": demos.n if demos is not None else 0, "seconds": round(seconds, 1),
                "best": run.best, "history": run.history, **(provenance or {})}
        save_checkpoint(path, net, space, meta)
    return TrainResult(path, run.steps, run.episodes, seconds, run.best, run.history)


def _interact(run: _Run, envs: list[TrainEnv], args: Args, rng: np.random.Generator, deadline: float,
              progress: bool) -> None:
    """The ε-greedy double-DQN loop until `total_steps` or the deadline."""
    from tqdm import tqdm

    bar = tqdm(total=args.total_steps, disable=not progress, desc="dqn", unit="step")
    while run.steps < args.total_steps and time.perf_counter() < deadline:
        env = envs[int(rng.integers(len(envs)))]
        obs, _ = env.reset()
        done = False
        while not done:
            eps = max(args.eps_end, args.eps_start - (args.eps_start - args.eps_end) * run.steps / args.eps_steps)
            a = _epsilon_greedy(run.net, obs, eps, rng, args, env)
            nxt, r, term, trunc, _ = env.step(a)
            done = term or trunc
            run.buf.add(obs, a, r, nxt, term)
            obs, run.steps = nxt, run.steps + 1
            if run.steps > args.learning_starts and run.steps % args.train_every == 0:
                run.learn(args)
            if run.steps % args.eval_every == 0:
                run.evaluate(args)
                bar.set_postfix(score=f"{run.history[-1]['score']:.3f}")
        run.episodes += 1
        bar.update(run.steps - bar.n)
    bar.close()


def _keep_best(net: Any, eval_envs: dict[float, TrainEnv], args: Args, steps: int, t0: float,
               history: list[dict[str, Any]], best: dict[str, Any], best_state: Any) -> tuple[dict[str, Any], Any]:
    """Evaluate now, append to `history`, return the (possibly new) best evaluation and weights."""
    ev = _evaluate(net, eval_envs, args) | {"step": steps, "seconds": round(time.perf_counter() - t0, 1)}
    history.append(ev)
    if best_state is None or ev["score"] >= best["score"]:
        return ev, copy.deepcopy(net.state_dict())
    return best, best_state
