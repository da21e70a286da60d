"""Answer-noise model of the attribute simulator, kept apart from its response model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AnswerNoise:
    """Flip each yes/no answer with probability `flip` (users misjudge attributes)."""

    flip: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.flip <= 0.5:
            raise ValueError(f"answer noise must be in [0, 0.5], got {self.flip}")

    def apply(self, truth: bool, rng: np.random.Generator) -> bool:
        if self.flip > 0.0 and rng.random() < self.flip:
            return not truth
        return truth
