"""The Q-network: one pass scores every candidate action of the turn from shared state features.

Input per slot: global state features, the slot's own features, and a learned embedding (the
asked unit's embedding for ask slots, the mean embedding of the listed items for `recommend`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from crs.policy.features import ACTION_DIM, GLOBAL_DIM


class QNetwork(nn.Module):
    def __init__(self, n_units: int, n_items: int, n_ask: int, hidden: int = 128, emb: int = 8) -> None:
        super().__init__()
        self.n_ask = n_ask
        self.unit_emb = nn.Embedding(n_units + 1, emb, padding_idx=0)
        self.item_emb = nn.Embedding(n_items + 1, emb, padding_idx=0)
        nn.init.normal_(self.unit_emb.weight, std=0.01)
        nn.init.normal_(self.item_emb.weight, std=0.01)
        self.mlp = nn.Sequential(
            nn.Linear(GLOBAL_DIM + ACTION_DIM + emb, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, g: torch.Tensor, a: torch.Tensor, units: torch.Tensor, items: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B,G), (B,J,A), (B,J), (B,K), (B,J) → Q values (B,J), masked slots at -1e9."""
        e = self.unit_emb(units)
        item_mask = (items > 0).float().unsqueeze(-1)
        item_vec = (self.item_emb(items) * item_mask).sum(1) / item_mask.sum(1).clamp(min=1.0)
        slot_is_rec = torch.zeros(e.shape[1], 1, dtype=e.dtype)
        slot_is_rec[self.n_ask] = 1.0
        e = e + slot_is_rec.unsqueeze(0) * item_vec.unsqueeze(1)
        x = torch.cat([g.unsqueeze(1).expand(-1, a.shape[1], -1), a, e], dim=-1)
        q = self.mlp(x).squeeze(-1)
        return q.masked_fill(mask <= 0, -1e9)


def to_tensors(batch: Mapping[str, np.ndarray]) -> tuple[torch.Tensor, ...]:
    """Encoded observations (one or a stacked batch) → network inputs (batched)."""
    g = torch.as_tensor(batch["global"])
    if g.dim() == 1:
        return tuple(torch.as_tensor(batch[k]).unsqueeze(0) for k in ("global", "actions", "units", "items", "mask"))
    return tuple(torch.as_tensor(batch[k]) for k in ("global", "actions", "units", "items", "mask"))


class NumpyQ:
    """The same forward pass in numpy for one observation (inference without torch overhead).

    The first layer is split by input block, so the global features are multiplied once per turn
    and not once per slot."""

    def __init__(self, net: QNetwork) -> None:
        sd = {k: v.detach().cpu().numpy().astype(np.float64) for k, v in net.state_dict().items()}
        self.n_ask = net.n_ask
        self.unit_emb, self.item_emb = sd["unit_emb.weight"], sd["item_emb.weight"]
        w0 = sd["mlp.0.weight"].T
        self.w_global, self.w_action, self.w_emb = w0[:GLOBAL_DIM], w0[GLOBAL_DIM : GLOBAL_DIM + ACTION_DIM], w0[GLOBAL_DIM + ACTION_DIM :]
        self.b0 = sd["mlp.0.bias"]
        self.layers = [(sd[f"mlp.{i}.weight"].T, sd[f"mlp.{i}.bias"]) for i in (2, 4)]

    def __call__(self, obs: Mapping[str, np.ndarray]) -> np.ndarray:
        e = self.unit_emb[obs["units"]]
        items = obs["items"][obs["items"] > 0]
        if items.size:
            e[self.n_ask] += self.item_emb[items].mean(axis=0)
        x = obs["actions"] @ self.w_action + e @ self.w_emb + (obs["global"] @ self.w_global + self.b0)
        x = np.maximum(x, 0.0)
        (w1, b1), (w2, b2) = self.layers
        x = np.maximum(x @ w1 + b1, 0.0) @ w2 + b2
        return np.where(obs["mask"] > 0, x[:, 0], -1e9)
