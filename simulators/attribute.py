"""Attribute-level user simulator: the MCR protocol of EAR / SCPR / UNICORN.

One episode per (user, target item) pair of a split. The user opens with one attribute value of
the target; `ask("name=value")` is answered yes iff the target has that value (multi-valued
attributes included), flipped with probability `answer_noise`; `ask("name")` is answered with the
target's values of that attribute; a recommendation of up to `top_k` items succeeds iff it
contains the target, otherwise those items are rejected; `wait` lets the user volunteer one more
target attribute with probability `initiative` (0 in the standard protocol); at most `max_turns`
system turns. Every turn is a `crs.types.Act` with its ground-truth slots.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from crs.types import Act, Action, Catalog
from simulators.errors import SimulatorError
from simulators.noise import AnswerNoise

__all__ = ["AttributeSimConfig", "AttributeSimulator", "Episode", "SimulatorError", "load_episodes"]


@dataclass(frozen=True)
class AttributeSimConfig:
    """Configuration of the attribute simulator (unknown keys are errors via crs.config.from_dict)."""

    max_turns: int = 15
    """System turns before the user quits."""
    top_k: int = 10
    """Most items a recommendation may hold."""
    answer_noise: float = 0.0
    """Probability of flipping each yes/no answer."""
    initiative: float = 0.0
    """Probability that the user volunteers a new target attribute when the system waits."""
    attributes: tuple[str, ...] = ()
    """Schema attributes the user talks about (empty: every non-numeric attribute)."""
    seed: int = 0
    """Seed of the episode order and the answer noise."""


@dataclass(frozen=True)
class Episode:
    user: str
    target: str


E = TypeVar("E")


def check_config(config: AttributeSimConfig) -> None:
    """`SimulatorError` for settings no attribute-level user can have."""
    if not 0.0 <= config.answer_noise <= 0.5:
        raise SimulatorError(f"answer noise must be in [0, 0.5], got {config.answer_noise}")
    if config.max_turns < 1 or config.top_k < 1:
        raise SimulatorError("max_turns and top_k must be positive")


class EpisodeOrder(Generic[E]):
    """Episodes played in a seeded permutation (a new seed restarts it); `rng` also draws the
    user's openings and answer noise, so one seed fixes a whole run."""

    def __init__(self, episodes: Sequence[E], seed: int) -> None:
        self.episodes = list(episodes)
        self.restart(seed)

    def restart(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self._order = self.rng.permutation(len(self.episodes))
        self._next = 0

    def draw(self, seed: int | None = None) -> E:
        """The next episode (`seed`: restart the order first)."""
        if seed is not None:
            self.restart(seed)
        ep = self.episodes[int(self._order[self._next % len(self.episodes)])]
        self._next += 1
        return ep


class AttributeSimulator:
    """Simulated MCR user over a catalog and a list of (user, target) episodes."""

    def __init__(self, catalog: Catalog, episodes: Sequence[Episode], config: AttributeSimConfig | None = None) -> None:
        self.catalog = catalog
        self.config = config or AttributeSimConfig()
        check_config(self.config)
        self.noise = AnswerNoise(self.config.answer_noise)
        self.attributes = _attribute_names(catalog, self.config.attributes)
        self.episodes = _check_episodes(catalog, episodes, self.attributes)
        self._play = EpisodeOrder(self.episodes, self.config.seed)
        self.episode: Episode | None = None
        self.turn = 0
        self.done = False
        self._target_units: tuple[str, ...] = ()
        self._told: set[str] = set()

    def __len__(self) -> int:
        return len(self.episodes)

    # --- protocol -----------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> Act:
        """Start the next episode (a new seed restarts the order); the user states one target attribute."""
        self.episode = self._play.draw(seed)
        self.turn = 0
        self.done = False
        self._target_units = self.target_units(self.episode.target)
        opening = self._target_units[int(self._play.rng.integers(len(self._target_units)))]
        self._told = {opening}
        return Act("inform", {"attribute": opening, "user": self.episode.user, "turn": 0, "done": False})

    def respond(self, action: Action) -> Act:
        """Answer one system action (ask / recommend / wait); raises if the episode is over."""
        if self.episode is None or self.done:
            raise SimulatorError("episode is over: call reset() first")
        self.turn += 1
        if action.kind == "ask":
            act = self._answer(action.attribute)
        elif action.kind == "recommend":
            act = self._judge(action.items)
        elif action.kind == "wait":
            act = self._volunteer()
        else:
            raise SimulatorError(f"unknown action kind {action.kind!r}; expected ask, recommend or wait")
        self.done = act.name == "accept" or self.turn >= self.config.max_turns
        return Act(act.name, {**act.slots, "turn": self.turn, "done": self.done})

    # --- response model -------------------------------------------------------------------------
    def target_units(self, item_id: str) -> tuple[str, ...]:
        it = self.catalog.item(item_id)
        return tuple(f"{a}={v}" for a in self.attributes for v in it.values(a))

    def _answer(self, attribute: str | None) -> Act:
        if not attribute:
            raise SimulatorError("ask action without an attribute")
        name, sep, _value = attribute.partition("=")
        if name not in self.attributes:
            raise SimulatorError(f"unknown attribute {name!r}; valid: {', '.join(self.attributes)}")
        if not sep:
            values = tuple(u for u in self._target_units if u.startswith(name + "="))
            self._told.update(values)
            return Act("inform", {"attribute": name, "values": values}) if values else Act("deny", {"attribute": name})
        truth = attribute in self._target_units
        said = self.noise.apply(truth, self._play.rng)
        return Act("affirm" if said else "deny", {"attribute": attribute, "truth": truth})

    def _judge(self, items: Sequence[str]) -> Act:
        assert self.episode is not None
        if not items:
            raise SimulatorError("recommend action without items")
        if len(items) > self.config.top_k:
            raise SimulatorError(f"a recommendation holds at most {self.config.top_k} items, got {len(items)}")
        if self.episode.target in items:
            return Act("accept", {"item": self.episode.target, "rank": list(items).index(self.episode.target) + 1})
        return Act("reject", {"items": tuple(items)})

    def _volunteer(self) -> Act:
        fresh = [u for u in self._target_units if u not in self._told]
        if fresh and self.config.initiative > 0 and self._play.rng.random() < self.config.initiative:
            unit = fresh[int(self._play.rng.integers(len(fresh)))]
            self._told.add(unit)
            return Act("inform", {"attribute": unit})
        return Act("none", {})


def _attribute_names(catalog: Catalog, wanted: Sequence[str]) -> tuple[str, ...]:
    for a in wanted:
        if a not in catalog.schema:
            raise SimulatorError(f"unknown attribute {a!r} for catalog {catalog.name!r}; valid: {', '.join(catalog.schema.names)}")
    names = tuple(wanted) or tuple(a.name for a in catalog.schema if not a.is_numeric)
    numeric = [a for a in names if catalog.schema.get(a).is_numeric]
    if numeric:
        raise SimulatorError(f"numeric attributes cannot be stated as values: {numeric}")
    return names


def _check_episodes(catalog: Catalog, episodes: Sequence[Episode], attributes: tuple[str, ...]) -> list[Episode]:
    if not episodes:
        raise SimulatorError("empty split: no (user, target item) episodes")
    out = []
    for ep in episodes:
        if ep.target not in catalog:
            raise SimulatorError(f"target item {ep.target!r} (user {ep.user!r}) is not in catalog {catalog.name!r}")
        if any(catalog.item(ep.target).values(a) for a in attributes):
            out.append(ep)
    if not out:
        raise SimulatorError(f"no target item of the split has a value of {list(attributes)}")
    return out


def load_episodes(path: str | Path, catalog: Catalog) -> list[Episode]:
    """Episodes from a split file: LastFM*-style JSON `{user: [items]}`, or a ReDial-format JSONL
    (targets: the movies the seeker liked, that are in the catalog)."""
    path = Path(path)
    if not path.is_file():
        raise SimulatorError(f"{path}: split file not found")
    if path.suffix == ".jsonl":
        return _redial_episodes(path, catalog)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SimulatorError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
        raise SimulatorError(f"{path}: expected a JSON object {{user: [item ids]}}")
    eps = [Episode(str(u), str(i)) for u, items in raw.items() for i in items]
    if not eps:
        raise SimulatorError(f"{path}: empty split")
    return eps


def _redial_episodes(path: Path, catalog: Catalog) -> list[Episode]:
    from crs.catalog.dialogues import read_dialogues

    eps = []
    for d in read_dialogues(path).dialogues:
        for mid, labels in d.seeker_labels.items():
            if labels.get("liked") == 1 and mid in catalog:
                eps.append(Episode(d.seeker or d.conversation_id, mid))
    if not eps:
        raise SimulatorError(f"{path}: no liked movie of the dialogues is in catalog {catalog.name!r}")
    return eps


def episodes_from_interactions(catalog: Catalog, part: str = "train", per_user: int = 3, dev_fraction: float = 0.2,
                               seed: int = 0) -> list[Episode]:
    """Episodes from the catalog's users × items matrix (e.g. MovieLens ratings of a movie catalog):
    up to `per_user` items per user; users are split deterministically into train / dev parts."""
    if catalog.interactions is None:
        raise SimulatorError(f"catalog {catalog.name!r} has no interactions: pass --split FILE")
    if part not in ("train", "dev"):
        raise SimulatorError(f"part must be 'train' or 'dev', got {part!r}")
    inter = catalog.interactions.tocsr()
    rng = np.random.default_rng(seed)
    ids = catalog.ids
    eps = []
    for u in range(inter.shape[0]):
        in_dev = (u * 2654435761 + seed) % 1000 < dev_fraction * 1000
        cols = inter.indices[inter.indptr[u] : inter.indptr[u + 1]]
        if (part == "dev") != in_dev or cols.size == 0:
            continue
        for c in rng.choice(cols, size=min(per_user, cols.size), replace=False):
            eps.append(Episode(str(u), ids[int(c)]))
    if not eps:
        raise SimulatorError(f"catalog {catalog.name!r}: no interactions in the {part} part")
    return eps
