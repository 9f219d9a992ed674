"""AutoAssign's label assignment: candidate points and negative weights.

Shapes: B images, P points (all FPN levels concatenated), G gts per image
(padded, see :class:`plugin.models.utils.BatchGT`), C classes.

AutoAssign has no hard positive/negative split. Every point inside a gt box is
both a positive candidate for that gt (weighted in the loss by confidence and
the centre prior, which need gradients and so live in the loss and the
:class:`CenterPrior`) and a negative for the gt's class, with weight

    w- = 1 - normalise_over_the_gt's_points(1 / (1 - IoU))

where IoU is the best IoU of the point's predicted box with any gt of its
image (paper Eq. 7): the better a point already localises an object, the less
it is punished as background. Points outside every box are plain negatives
(w- = 1). This module computes those no-gradient parts for a whole batch at
once, with no loop over gts and no host synchronisation.
"""
from typing import Optional

import torch
from mmdet.structures.bbox import bbox_overlaps
from torch import Tensor

from plugin.registry import TASK_UTILS

# Guards the divisions of mmdet's implementation, kept equal to it so the
# weights match to the last bit where the inputs are the same.
EPS = 1e-12
# Marks (point, class) entries that no gt claims while scattering weights.
NO_CANDIDATE = -1.0


def _check_int16_ranks(num_gts: int) -> None:
    """The overlap rule ranks gts in int16: refuse images with more."""
    if num_gts > torch.iinfo(torch.int16).max:
        raise ValueError(f'{num_gts} gts in one image: at most '
                         f'{torch.iinfo(torch.int16).max} supported')


@TASK_UTILS.register_module()
class AutoAssignAssigner:
    """Batched candidate selection and negative weighting of AutoAssign.

    Where a point lies in two or more boxes of the same class, it gets the
    negative weight computed for the gt that comes *last* in the image's
    annotation order (highest gt index). This is the rule mmdet's
    implementation follows when its scatter runs on one thread (with several
    threads mmdet's result depends on which write lands last); here it is
    taken with an order-independent ``amax`` reduction, so the result is
    deterministic on any device and thread count.
    """

    @torch.no_grad()
    def points_inside(self, points: Tensor, gt_bboxes: Tensor,
                      gt_valid: Tensor) -> Tensor:
        """Which points lie strictly inside which gt box.

        Args:
            points (Tensor): (P, 2) point coordinates (x, y).
            gt_bboxes (Tensor): (B, G, 4) boxes (x1, y1, x2, y2).
            gt_valid (Tensor): (B, G) bool, False on padding.

        Returns:
            Tensor: (B, P, G) bool. A point on the border is outside (strict
            inequality, as in mmdet), so a zero-width box holds no point.
        """
        x = points[None, :, None, 0]  # (1, P, 1)
        y = points[None, :, None, 1]
        boxes = gt_bboxes[:, None]  # (B, 1, G, 4)
        inside = (x > boxes[..., 0]) & (y > boxes[..., 1]) & \
            (x < boxes[..., 2]) & (y < boxes[..., 3])
        return inside & gt_valid[:, None]

    @torch.no_grad()
    def negative_weights(self,
                         pred_bboxes: Tensor,
                         gt_bboxes: Tensor,
                         gt_labels: Tensor,
                         gt_valid: Tensor,
                         inside: Tensor,
                         num_classes: int,
                         ious: Optional[Tensor] = None) -> Tensor:
        """Per point and class weight of the negative (background) loss.

        Args:
            pred_bboxes (Tensor): (B, P, 4) decoded predicted boxes.
            gt_bboxes (Tensor): (B, G, 4) gt boxes.
            gt_labels (Tensor): (B, G) gt classes.
            gt_valid (Tensor): (B, G) bool, False on padding.
            inside (Tensor): (B, P, G) candidate mask (after ``force_topk``).
            num_classes (int): C.
            ious (Tensor, optional): (B, P, G) IoU of each point's predicted
                box with each gt, if the caller has it already.

        Returns:
            Tensor: (B, P, C) weights in [0, 1]; 1 wherever the point is no
            candidate of a gt of that class.
        """
        num_imgs, num_points, num_gts = inside.shape
        shape = (num_imgs, num_points, num_classes)
        if num_gts == 0 or num_points == 0:
            return pred_bboxes.new_ones(shape)

        if ious is None:
            ious = bbox_overlaps(
                pred_bboxes[:, :, None].expand(-1, -1, num_gts, -1),
                gt_bboxes[:, None].expand(-1, num_points, -1, -1),
                is_aligned=True)  # (B, P, G)
        # Padding must not win the max below (its dummy box can overlap a
        # prediction). IoU >= 0, so 0 never beats a real gt.
        ious = torch.where(gt_valid[:, None], ious, 0)
        # Best IoU of the point's box with any real gt, then f = 1/(1 - IoU)
        f_iou = 1 / (1 - ious.amax(dim=2)).clamp(min=EPS)  # (B, P)

        # Min-max normalise f over the candidate points of each gt, so the
        # point with the best box of each gt gets (almost) no negative loss.
        # EPS in both terms as in mmdet: a gt with one candidate gets 1.
        # Fills are finite (f >= 1 > 0) so a gt without candidates yields
        # finite, unused values rather than inf - inf = NaN.
        f_pg = f_iou[..., None].expand(-1, -1, num_gts)
        outside = ~inside
        masked = f_pg.masked_fill(outside, torch.finfo(f_iou.dtype).max)
        f_min = masked.amin(dim=1)  # (B, G)
        f_max = masked.masked_fill_(outside, 0).amax(dim=1)  # (B, G)
        # w- = 1 - (f - f_min + EPS) / (f_max - f_min + EPS), in place
        neg_weight = torch.sub(f_pg, f_min[:, None], out=masked).add_(EPS)
        neg_weight.div_((f_max - f_min + EPS)[:, None]).neg_().add_(1)

        # For each point and class, the candidate gt of that class with the
        # highest index wins (the documented overlap rule): an amax over
        # 1-based ranks finds it, independent of the order of writes.
        # int16 ranks: a quarter of int64's memory traffic.
        _check_int16_ranks(num_gts)
        label_idx = gt_labels[:, None].expand(-1, num_points, -1)
        rank = torch.where(
            inside,
            torch.arange(1, num_gts + 1, device=inside.device,
                         dtype=torch.int16), 0)  # (B, P, G), 0: no candidate
        winner = rank.new_zeros((num_imgs, num_points, num_classes))
        winner.scatter_reduce_(2, label_idx, rank, reduce='amax')
        # Each (point, class) now has exactly one winning pair; scatter the
        # winners' weights (one writer per target: deterministic). The
        # sentinel -1 (below any weight, which lies in [0, 1]) marks "no
        # candidate" and becomes weight 1.
        loses = (winner.gather(2, label_idx) != rank) | outside
        src = neg_weight.masked_fill_(loses, NO_CANDIDATE)
        picked = pred_bboxes.new_full(shape, NO_CANDIDATE).scatter_reduce_(
            2, label_idx, src, reduce='amax')
        return picked.masked_fill_(picked == NO_CANDIDATE, 1)

    # ------------------------------------------------------------------
    # the window path: the same weights from listed (gt, point) pairs
    # ------------------------------------------------------------------
    @torch.no_grad()
    def pair_negative_weights(self, best_ious: Tensor, pair_gt: Tensor,
                              pair_flat: Tensor, gt_labels: Tensor,
                              num_classes: int) -> Tensor:
        """:meth:`negative_weights` from listed candidate pairs.

        Args:
            best_ious (Tensor): (B, P) each point's best IoU with any gt
                (read at the pairs' points only).
            pair_gt (Tensor): (T,) flat gt index (image * G + gt).
            pair_flat (Tensor): (T,) flat point index (image * P + point).
            gt_labels (Tensor): (B, G) gt classes.
            num_classes (int): C.

        Returns:
            Tensor: (B, P, C) weights, equal to the dense ones.
        """
        num_imgs, num_points = best_ious.shape
        num_gts = gt_labels.size(1)
        shape = (num_imgs, num_points, num_classes)
        weights = best_ious.new_full(shape, NO_CANDIDATE)
        if len(pair_gt) == 0:
            return weights.fill_(1)
        _check_int16_ranks(num_gts)
        f = 1 / (1 - best_ious.reshape(-1)).clamp(min=EPS)
        f = f.index_select(0, pair_flat)  # (T,)
        # min-max over each gt's candidates, as the dense masked amin/amax
        num = num_imgs * num_gts
        f_min = f.new_full((num, ), torch.finfo(f.dtype).max).scatter_reduce_(
            0, pair_gt, f, reduce='amin')
        f_max = f.new_zeros((num, )).scatter_reduce_(
            0, pair_gt, f, reduce='amax')
        f_min, f_max = f_min.index_select(0, pair_gt), f_max.index_select(
            0, pair_gt)
        neg_weight = torch.sub(f, f_min).add_(EPS)
        neg_weight.div_(f_max - f_min + EPS).neg_().add_(1)
        # the documented overlap rule: per point and class the candidate
        # gt of highest index wins (amax of 1-based ranks, order-free)
        label = gt_labels.reshape(-1).index_select(0, pair_gt)
        rank = (pair_gt % max(num_gts, 1) + 1).to(torch.int16)
        target = pair_flat * num_classes + label
        winner = rank.new_zeros(num_imgs * num_points * num_classes)
        winner.scatter_reduce_(0, target, rank, reduce='amax')
        loses = winner.index_select(0, target) != rank
        src = neg_weight.masked_fill_(loses, NO_CANDIDATE)
        flat = weights.view(-1).scatter_reduce_(0, target, src, reduce='amax')
        return flat.masked_fill_(flat == NO_CANDIDATE, 1).view(shape)
