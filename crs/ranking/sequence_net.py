"""The transformer of `crs.ranking.sequence.SequenceModel` (imports torch: load it lazily)."""

from __future__ import annotations

import torch
from torch import nn

from crs.ranking.sequence import OFFSET, PAD, SequenceConfig


class SequenceNet(nn.Module):
    """Bidirectional transformer encoder over right-aligned item-token windows (BERT4Rec-style)."""

    def __init__(self, n_items: int, cfg: SequenceConfig) -> None:
        super().__init__()
        self.items = nn.Embedding(n_items + OFFSET, cfg.dim, padding_idx=PAD)
        self.pos = nn.Embedding(cfg.max_len, cfg.dim)
        self.norm = nn.LayerNorm(cfg.dim)
        self.drop = nn.Dropout(cfg.dropout)
        layer = nn.TransformerEncoderLayer(
            cfg.dim, cfg.heads, cfg.dim * 2, cfg.dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, cfg.layers, enable_nested_tensor=False)
        self.out_norm = nn.LayerNorm(cfg.dim)
        self.bias = nn.Parameter(torch.zeros(n_items))
        nn.init.normal_(self.items.weight, std=0.02)
        nn.init.normal_(self.pos.weight, std=0.02)
        with torch.no_grad():
            self.items.weight[PAD].zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (batch, max_len) token ids, right-aligned; returns hidden states (batch, len, dim)."""
        pos = torch.arange(x.shape[1], device=x.device).unsqueeze(0)
        h = self.drop(self.norm(self.items(x) + self.pos(pos)))
        h = self.encoder(h, src_key_padding_mask=x == PAD)
        out: torch.Tensor = self.out_norm(h)
        return out

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        return h @ self.items.weight[OFFSET:].T + self.bias
