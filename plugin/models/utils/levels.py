"""Flatten multi-level head outputs into one batch tensor.

Shapes: B images, K channels of a level's map, H x W its size, N = the sum
of H * W * A over levels (A priors per position).
"""
from typing import Optional, Sequence

import torch
from torch import Tensor


def levels_to_batch(mlvl: Sequence[Tensor],
                    last_dim: Optional[int] = None) -> Tensor:
    """Per-level (B, K, H, W) maps to one (B, N, last_dim) tensor.

    Positions run level by level, then row-major over (H, W), then over the
    A = K / last_dim priors of a position: mmdet's order of the priors
    (``grid_priors``) and of ``permute(0, 2, 3, 1).reshape(-1, last_dim)``.

    Args:
        mlvl: the maps of each level.
        last_dim: channels per prior; defaults to K (one prior per position).

    Returns:
        Tensor: (B, N, last_dim).
    """
    return torch.cat([
        x.permute(0, 2, 3, 1).reshape(x.size(0), -1, last_dim or x.size(1))
        for x in mlvl
    ], dim=1)
