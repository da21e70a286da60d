"""Transfer check: does a policy chosen on simulated users carry over to real conversations?

Two measurements of one agent (the whole chatbot, text in / text out):
- natural-language simulation (`crs.eval.natural`): SR@15, average turns;
- replay of real dialogues (`play_replay`): the seeker's real messages go to the agent turn by
  turn; each turn is compared with what the human recommender did next (`SimTurn.reference`):
  * decision agreement: the agent recommends (`recommend` with items) iff the human's next
    message mentions a catalog movie; accuracy, precision and recall of "recommend";
  * Recall@k of the human's movies: over turns where the human recommended,
    |agent's shown items ∩ human's movies| / |human's movies| (0 when the agent did not
    recommend), i.e. end-to-end: the policy's timing and the ranker's list together;
    `recall_when_recommending` conditions on turns where both recommended.

`compare_policies` runs both for several policies in the same agent (`crs eval transfer`; by
default the shipped `bayes` rule, a DQN trained on the attribute simulator and a DQN trained
through the chat agent on the NL simulator, `crs.eval.chat_training`) and reports the gaps. The
simulators and the agent are passed in; this module never imports `simulators/`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from crs.dialogue.agent import Agent
from crs.errors import CRSError
from crs.eval.natural import to_simulator
from crs.types import Action, Catalog, DialogueState


def play_replay(agent: Agent, simulator: Any, seed: int, max_turns: int = 40) -> dict[str, Any]:
    """Replay dialogue `seed` (a `ReplaySimulator` index) through a prepared agent."""
    turn = simulator.reset(seed)
    state = DialogueState(session_id=f"replay-{seed}", user_id=f"replay-{seed}")
    c = {"turns": 0, "agree": 0, "human_rec": 0, "agent_rec": 0, "both_rec": 0, "recall_sum": 0.0,
         "recall_both_sum": 0.0}
    for _ in range(max_turns):
        state, _reply = agent.step(state, turn.text)
        action = state.last_action or Action("wait")
        ref = turn.reference
        if ref is not None:
            human = [m for m in dict.fromkeys(ref.items) if m in agent.catalog]
            agent_rec = action.kind == "recommend" and bool(action.items)
            c["turns"] += 1
            c["agree"] += int(agent_rec == bool(human))
            c["human_rec"] += int(bool(human))
            c["agent_rec"] += int(agent_rec)
            if human:
                hit = len(set(action.items) & set(human)) / len(human) if agent_rec else 0.0
                c["recall_sum"] += hit
                if agent_rec:
                    c["both_rec"] += 1
                    c["recall_both_sum"] += hit
        if turn.done:
            break
        turn = simulator.respond(to_simulator(action))
    return c


def replay_metrics(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    tot: dict[str, float] = {}
    for r in results:
        for k, v in r.items():
            tot[k] = tot.get(k, 0) + v
    n = tot.get("turns", 0)
    hr, ar, both = tot.get("human_rec", 0), tot.get("agent_rec", 0), tot.get("both_rec", 0)
    tp = both
    return {
        "dialogues": len(results), "turns": int(n),
        "decision_accuracy": round(tot.get("agree", 0) / n, 4) if n else None,
        "recommend_precision": round(tp / ar, 4) if ar else None,
        "recommend_recall": round(tp / hr, 4) if hr else None,
        "human_recommend_share": round(hr / n, 4) if n else None,
        "agent_recommend_share": round(ar / n, 4) if n else None,
        "recall_at_k": round(tot.get("recall_sum", 0) / hr, 4) if hr else None,
        "recall_when_recommending": round(tot.get("recall_both_sum", 0) / both, 4) if both else None,
    }


def compare_policies(base: Agent, policies: Sequence[str], paths: Mapping[str, str], natural_sim: Any,
                     replay_sim: Any, episodes: int, replay_dialogues: int, seed: int,
                     target_of: Callable[[Any], str | None] | None = None,
                     log: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    """Each policy of `policies` (a name of `crs.dialogue.decide.POLICIES`; `paths` may give a DQN
    checkpoint file per name) in the same agent `base`, on `episodes` episodes of the NL simulator
    and on the first `replay_dialogues` dialogues of the replay simulator; rows per policy and the gaps."""
    from crs.dialogue.build import with_policy
    from crs.eval.natural import aggregate, episode_seeds, play_episode, popularity_percentiles, prepare_agent

    if min(episodes, replay_dialogues) < 1 or not policies:
        raise CRSError("--episodes and --dialogues-n must be positive and --policies non-empty")
    base = prepare_agent(base)
    check_policies(base, policies, paths)
    pop, seeds, rows = popularity_percentiles(base.catalog), episode_seeds(seed, episodes), {}
    for name in policies:
        agent = with_policy(base, name, paths.get(name))
        log(f"{name}: {episodes} NL episodes, {replay_dialogues} replayed dialogues")
        m = aggregate([play_episode(agent, natural_sim, s, 15, pop, target_of) for s in seeds])
        log(f"  NL: SR@15 {m['sr_at_15']:.3f}, AT {m['avg_turns']:.2f}")
        replay = replay_metrics([play_replay(agent, replay_sim, i) for i in range(replay_dialogues)])
        log(f"  replay: decision acc. {replay['decision_accuracy']}, Recall@k {replay['recall_at_k']}")
        rows[name] = {"natural": {k: m[k] for k in NL_KEYS if k in m}, "replay": replay,
                      "checkpoint": paths.get(name) or checkpoint_of(base.catalog, name)}
    return {"policies": rows, "gaps": policy_gaps(rows)}


def check_policies(agent: Agent, policies: Sequence[str], paths: Mapping[str, str]) -> None:
    """Fail before any long run: an unknown name or a missing checkpoint says how to train it."""
    from crs.dialogue.build import with_policy

    for name in policies:
        with_policy(agent, name, paths.get(name))


NL_KEYS = ("episodes", "sr_at_5", "sr_at_10", "sr_at_15", "avg_turns", "hdcg", "action_shares", "failure_causes")
GAP_PAIRS = (("dqn-natural", "dqn"), ("dqn", "bayes"), ("dqn-natural", "bayes"))
GAP_KEYS = (("natural", "sr_at_15"), ("natural", "avg_turns"), ("replay", "decision_accuracy"), ("replay", "recall_at_k"))


def checkpoint_of(catalog: Catalog, name: str) -> str | None:
    """The catalog's own checkpoint of a learned policy name (`dqn`, `dqn-natural`), else None."""
    from crs.dialogue.decide import dqn_checkpoint
    from crs.dialogue.observe import chat_ask_space

    if name not in ("dqn", "dqn-natural"):
        return None
    return str(dqn_checkpoint(catalog, chat_ask_space(catalog), "natural" if name == "dqn-natural" else "attribute"))


def policy_gaps(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Differences on each metric: natural-trained minus attribute-trained DQN, and each DQN minus bayes."""
    out: dict[str, Any] = {}
    for a, b in GAP_PAIRS:
        if a in rows and b in rows:
            out[f"{a} - {b}"] = {f"{part}.{k}": _diff(rows[a][part].get(k), rows[b][part].get(k)) for part, k in GAP_KEYS}
    return out


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 4)
