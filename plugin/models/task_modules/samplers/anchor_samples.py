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


def slot_gt_boxes(samples: AnchorSamples, gt_inds: Tensor,
                  gt_bboxes: Tensor) -> Tensor:
    """The gt box assigned to each sample slot, the regression's target.

    Args:
        samples (AnchorSamples): the (B, S) slots.
        gt_inds (Tensor): (B, N) assignment (k + 1 for gt k).
        gt_bboxes (Tensor): (B, G, 4) padded gt boxes.

    Returns:
        Tensor: (B, S, 4); on slots that are not positive, gt 0's box (or
        zeros when no image has a gt): mask with ``samples.pos``.
    """
    if gt_bboxes.size(1) == 0:
        return gt_bboxes.new_zeros(samples.inds.shape + (4, ))
    gt = (gt_inds.gather(1, samples.inds) - 1).clamp(min=0)
    return gt_bboxes.gather(1, gt[..., None].expand(-1, -1, 4))
