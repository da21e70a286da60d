"""Paired comparison of two simulation reports run on the same goals and seeds (`crs eval compare`).

Both reports list `episode_outcomes` (seed, turn of success or 0); episodes are matched by seed, so
the same goal is played by both policies and the standard error of the difference is the paired
one (smaller than the two unpaired errors combined when the policies succeed on the same users).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from crs.errors import CRSError


def paired_difference(a: Mapping[str, Any], b: Mapping[str, Any], max_turns: int = 15) -> dict[str, Any]:
    """SR@max_turns and average turns of `a` minus `b` on their common seeds, with paired standard errors."""
    out_a = {o["seed"]: o["turn"] for o in a.get("episode_outcomes", ())}
    out_b = {o["seed"]: o["turn"] for o in b.get("episode_outcomes", ())}
    seeds = sorted(set(out_a) & set(out_b))
    if len(seeds) < 2:
        raise CRSError("the reports share fewer than 2 episodes (run both with the same --seed and --episodes, "
                       "and a version that records `episode_outcomes`)")

    def sr(t: int) -> float:
        return float(0 < t <= max_turns)

    def turns(t: int) -> float:
        return float(t if t > 0 else max_turns)

    def stats(f: Any) -> tuple[float, float]:
        d = [f(out_a[s]) - f(out_b[s]) for s in seeds]
        mean = sum(d) / len(d)
        var = sum((x - mean) ** 2 for x in d) / (len(d) - 1)
        return mean, math.sqrt(var / len(d))

    d_sr, se_sr = stats(sr)
    d_at, se_at = stats(turns)
    return {"episodes": len(seeds), "policy_a": a.get("policy"), "policy_b": b.get("policy"),
            "sr_a": sum(sr(out_a[s]) for s in seeds) / len(seeds), "sr_b": sum(sr(out_b[s]) for s in seeds) / len(seeds),
            "sr_difference": round(d_sr, 4), "sr_difference_se": round(se_sr, 4),
            "turns_difference": round(d_at, 3), "turns_difference_se": round(se_at, 3),
            "sr_z": round(d_sr / se_sr, 2) if se_sr > 0 else None}
