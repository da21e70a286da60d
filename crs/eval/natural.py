"""Full-pipeline natural-language evaluation: a simulated user talks to the whole agent in text.

`play_episode(agent, simulator, seed)` runs one conversation: the simulator's utterance goes to
`Agent.step(state, text)` (NLU → tracker → candidate set → ranker → policy → generator), the
action the agent recorded in its state goes back to the simulator, until the simulator ends the
episode or `max_turns` system turns are played. The simulator is any `crs.protocols.Simulator`
whose turns carry `text`, `act`, `labels` (attributes / entities with polarity), `done` and
`success` (e.g. `simulators.natural.NaturalSimulator`); this module never imports a simulator.

Each episode returns a plain dict (picklable, for `crs.eval.backends.run_tasks`); `aggregate`
turns a list of them into the report: SR@5/10/15, average turns, hDCG, success by turn, NLU
scores against the simulator's labels (`crs.eval.nlu_score`), action and strategy distributions,
and the popularity of recommended items.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from crs.dialogue.agent import Agent
from crs.dialogue.build import for_simulation
from crs.dialogue.candidates import hard_constraints
from crs.dialogue.chat_env import to_simulator
from crs.dialogue.signals import new_pieces
from crs.eval.nlu_score import merge_nlu, nlu_summary, score_turn
from crs.policy.episodes import hdcg
from crs.protocols import NLU
from crs.types import Action, Catalog, Constraint, DialogueState, ParsedTurn

__all__ = ["EpisodeJob", "RecordingNLU", "aggregate", "components", "episode_seeds", "play_episode", "prepare_agent",
           "to_simulator"]


class RecordingNLU:
    """Wraps the agent's NLU and keeps the last parse (what the agent understood this turn).

    With `oracle_constraints` (a diagnostic ablation, never the default) the constraints of each
    parse are replaced by the simulator's labelled attribute values (`gold`, set by the runner
    before each turn): it measures how much success is lost to constraints the NLU invents."""

    def __init__(self, inner: NLU, oracle_constraints: bool = False) -> None:
        self.inner = inner
        self.oracle_constraints = oracle_constraints
        self.gold: Any = None
        self.last: ParsedTurn | None = None

    def parse(self, text: str, state: DialogueState) -> ParsedTurn:
        parsed = self.inner.parse(text, state)
        self.last = parsed
        if self.oracle_constraints and self.gold is not None:
            add = tuple(Constraint(a, "include" if pol > 0 else "exclude", v) for a, v, pol in self.gold.attributes)
            return replace(parsed, add=add, remove=(), critique=None)
        return parsed


def prepare_agent(agent: Agent, oracle_constraints: bool = False) -> Agent:
    """A copy fit for evaluation: no store writes, no chat reviews, NLU parses recorded."""
    inner = agent.nlu.inner if isinstance(agent.nlu, RecordingNLU) else agent.nlu
    return replace(for_simulation(agent), nlu=RecordingNLU(inner, oracle_constraints))


def play_episode(agent: Agent, simulator: Any, seed: int, max_turns: int = 15,
                 popularity: Callable[[str], float] | None = None,
                 target_of: Callable[[Any], str | None] | None = None) -> dict[str, Any]:
    """One text-only conversation; `agent` must come from `prepare_agent` (its NLU records the parses).

    `target_of(simulator)` (optional, given by the caller that knows the simulator) names the
    user's target item so a failure can be explained (`diagnose`)."""
    turn = simulator.reset(seed)
    target = target_of(simulator) if target_of is not None else None
    state = DialogueState(session_id=f"sim-{seed}", user_id=f"sim-{seed}")
    actions: Counter[str] = Counter()
    strategies: Counter[str] = Counter()
    nlu: dict[str, Any] = {}
    recommended: list[str] = []
    success, rank, played, end = False, None, 0, "max_turns"
    gained: dict[str, list[int]] = {}  # action kind -> [pieces the user told after it, times]
    before, last_kind = state, ""
    recorder = agent.nlu
    if not isinstance(recorder, RecordingNLU):
        raise TypeError("play_episode needs an agent from prepare_agent (its NLU records each parse)")
    for t in range(1, max_turns + 1):
        recorder.gold = turn.labels
        state, reply = agent.step(state, turn.text)
        if last_kind:
            g = gained.setdefault(last_kind, [0, 0])
            g[0] += new_pieces(before, state)
            g[1] += 1
        played = t
        merge_nlu(nlu, score_turn(turn, recorder.last))
        action = state.last_action or Action("wait")  # an answer's follow-up when it had one
        actions[reply.action] += 1
        strategies.update(reply.strategies)
        if action.kind == "recommend":
            recommended.extend(action.items)
        before, last_kind = state, reply.action
        turn = simulator.respond(to_simulator(action))
        if turn.done:
            success = bool(turn.success)
            accepted = turn.act.slots.get("item") if success else None
            rank = action.items.index(accepted) + 1 if accepted in action.items else (1 if success else None)
            end = "success" if success else "user_left"
            break
    pops = [popularity(i) for i in recommended] if popularity is not None else []
    cause = "success" if success else diagnose(agent, state, target)
    excluding = excluding_constraints(agent, state, target) if cause == "excluded" else []
    return {"seed": seed, "success": success, "turns": played, "rank": rank, "end": end, "failure": cause,
            "excluding": excluding,
            "actions": dict(actions), "strategies": dict(strategies), "nlu": nlu, "gained": gained,
            "recommended": len(recommended), "distinct_recommended": len(set(recommended)),
            "popularity": float(np.mean(pops)) if pops else None}


def diagnose(agent: Agent, state: DialogueState, target: str | None) -> str:
    """Why the target was not found: `excluded` (the agent's candidate set rules it out: hard
    filters, includes of one attribute OR-ed, relaxation as the agent does it), `rejected`
    (the agent marked it rejected), `recommended` (shown, yet the user left), `mentioned` (named
    in the dialogue, so not recommended again), or `rank>50` /
    `rank<=50` (its rank among the allowed, not yet discussed items at the end); `unknown`
    without a target."""
    cat = agent.catalog
    if target is None or target not in cat:
        return "unknown"
    if target in state.rejected:
        return "rejected"
    if target in state.recommended:
        return "recommended"
    mask = _agent_mask(agent, state)
    if not mask[cat.row(target)]:
        return "excluded"
    return _rank_cause(agent, state, target, mask)


def _agent_mask(agent: Agent, state: DialogueState) -> np.ndarray:
    """The candidate mask the agent itself uses (`Agent.candidate_mask`)."""
    return np.asarray(agent.candidate_mask(state)[0], dtype=bool)


def excluding_constraints(agent: Agent, state: DialogueState, target: str | None) -> list[str]:
    """What rules the target out, as the agent combines constraints: `attribute op` of each
    exclude / range that fails on its own, and `attribute include` when none of the OR-ed
    includes of that attribute holds for the target. Relaxed constraints and wanted people (ranked,
    not filtered: `crs.dialogue.candidates.person_wish`) do not count."""
    if target is None or target not in agent.catalog:
        return []
    row = agent.catalog.row(target)
    relaxed = set(agent.candidate_mask(state)[1])
    holds = {c: bool(np.asarray(agent.engine.mask((c,)), dtype=bool)[row]) for c in hard_constraints(state.constraints)
             if c not in relaxed}
    out = [f"{c.attribute} {c.op}" for c, ok in holds.items() if c.op != "include" and not ok]
    groups: dict[str, bool] = {}
    for c, ok in holds.items():
        if c.op == "include":
            groups[c.attribute] = groups.get(c.attribute, False) or ok
    return out + [f"{a} include" for a, ok in groups.items() if not ok]


def _rank_cause(agent: Agent, state: DialogueState, target: str, mask: np.ndarray) -> str:
    cat = agent.catalog
    seen = {m.entity for m in state.mentions if m.kind == "item"} | set(state.rejected)
    rows = np.flatnonzero(mask)
    rows = rows[[cat.items[int(r)].id not in seen for r in rows]]
    scores = np.asarray(agent.ranker.score(replace(state, constraints=()), rows), dtype=np.float64)
    hit = np.flatnonzero(rows == cat.row(target))
    if len(hit) == 0:
        return "mentioned"  # the target was named in the dialogue, so never recommended
    mine = scores[int(hit[0])]
    return "rank>50" if int((scores > mine).sum()) + 1 > 50 else "rank<=50"


def popularity_percentiles(catalog: Catalog) -> Callable[[str], float]:
    """item id -> popularity percentile in the catalog (100 = most popular)."""
    pop = np.asarray(catalog.popularity(), dtype=np.float64)
    order = np.argsort(pop, kind="stable")
    pct = np.empty(len(pop))
    pct[order] = 100.0 * np.arange(len(pop)) / max(1, len(pop) - 1)
    ids = {i: float(pct[r]) for r, i in enumerate(catalog.ids)}
    return lambda item: ids.get(item, 0.0)


def aggregate(results: list[dict[str, Any]], max_turns: int = 15) -> dict[str, Any]:
    """The report of a list of `play_episode` results (in task order)."""
    n = max(1, len(results))
    sr = {k: sum(r["success"] and r["turns"] <= k for r in results) / n for k in (5, 10, max_turns)}
    by_turn = [sum(r["success"] and r["turns"] <= t for r in results) / n for t in range(1, max_turns + 1)]
    actions: Counter[str] = Counter()
    strategies: Counter[str] = Counter()
    nlu: dict[str, Any] = {}
    ends: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    excluding: Counter[str] = Counter()
    gained: dict[str, list[int]] = {}
    for r in results:
        for kind, (pieces, times) in r.get("gained", {}).items():
            g = gained.setdefault(kind, [0, 0])
            g[0] += pieces
            g[1] += times
        actions.update(r["actions"])
        strategies.update(r["strategies"])
        merge_nlu(nlu, r["nlu"])
        ends[r["end"]] += 1
        causes[r.get("failure", "unknown")] += 1
        excluding.update(r.get("excluding", ()))
    total_actions = max(1, sum(actions.values()))
    total_strat = max(1, sum(strategies.values()))
    pops = [r["popularity"] for r in results if r["popularity"] is not None]
    hist = np.histogram(pops, bins=10, range=(0, 100))[0] if pops else np.zeros(10)
    return {
        "episodes": len(results),
        "sr_at_5": sr[5], "sr_at_10": sr[10], f"sr_at_{max_turns}": sr[max_turns],
        "sr_se": round(float(np.sqrt(sr[max_turns] * (1 - sr[max_turns]) / n)), 4),
        "avg_turns": sum(r["turns"] if r["success"] else max_turns for r in results) / n,
        "hdcg": sum(hdcg(r["turns"], r["rank"]) for r in results if r["success"] and r["rank"]) / n,
        "success_by_turn": [round(x, 4) for x in by_turn],
        "episode_outcomes": [{"seed": r.get("seed", i), "turn": r["turns"] if r["success"] else 0}
                             for i, r in enumerate(results)],
        "endings": dict(sorted(ends.items())),
        "failure_causes": {k: v for k, v in sorted(causes.items()) if k != "success"},
        "excluding_constraints": dict(excluding.most_common(10)),
        "actions": dict(sorted(actions.items())),
        "action_shares": {k: round(v / total_actions, 4) for k, v in sorted(actions.items())},
        # pieces of information (constraints, wishes, liked films) the user gave right after each action kind
        "info_per_action": {k: round(p / max(1, t), 3) for k, (p, t) in sorted(gained.items())},
        "strategy_shares": {k: round(v / total_strat, 4) for k, v in strategies.most_common()},
        "nlu": nlu_summary(nlu),
        "recommended_per_episode": sum(r["recommended"] for r in results) / n,
        "popularity": {"mean_percentile": float(np.mean(pops)) if pops else None,
                       "percentiles": {f"{10 * i}-{10 * i + 10}": round(int(c) / max(1, len(pops)), 4)
                                       for i, c in enumerate(hist)}},
    }


@dataclass(frozen=True)
class EpisodeJob:
    """A picklable episode task for `run_tasks`: `job(seed) -> play_episode(...)`.

    `factory()` builds `(agent, simulator, catalog)`; it must be picklable (a module-level
    function or a `functools.partial` of one) so process and Ray workers can rebuild the
    components. They are built once per process and cached under `key`."""

    factory: Callable[[], tuple[Agent, Any, Catalog]]
    key: str
    max_turns: int = 15
    target_of: Callable[[Any], str | None] | None = None
    """Optional, picklable: the simulator's target item (explains failures)."""
    oracle_constraints: bool = False
    """Diagnostic ablation: constraints come from the simulator's labels (`RecordingNLU`)."""

    def __call__(self, seed: int) -> dict[str, Any]:
        agent, sim, pop = components(self)
        return play_episode(agent, sim, int(seed), self.max_turns, pop, self.target_of)


Components = tuple[Agent, Any, Callable[[str], float]]
_BUILT: dict[tuple[str, bool], Components] = {}


def components(job: EpisodeJob) -> Components:
    """The job's (prepared agent, simulator, popularity) for this process, built on first use and
    never changed afterwards (process and Ray workers each build their own; the job arrives
    pickled, so it is looked up by `key`)."""
    key = (job.key, job.oracle_constraints)
    if key not in _BUILT:
        from crs.config import torch_threads

        torch_threads(1)
        agent, sim, catalog = job.factory()
        agent.warm_up()  # lazy models (MiniLM, traced encoder) load here, before process-pool workers fork
        _BUILT[key] = (prepare_agent(agent, job.oracle_constraints), sim, popularity_percentiles(catalog))
    return _BUILT[key]


def episode_seeds(seed: int, episodes: int) -> list[int]:
    """Per-episode seeds derived from the run seed (episode i always gets the same seed)."""
    rng = np.random.default_rng(seed)
    return [int(s) for s in rng.integers(0, 2**31 - 1, size=episodes)]
