"""`DialogueEnv` factories for training and evaluating a policy against an attribute-level simulator.

The caller (the `crs` command) owns the simulator: it passes `simulator(answer_noise, seed)`, which
builds one (e.g. `simulators.attribute.AttributeSimulator` over a list of episodes), and, to hold
each episode's target out of the collaborative prior, `target_of(simulator)`. crs never imports a
simulator. With the collaborative prior and `target_of`, every episode's target is held out of its
user's history (`HeldOutPrior`): training pairs are in the interaction matrix the prior is built
from, and without this the prior pushes the target to the bottom (bayes-cf: SR@15 0.56 on such
episodes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import numpy as np

from crs.policy.belief import BeliefConfig
from crs.policy.env import DialogueEnv, EnvConfig
from crs.policy.prior import CollaborativePrior, HeldOutPrior, build_prior
from crs.policy.space import AskSpace
from crs.protocols import Simulator
from crs.types import Catalog

S = TypeVar("S", bound=Simulator)


class EnvMaker(Generic[S]):
    """`make(answer_noise, seed, belief=None) -> DialogueEnv` over the chat ask space given (`space`),
    with the item prior named `prior` (`crs.policy.prior.PRIORS`) and the belief configuration of the
    policy (`belief`, overridable per call)."""

    def __init__(self, catalog: Catalog, space: AskSpace, simulator: Callable[[float, int], S],
                 prior: str = "popularity", belief: BeliefConfig | None = None,
                 target_of: Callable[[S], str | Sequence[str] | None] | None = None, choices: int = 1,
                 types: np.ndarray | None = None) -> None:
        self.catalog, self.space, self.simulator = catalog, space, simulator
        self.item_prior: CollaborativePrior | None = build_prior(catalog, prior)
        self.belief, self.target_of = belief, target_of
        self.choices, self.types = choices, types
        """Values per question (`EnvConfig.choices`) and the unit types multi-choice questions need."""

    def __call__(self, noise: float, seed: int, belief: BeliefConfig | None = None) -> DialogueEnv:
        sim = self.simulator(noise, seed)
        prior: Callable[[str], np.ndarray] | None = self.item_prior
        if self.item_prior is not None and self.target_of is not None:
            target_of = self.target_of
            prior = HeldOutPrior(self.item_prior, self.catalog, lambda: target_of(sim))
        b = belief or self.belief
        cfg = EnvConfig(choices=self.choices) if b is None else EnvConfig(belief=b, choices=self.choices)
        return DialogueEnv(self.catalog, self.space, sim, cfg, prior=prior, types=self.types)
