"""Replay of real dialogues (`crs eval replay`): the agent reads each real seeker message in order.

Protocol (after Kostric & Balog, "A Standardized Re-evaluation of CRS on the ReDial Dataset",
SIGIR 2026), for every dialogue of a ReDial-format file:

- each seeker message goes through the agent's first half of a turn (`Agent.understand`: reading,
  tracking, candidates); the agent's own replies are discarded;
- each human recommender message enters the state as shown items (`record_system` of a
  `recommend` with the films it mentions, a `wait` when it mentions none);
- at every recommender message that suggests a film, the agent's ranked list (top 10 of the
  allowed, not yet mentioned films, as the live agent ranks them) is scored against the
  **relevant** films: those suggested in that message, not mentioned earlier in the dialogue
  (dedup), that the seeker liked or had seen (post-chat questionnaire).

Metrics: Recall@1/3/10 averaged over scored turns; **SR** = share of dialogues with a relevant
film at the agent's top-1 in any turn; **RDL** = per dialogue, the reward of its turns (1.0 for a
liked film at top-1, 0.5 for a seen one) divided by its number of recommender messages (a raw file's
consecutive recommender messages count one each: 1.13 per recommender turn on the dev split), averaged.
Baselines in the same report: `copy` (the context's films, most recent first: 0 under dedup) and
`popularity` (the most popular films not mentioned yet).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from crs.catalog.dialogues import Dialogue, Message
from crs.dialogue.agent import Agent
from crs.dialogue.build import for_simulation
from crs.dialogue.candidates import recommend_ids
from crs.dialogue.read import clean_text
from crs.dialogue.track import record_system
from crs.types import Action, DialogueState

KS = (1, 3, 10)
LIST_SIZE = 10

Lister = Callable[[DialogueState, Sequence[str]], Sequence[str]]
"""(state, films mentioned so far in order) -> a ranked list of film ids."""


@dataclass(frozen=True)
class ScoredTurn:
    """One recommender message that suggested a relevant film."""

    ranked: tuple[str, ...]
    liked: frozenset[str]
    seen: frozenset[str]
    """Relevant films the seeker had seen but not said they liked."""

    @property
    def relevant(self) -> frozenset[str]:
        return self.liked | self.seen


def relevant_films(dialogue: Dialogue, message: Message, earlier: set[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(liked, seen-not-liked) films suggested in `message`, not mentioned before it."""
    liked: set[str] = set()
    seen: set[str] = set()
    for m in dict.fromkeys(message.movies):
        if m in earlier:
            continue
        q = dialogue.seeker_labels.get(m) or dialogue.recommender_labels.get(m) or {}
        if q.get("liked") == 1:
            liked.add(m)
        elif q.get("seen") == 1:
            seen.add(m)
    return frozenset(liked), frozenset(seen)


def agent_lister(agent: Agent, k: int = LIST_SIZE) -> Lister:
    """The live agent's ranking of the allowed, not yet discussed films for a state."""
    def rank(state: DialogueState, _mentioned: Sequence[str]) -> Sequence[str]:
        mask, relaxed = agent.candidate_mask(state)
        if not mask.any():
            return ()
        return recommend_ids(agent.catalog, agent.engine, agent.ranker, agent.reviews, state, mask, k, relaxed)
    return rank


def copy_lister(k: int = LIST_SIZE) -> Lister:
    """Baseline: the films mentioned so far, most recent first."""
    return lambda _state, mentioned: tuple(reversed(list(dict.fromkeys(mentioned))))[:k]


def popularity_lister(popularity: np.ndarray, ids: Sequence[str], k: int = LIST_SIZE) -> Lister:
    """Baseline: the most popular films not mentioned yet."""
    order = [ids[int(i)] for i in np.argsort(-np.asarray(popularity), kind="stable")[: k + 200]]

    def rank(_state: DialogueState, mentioned: Sequence[str]) -> Sequence[str]:
        seen = set(mentioned)
        return tuple(i for i in order if i not in seen)[:k]
    return rank


def replay_dialogue(agent: Agent, dialogue: Dialogue, listers: dict[str, Lister]) -> dict[str, Any]:
    """Replay one dialogue; returns per-lister scored turns and the number of recommender messages (`rec_turns`)."""
    agent = for_simulation(agent)  # no store writes, and the seekers' opinions do not become review snippets
    state = DialogueState(session_id=f"replay-{dialogue.conversation_id}", user_id=f"replay-{dialogue.conversation_id}")
    mentioned: list[str] = []
    turns: dict[str, list[ScoredTurn]] = {name: [] for name in listers}
    rec_turns = 0
    for msg in dialogue.messages:
        if msg.role == "seeker":
            text, _ = clean_text(msg.text, agent.max_chars)
            pending = agent.understand(state, text)
            if pending.handle != state.candidate_handle and pending.handle in agent.candidates:
                agent.candidates.drop(pending.handle)  # the reply is discarded, and so is its candidate set
            state = pending.state
        else:
            rec_turns += 1
            liked, seen = relevant_films(dialogue, msg, set(mentioned))
            if liked or seen:
                for name, lister in listers.items():
                    turns[name].append(ScoredTurn(tuple(lister(state, mentioned)), liked, seen))
            films = tuple(m for m in dict.fromkeys(msg.movies) if m in agent.catalog)
            state = record_system(state, Action("recommend", items=films) if films else Action("wait"))
        mentioned.extend(m for m in msg.movies if m not in mentioned)
    return {"turns": turns, "rec_turns": rec_turns}


def dialogue_scores(turns: Sequence[ScoredTurn], rec_turns: int) -> dict[str, float]:
    """SR and RDL of one dialogue."""
    reward = 0.0
    hit = False
    for t in turns:
        top = t.ranked[0] if t.ranked else None
        if top in t.liked:
            reward, hit = reward + 1.0, True
        elif top in t.seen:
            reward, hit = reward + 0.5, True
    return {"sr": float(hit), "rdl": reward / max(1, rec_turns)}


def metrics(results: Sequence[dict[str, Any]], name: str) -> dict[str, Any]:
    """Recall@1/3/10, SR and RDL of one lister over replayed dialogues (dialogues with no scored
    turn count in neither SR nor RDL)."""
    recall = {k: 0.0 for k in KS}
    n_turns = 0
    sr, rdl, n_dialogues = 0.0, 0.0, 0
    for r in results:
        turns = r["turns"][name]
        if not turns:
            continue
        n_dialogues += 1
        d = dialogue_scores(turns, r["rec_turns"])
        sr += d["sr"]
        rdl += d["rdl"]
        for t in turns:
            n_turns += 1
            for k in KS:
                recall[k] += len(set(t.ranked[:k]) & t.relevant) / len(t.relevant)
    out: dict[str, Any] = {f"recall_at_{k}": round(v / max(1, n_turns), 4) for k, v in recall.items()}
    out.update(sr=round(sr / max(1, n_dialogues), 4), rdl=round(rdl / max(1, n_dialogues), 4),
               n_dialogues=n_dialogues, n_turns=n_turns)
    return out


def run_replay(agent: Agent, dialogues: Sequence[Dialogue], log: Callable[[str], None] = lambda m: None,
               progress: Callable[[int], None] = lambda n: None) -> dict[str, Any]:
    """The replay report: the agent's metrics at the top level and `baselines` (`copy`, `popularity`)."""
    cat = agent.catalog
    listers = {"agent": agent_lister(agent), "copy": copy_lister(),
               "popularity": popularity_lister(cat.popularity(), cat.ids)}
    results = []
    for i, d in enumerate(dialogues):
        results.append(replay_dialogue(agent, d, listers))
        progress(i + 1)
    report = metrics(results, "agent")
    report["baselines"] = {name: metrics(results, name) for name in ("copy", "popularity")}
    log(f"replay: {report['n_dialogues']} dialogues, {report['n_turns']} scored turns")
    return report
