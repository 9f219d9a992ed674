"""Best IoU of boxes with any gt of their image, over the gts that can
overlap each box only.

Shapes: B images, N boxes per image (e.g. the predicted box of each point),
G gts per image (padded), S candidate (box, gt) pairs.

A box A and a gt b overlap only if b.x1 < A.x2 and b.x2 > A.x1; every gt
is at most ``w_max`` wide (the image's widest), so b.x2 > A.x1 implies
b.x1 > A.x1 - w_max. Sorted by x1, the gts that can overlap A are therefore
one contiguous band of the image's sorted gts, found by two binary
searches; the others have IoU exactly 0 and cannot change a maximum that
starts at 0. The work is S, the bands' total (about N G (w_max + w_A) /
image width on a uniform layout, instead of N G), listed without a
(B, N, G) tensor and processed in blocks of ``max_pairs``. The band's
IoUs are mmdet's ``bbox_overlaps`` arithmetic, op for op, so each maximum
is bitwise the dense one.
"""
from typing import NamedTuple

import torch
from torch import Tensor

from plugin.models.utils.segments import segment_ids

# Relative widening of each band's lower end: b.x1 + w_max is rounded, so
# b.x2 may exceed it by an ulp or two (1.2e-7 relative); 1e-5 is ~80 ulps,
# and a gt taken in by the margin only costs its IoU (0 if apart).
BAND_SLACK = 1e-5


class OverlapBands(NamedTuple):
    """Per box, its band of the image's gts sorted by x1.

    Attributes:
        order (Tensor): (B, G) int64 gt index of each sorted position
            (padding last).
        lo (Tensor): (B, N) int64 first sorted position of the band.
        counts (Tensor): (B, N) int64 band lengths (0 for unused boxes).
    """
    order: Tensor
    lo: Tensor
    counts: Tensor


@torch.no_grad()
def overlap_bands(boxes: Tensor, gt_bboxes: Tensor, gt_valid: Tensor,
                  used: Tensor) -> OverlapBands:
    """The band of gts that can overlap each used box.

    Args:
        boxes (Tensor): (B, N, 4) boxes (x1, y1, x2, y2).
        gt_bboxes (Tensor): (B, G, 4) gts, finite.
        gt_valid (Tensor): (B, G) bool, False on padding.
        used (Tensor): (B, N) bool, the boxes whose IoU is wanted.

    Returns:
        OverlapBands: the bands; ``counts.sum()`` is S.
    """
    x1 = gt_bboxes[..., 0].masked_fill(~gt_valid, float('inf'))  # (B, G)
    sorted_x1, order = x1.sort(dim=1, stable=True)
    widths = (gt_bboxes[..., 2] - gt_bboxes[..., 0]).clamp(min=0)
    w_max = widths.masked_fill(~gt_valid, 0).amax(dim=1, keepdim=True) \
        if gt_bboxes.size(1) else widths.new_zeros((len(widths), 1))
    a_x1, a_x2 = boxes[..., 0], boxes[..., 2]
    lower = a_x1 - w_max - BAND_SLACK * (a_x1.abs() + w_max)
    lo = torch.searchsorted(sorted_x1, lower.contiguous(), right=True)
    hi = torch.searchsorted(sorted_x1, a_x2.contiguous())  # x1 < A.x2
    counts = (hi - lo).clamp_(min=0).mul_(used)
    return OverlapBands(order, lo, counts)


@torch.no_grad()
def band_max_ious(boxes: Tensor, gt_bboxes: Tensor, bands: OverlapBands,
                  total: int, eps: float = 1e-6,
                  max_pairs: int = 1 << 20) -> Tensor:
    """Best IoU of each box with the gts of its band.

    Args:
        boxes (Tensor): (B, N, 4) boxes.
        gt_bboxes (Tensor): (B, G, 4) gts.
        bands (OverlapBands): from :func:`overlap_bands`.
        total (int): S, ``bands.counts.sum()`` read on the host by the
            caller (with its other reads).
        eps (float): the union's lower bound (mmdet's).
        max_pairs (int): pairs of one block: memory is about 30 floats per
            pair of a block (1 << 20: ~120 MB).

    Returns:
        Tensor: (B, N) best IoU, 0 for unused boxes and empty bands.
    """
    num_imgs, num_boxes = boxes.shape[:2]
    num_gts = gt_bboxes.size(1)
    out = boxes.new_zeros(num_imgs * num_boxes)
    counts = bands.counts.reshape(-1)
    cum = counts.cumsum(0)
    starts = cum - counts  # (B N,) each box's first pair
    image = torch.div(torch.arange(len(counts), device=boxes.device),
                      num_boxes, rounding_mode='floor')
    # pair t of box i is sorted gt t + offset[i] of the flat (B G) order
    offset = image * num_gts + bands.lo.reshape(-1) - starts
    flat_boxes, flat_gts = boxes.reshape(-1, 4), gt_bboxes.reshape(-1, 4)
    order = (bands.order + torch.arange(
        num_imgs, device=boxes.device)[:, None] * num_gts).reshape(-1)
    for start in range(0, total, max_pairs):
        size = min(max_pairs, total - start)
        t = torch.arange(start, start + size, device=boxes.device)
        box = segment_ids(starts, cum, start, size)  # image * N + box
        gt = order.index_select(0, t + offset.index_select(0, box))
        ax1, ay1, ax2, ay2 = flat_boxes.index_select(0, box).unbind(1)
        bx1, by1, bx2, by2 = flat_gts.index_select(0, gt).unbind(1)
        area_a = (ax2 - ax1) * (ay2 - ay1)
        area_b = (bx2 - bx1) * (by2 - by1)
        iw = torch.minimum(ax2, bx2).sub_(torch.maximum(ax1, bx1))
        ih = torch.minimum(ay2, by2).sub_(torch.maximum(ay1, by1))
        overlap = iw.clamp_(min=0).mul_(ih.clamp_(min=0))
        union = (area_a + area_b).sub_(overlap).clamp_(min=eps)
        out.scatter_reduce_(0, box, overlap.div_(union), reduce='amax')
    return out.view(num_imgs, num_boxes)
