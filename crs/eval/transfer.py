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

The policies compared (`crs eval transfer`, `ui/chat_policy.py`): the shipped `bayes` rule, a DQN
trained on the attribute simulator and a DQN trained through the chat agent on the NL simulator
(`crs.dialogue.chat_env`). The simulator and agent are passed in; this module never imports
`simulators/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crs.eval.natural import to_simulator
from crs.types import Action, DialogueState


def play_replay(agent: Any, simulator: Any, seed: int, max_turns: int = 40) -> dict[str, Any]:
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
