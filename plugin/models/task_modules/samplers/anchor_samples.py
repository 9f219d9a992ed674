"""What a batched anchor sampler returns: the anchors that enter the losses
and how each counts.

Shapes: B images, N anchors, S sample slots per image (fixed by the sampler,
so that no host sync is needed; unused slots have zero weight).

The slots' order depends only on the sample, not on how it was drawn (the
random samplers sort their slots by anchor index): the losses sum over the
slots, so the same sample gives bitwise the same losses.
"""
from typing import NamedTuple, Optional

from torch import Tensor


class AnchorSamples(NamedTuple):
    """The sampled anchors of a batch.

    Attributes:
        inds (Tensor): (B, S) int64 anchor index of each slot (0 on unused
            slots).
        pos (Tensor): (B, S) bool, the slot holds a sampled positive.
        neg (Tensor): (B, S) bool, the slot holds a sampled negative.
        cls_weight (Tensor): (B, S) float32 weight of each slot in the
            classification loss (0 on unused slots).
        reg_weight (Tensor): (B, S) float32 weight of each slot in the
            regression loss (0 unless positive).
        avg_factor (Tensor, optional): scalar, the losses are the weighted
            sums divided by it (mmdet's ``avg_factor``); None when the
            weights are already normalised and the losses are plain sums.
    """
    inds: Tensor
    pos: Tensor
    neg: Tensor
    cls_weight: Tensor
    reg_weight: Tensor
    avg_factor: Optional[Tensor]
