"""User-facing errors of the simulators (bad config, bad data, misuse of an episode)."""

from __future__ import annotations

from crs.errors import CRSError


class SimulatorError(CRSError):
    """A simulator was given a bad configuration, bad data or an action it cannot interpret."""
