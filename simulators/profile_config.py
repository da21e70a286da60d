"""Settings and session latents of the profile user model (`simulators.profile`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from simulators.errors import SimulatorError
from simulators.latent import NaturalConfig, SessionLatents
from simulators.profile_goals import OWN_WORDS


@dataclass(frozen=True)
class ProfileConfig:
    """Settings of the profile user: the natural simulator's distributions plus its own latents."""

    natural: NaturalConfig = field(default_factory=NaturalConfig)
    """Traits, register, grammar use, patience (`NaturalConfig`)."""
    seen_rate: float | None = None
    """Mean chance of "seen it" to a film outside the acceptable set; None: measured from the goal
    dialogues (share of `seen`=1 among the suggested movies the seeker did not like and answered
    `seen` for: `SeenStats.rate_rejected`; a seen film the seeker liked is in the acceptable set)."""
    seen_concentration: float = 6.0
    """Beta concentration of the per-session seen propensity around `seen_rate`."""
    person_recall: tuple[float, float] = (2.0, 2.0)
    """Beta(a, b): chance to name a person of a liked movie when the own words name none."""
    p_seen_followup: float = 0.3
    """Chance that "seen it" goes on with a request for another film ("Seen that. Any others?")."""
    max_stars: int = 3
    """Top-billed stars of a liked movie the user may name."""
    own_words: str = "no_echo"
    """Which seeker messages give own-word genres/people (`profile_goals.OWN_WORDS`): `all`,
    `no_echo` (not a value of an acceptable film the dialogue already named, unless said before it)
    or `before_suggestion`."""

    def __post_init__(self) -> None:
        for name in ("seen_rate", "p_seen_followup"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise SimulatorError(f"ProfileConfig.{name} must be a probability, got {value}")
        if self.seen_concentration <= 0 or min(self.person_recall) <= 0:
            raise SimulatorError("ProfileConfig.seen_concentration and person_recall need positive parameters")
        if self.own_words not in OWN_WORDS:
            raise SimulatorError(f"ProfileConfig.own_words must be one of {OWN_WORDS}, got {self.own_words!r}")
        if self.max_stars < 1:
            raise SimulatorError(f"ProfileConfig.max_stars must be >= 1, got {self.max_stars}")

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ProfileConfig:
        """Profile keys go here, every other key to `NaturalConfig.from_dict` (which names the
        valid keys of both when one is unknown)."""
        own = {f.name for f in fields(cls)} - {"natural"}
        mine: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items() if k in own}
        try:
            natural = NaturalConfig.from_dict({k: v for k, v in raw.items() if k not in own})
        except SimulatorError as e:
            raise SimulatorError(f"{e}; profile keys: {sorted(own)}") from None
        return cls(natural=natural, **mine)


@dataclass(frozen=True)
class ProfileLatents(SessionLatents):
    """Session latents of the profile user. `target` is one acceptable film, for diagnosis only."""

    conversation_id: str = ""
    seen_propensity: float = 0.5
    """Chance to answer a film outside the acceptable set with "seen it"."""
    person_recall: float = 0.5
    """Chance to name a person of a liked movie when asked about people and the own words are silent."""
