"""Dialogue policies behind one small API, and DQN checkpoints.

    policy = load_policy(catalog, "dqn")          # or "rules", "bayes", "rules-yes-only", ...
    action = policy.choose(observation)            # crs.types.Action with alternatives

A missing or incompatible checkpoint raises `PolicyError` saying how to retrain; a rule policy
is only used when asked for by name.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from crs.config import atomic_write_bytes, cache_dir
from crs.policy.belief import BeliefConfig
from crs.policy.features import encode, n_slots, slot_action, slot_label
from crs.policy.observation import PolicyObservation
from crs.policy.rules import RULES
from crs.policy.space import AskSpace, PolicyError, build_ask_space
from crs.types import Action, Catalog

FORMAT = 2
"""2: open-question slots and turn signals in the features (format-1 checkpoints must be retrained)."""
POLICIES = ("dqn", *RULES)


class DialoguePolicy(Protocol):
    """A `crs.protocols.Policy` that also says which belief and item prior its observation needs."""

    name: str
    belief: BeliefConfig
    prior: str

    def choose(self, obs: PolicyObservation) -> Action: ...


@dataclass
class DQNPolicy:
    """Greedy policy of a trained Q-network; alternatives carry the Q values of the next best slots."""

    net: Any
    n_ask: int
    top_k: int
    belief: BeliefConfig
    name: str = "dqn"
    prior: str = "popularity"
    """Item prior the network was trained with (`crs.policy.prior.PRIORS`)."""
    trained_on: frozenset[str] = frozenset()
    """Conversation ids of the dialogues its simulated users took their goals from (empty for the
    attribute simulator): a leak source for evaluations on dialogue goals (`crs.eval.leaks`)."""
    observation: str = "belief"
    """What it was trained to read: `belief` (attribute simulator) | `candidates` (the chat's candidate summary)."""
    meta: dict[str, Any] | None = None
    """The checkpoint's metadata (training config, data digest, evaluation figures)."""

    def __post_init__(self) -> None:
        from crs.policy.network import NumpyQ

        self._fast = NumpyQ(self.net)

    def q_values(self, obs: PolicyObservation) -> np.ndarray:
        """Q value of every action slot (numpy forward pass of the trained network)."""
        return self.q_encoded(encode(obs, self.n_ask, self.top_k))

    def q_encoded(self, features: Mapping[str, np.ndarray]) -> np.ndarray:
        """Q value of every action slot for already encoded features (`crs.policy.features.encode`)."""
        return self._fast(features)

    def choose(self, obs: PolicyObservation) -> Action:
        q = self.q_values(obs)
        order = [int(s) for s in np.argsort(-q) if q[s] > -1e8]
        best = order[0]
        alts = tuple((slot_label(obs, s, self.n_ask), round(float(q[s]), 4)) for s in order)  # every valid action
        act = slot_action(obs, best, self.n_ask, score=float(q[best]))
        return Action(act.kind, act.attribute, act.items, act.score, alts)


def checkpoint_path(catalog: Catalog, space: AskSpace, cache: str | Path | None = None, protocol: str = "binary") -> Path:
    """Where `crs train policy --catalog NAME [--protocol multi-choice]` saves the DQN for this
    catalog and schema (one file per protocol)."""
    tag = "" if protocol == "binary" else f"{protocol}-"
    return cache_dir(cache) / "policy" / f"dqn-{tag}{catalog.name}-{space.fingerprint}.pt"


def save_checkpoint(path: Path, net: Any, space: AskSpace, meta: dict[str, Any]) -> None:
    import torch

    payload = {"format": FORMAT, "catalog": space.catalog_name, "space": space.fingerprint,
               "n_units": space.n_units, "n_items": space.n_items, "meta": meta, "state_dict": net.state_dict()}
    buf = io.BytesIO()
    torch.save(payload, buf)
    atomic_write_bytes(path, buf.getvalue())
    atomic_write_bytes(path.with_suffix(".json"), json.dumps(meta, indent=2, default=str).encode())


def load_policy(catalog: Catalog, name: str = "dqn", cache: str | Path | None = None,
                path: str | Path | None = None, space: AskSpace | None = None) -> DialoguePolicy:
    """A policy by name; `dqn` loads the checkpoint trained for this catalog (or `path`)."""
    if name in RULES:
        return RULES[name]()
    if name != "dqn":
        raise PolicyError(f"unknown policy {name!r}; valid: {', '.join(POLICIES)}")
    space = space or build_ask_space(catalog)
    ckpt = Path(path) if path else checkpoint_path(catalog, space, cache)
    retrain = f"train one with `crs train policy --catalog {catalog.name}`"
    if not ckpt.is_file():
        others = sorted(ckpt.parent.glob(f"dqn-{catalog.name}-*.pt")) if ckpt.parent.is_dir() else []
        hint = f" (found {others[0].name}, trained on a different catalog version or schema)" if others else ""
        raise PolicyError(f"no trained dialogue policy for catalog {catalog.name!r} at {ckpt}{hint}; {retrain}")
    return _load_dqn(ckpt, catalog, space, retrain)


def _load_dqn(ckpt: Path, catalog: Catalog, space: AskSpace, retrain: str) -> DQNPolicy:
    import torch

    from crs.policy.network import QNetwork

    try:
        payload = torch.load(ckpt, map_location="cpu", weights_only=False)
    except Exception as e:  # noqa: BLE001  (corrupt or foreign file: any unpickling error)
        raise PolicyError(f"cannot read policy checkpoint {ckpt} ({type(e).__name__}: {e}); {retrain}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise PolicyError(f"{ckpt} is not a crs policy checkpoint of format {FORMAT}; {retrain}")
    if payload["catalog"] != catalog.name or payload["space"] != space.fingerprint or payload["n_items"] != space.n_items:
        raise PolicyError(f"{ckpt} was trained for catalog {payload['catalog']!r} (schema {payload['space']}), "
                          f"not {catalog.name!r} (schema {space.fingerprint}); {retrain}")
    meta = payload["meta"]
    net = QNetwork(space.n_units, space.n_items, meta["n_ask"], meta["hidden"], meta["emb"])
    net.load_state_dict(payload["state_dict"])
    net.eval()
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["belief"].items()}
    belief = BeliefConfig(**fields)
    return DQNPolicy(net, meta["n_ask"], meta["top_k"], belief, prior=meta.get("prior", "popularity"),
                     trained_on=frozenset(meta.get("goal_conversations", ())),
                     observation=meta.get("observation", "belief"), meta=meta)


def describe(policy: DialoguePolicy) -> dict[str, Any]:
    return {"name": policy.name, "belief": asdict(policy.belief), "prior": policy.prior}


__all__ = ["POLICIES", "DQNPolicy", "DialoguePolicy", "checkpoint_path", "describe", "load_policy", "n_slots", "save_checkpoint"]
