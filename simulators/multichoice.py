"""Multi-interest user under the multi-choice protocol of MCMIPL (WWW 2022) / SAPIENT (NAACL 2025).

A user wants any of several target items that share an attribute value (its "interests"). It opens
with one value all its targets share. A question offers one or more values ("a=x|a=y", the
system's `crs.policy.choices.offer`); the user picks every offered value that any target has
(`Act("choose", values=..., rejected=...)`), each choice flipped with probability `answer_noise`. A
single offered value is answered yes/no the same way. A recommendation succeeds when it holds any
target (rank: the first target's position). At most `max_turns` system turns.

Episodes (`multi_interest_episodes`): for each (user, item) pair of a split, the item and up to
`n_targets - 1` other items of the same user in the same split, drawn at random among those that
keep a value shared by every target. MCMIPL ships its target sets as files built from its own
split; ours are built here from our split (a user with one usable item keeps one target).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crs.types import Act, Action, Catalog
from simulators.attribute import AttributeSimConfig, Episode, EpisodeOrder, _attribute_names, check_config
from simulators.errors import SimulatorError
from simulators.noise import AnswerNoise

N_TARGETS = 3
"""Targets per episode at most (MCMIPL's `target_num`)."""


@dataclass(frozen=True)
class MultiEpisode:
    user: str
    targets: tuple[str, ...]

    @property
    def target(self) -> str:
        """The item the episode was drawn from (the first target)."""
        return self.targets[0]


def multi_interest_episodes(catalog: Catalog, episodes: Sequence[Episode], attributes: Sequence[str],
                            n_targets: int = N_TARGETS, seed: int = 0) -> list[MultiEpisode]:
    """One multi-interest episode per (user, item) pair of `episodes` (see module doc)."""
    if n_targets < 1:
        raise SimulatorError(f"n_targets must be at least 1, got {n_targets}")
    names = _attribute_names(catalog, attributes)

    def units(item: str) -> frozenset[str]:
        it = catalog.item(item)
        return frozenset(f"{a}={v}" for a in names for v in it.values(a))

    by_user: dict[str, list[str]] = defaultdict(list)
    for ep in episodes:
        if ep.target in catalog:
            by_user[ep.user].append(ep.target)
    rng = np.random.default_rng(seed)
    out: list[MultiEpisode] = []
    for ep in episodes:
        if ep.target not in catalog or not (shared := units(ep.target)):
            continue
        targets = [ep.target]
        others = [i for i in dict.fromkeys(by_user[ep.user]) if i != ep.target]
        for j in rng.permutation(len(others)):
            if len(targets) >= n_targets:
                break
            keep = shared & units(others[int(j)])
            if keep:
                targets.append(others[int(j)])
                shared = keep
        out.append(MultiEpisode(ep.user, tuple(targets)))
    if not out:
        raise SimulatorError("no (user, item) pair of the split has an attribute value")
    return out


class MultiChoiceSimulator:
    """Simulated multi-interest user answering multi-choice questions (see module doc)."""

    def __init__(self, catalog: Catalog, episodes: Sequence[MultiEpisode], config: AttributeSimConfig | None = None) -> None:
        self.catalog = catalog
        self.config = config or AttributeSimConfig()
        check_config(self.config)
        if not episodes:
            raise SimulatorError("empty split: no multi-interest episodes")
        self.noise = AnswerNoise(self.config.answer_noise)
        self.attributes = _attribute_names(catalog, self.config.attributes)
        self.episodes = list(episodes)
        self._play = EpisodeOrder(self.episodes, self.config.seed)
        self.episode: MultiEpisode | None = None
        self.turn = 0
        self.done = False
        self._units: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.episodes)

    def reset(self, seed: int | None = None) -> Act:
        """Start the next episode; the user states one value every target has."""
        self.episode = self._play.draw(seed)
        self.turn, self.done = 0, False
        per_target = [self.target_units(t) for t in self.episode.targets]
        self._units = frozenset().union(*per_target)
        shared = sorted(frozenset.intersection(*per_target)) or sorted(per_target[0])
        opening = shared[int(self._play.rng.integers(len(shared)))]
        return Act("inform", {"attribute": opening, "user": self.episode.user, "turn": 0, "done": False})

    def respond(self, action: Action) -> Act:
        """Answer one system action (ask one or several values / recommend / wait)."""
        if self.episode is None or self.done:
            raise SimulatorError("episode is over: call reset() first")
        if action.kind == "ask":  # a bad action raises before it costs a turn
            act = self._answer(action.attribute)
        elif action.kind == "recommend":
            act = self._judge(action.items)
        elif action.kind == "wait":
            act = Act("none", {})
        else:
            raise SimulatorError(f"unknown action kind {action.kind!r}; expected ask, recommend or wait")
        self.turn += 1
        self.done = act.name == "accept" or self.turn >= self.config.max_turns
        return Act(act.name, {**act.slots, "turn": self.turn, "done": self.done})

    def target_units(self, item: str) -> frozenset[str]:
        it = self.catalog.item(item)
        return frozenset(f"{a}={v}" for a in self.attributes for v in it.values(a))

    def _answer(self, attribute: str | None) -> Act:
        if not attribute:
            raise SimulatorError("ask action without an attribute")
        offered = [u for u in attribute.split("|") if u]
        for u in offered:
            name, sep, _v = u.partition("=")
            if not sep or name not in self.attributes:
                raise SimulatorError(f"a multi-choice question offers 'name=value' units of {', '.join(self.attributes)}; got {u!r}")
        said = {u: self.noise.apply(u in self._units, self._play.rng) for u in offered}
        if len(offered) == 1:
            return Act("affirm" if said[offered[0]] else "deny", {"attribute": offered[0], "truth": offered[0] in self._units})
        return Act("choose", {"attribute": attribute, "values": tuple(u for u in offered if said[u]),
                              "rejected": tuple(u for u in offered if not said[u]),
                              "truth": tuple(u for u in offered if u in self._units)})

    def _judge(self, items: Sequence[str]) -> Act:
        assert self.episode is not None
        if not items:
            raise SimulatorError("recommend action without items")
        if len(items) > self.config.top_k:
            raise SimulatorError(f"a recommendation holds at most {self.config.top_k} items, got {len(items)}")
        hits = [r for r, i in enumerate(items, 1) if i in self.episode.targets]
        if hits:
            return Act("accept", {"item": items[hits[0] - 1], "rank": hits[0]})
        return Act("reject", {"items": tuple(items)})
