"""GIoU (and IoU) of every predicted box with every gt of its image.

Shapes: B images, P predicted boxes (one per point), G gts (padded).

mmdet's ``bbox_overlaps(..., is_aligned=True)`` on boxes expanded to
(B, P, G, 4) does the same arithmetic, but through stride-0 views and (..., 2)
slices, and autograd then keeps some twenty (B, P, G) intermediates and
reduces each broadcast input separately: on CPU that traffic, not the
arithmetic, is what costs. Here each side is a (B, P, 1) or (B, 1, G) plane,
the IoU comes out of the same pass (AutoAssign's negative weights need it),
and the backward pass is written out: it reuses the forward's unclamped
widths, union and enclosing area (six (B, P, G) planes kept alive) and reduces
over G once per coordinate.

Forward values are bitwise equal to mmdet's (same operations, same order).
The backward follows PyTorch's derivative conventions for the same graph:
``maximum``/``minimum`` split the gradient evenly on ties and ``clamp`` lets
it through at the bound, so gradients match mmdet's autograd to rounding.
"""
from typing import Tuple

import torch
from torch import Tensor


def _planes(pred: Tensor, gt: Tensor) -> Tuple[Tensor, ...]:
    """Coordinates as (B, P, 1) planes for ``pred``, (B, 1, G) for ``gt``."""
    return (*(c[..., None] for c in pred.unbind(-1)),
            *(c[:, None] for c in gt.unbind(-1)))


def _max_side_weight(a: Tensor, b: Tensor) -> Tensor:
    """d max(a, b) / da as PyTorch defines it: 1 where a > b, 1/2 on a tie,
    0 where a < b; computed as (sign(a - b) + 1) / 2 in one buffer."""
    return (a - b).sign_().add_(1).mul_(0.5)


class _PairwiseGIoU(torch.autograd.Function):
    """(pred, gt) -> (GIoU, IoU), differentiable w.r.t. ``pred`` through
    the GIoU only (the IoU is an assignment input)."""

    @staticmethod
    def forward(ctx, pred: Tensor, gt: Tensor,
                eps: float) -> Tuple[Tensor, Tensor]:
        ax1, ay1, ax2, ay2, bx1, by1, bx2, by2 = _planes(pred, gt)
        area_a = (ax2 - ax1) * (ay2 - ay1)
        area_b = (bx2 - bx1) * (by2 - by1)
        # Unclamped widths are kept: the backward pass needs them and their
        # clamp masks (clamp passes the gradient where x >= bound).
        iw_raw = torch.minimum(ax2, bx2).sub_(torch.maximum(ax1, bx1))
        ih_raw = torch.minimum(ay2, by2).sub_(torch.maximum(ay1, by1))
        overlap = iw_raw.clamp(min=0).mul_(ih_raw.clamp(min=0))
        union_raw = (area_a + area_b).sub_(overlap)
        union = union_raw.clamp(min=eps)
        iou = overlap / union
        ew_raw = torch.maximum(ax2, bx2).sub_(torch.minimum(ax1, bx1))
        eh_raw = torch.maximum(ay2, by2).sub_(torch.minimum(ay1, by1))
        enclose_raw = ew_raw.clamp(min=0).mul_(eh_raw.clamp(min=0))
        enclose = enclose_raw.clamp(min=eps)
        giou = iou - (enclose - union).div_(enclose)
        ctx.save_for_backward(pred, gt, iw_raw, ih_raw, ew_raw, eh_raw,
                              union_raw, enclose_raw)
        ctx.eps = eps
        ctx.mark_non_differentiable(iou)
        return giou, iou

    @staticmethod
    def backward(ctx, grad_giou: Tensor, grad_iou: Tensor):
        (pred, gt, iw_raw, ih_raw, ew_raw, eh_raw, union_raw,
         enclose_raw) = ctx.saved_tensors
        eps = ctx.eps
        ax1, ay1, ax2, ay2, bx1, by1, bx2, by2 = _planes(pred, gt)
        g = grad_giou
        # In-place ops wherever a buffer is free: fresh (B, P, G) tensors,
        # not arithmetic, are what this pass costs on CPU.
        union = union_raw.clamp(min=eps)
        enclose = enclose_raw.clamp(min=eps)
        iw, ih = iw_raw.clamp(min=0), ih_raw.clamp(min=0)

        # giou = overlap / union - (enclose - union) / enclose
        # clamp(min=bound) passes the gradient where x >= bound.
        g_union = g / enclose
        g_enclose = (g_union * union).div_(enclose).neg_().masked_fill_(
            enclose_raw < eps, 0)
        g_union.sub_((iw * ih).mul_(g).div_(union).div_(union))
        g_union.masked_fill_(union_raw < eps, 0)
        g_overlap = torch.div(g, union, out=union).sub_(g_union)
        g_area_a = g_union.sum(dim=2)  # area_a is (B, P, 1)
        del g_union

        g_iw = (g_overlap * ih).masked_fill_(iw_raw < 0, 0)
        g_ih = g_overlap.mul_(iw).masked_fill_(ih_raw < 0, 0)
        ew = ew_raw.clamp(min=0)
        g_eh = (g_enclose * ew).masked_fill_(eh_raw < 0, 0)
        g_ew = g_enclose.mul_(eh_raw.clamp(min=0)).masked_fill_(ew_raw < 0, 0)

        # x1 is max'ed into the intersection and min'ed into the enclosing
        # box, x2 the other way round: each gets lerp(enclose grad, inter
        # grad, w) with w its weight in the intersection's max/min (ties
        # split evenly, as PyTorch's max/min do). Then sum over the gts.
        g_x1 = torch.lerp(g_ew, g_iw, _max_side_weight(ax1, bx1))
        g_x2 = g_ew.lerp_(g_iw, _max_side_weight(bx2, ax2))
        g_y1 = torch.lerp(g_eh, g_ih, _max_side_weight(ay1, by1))
        g_y2 = g_eh.lerp_(g_ih, _max_side_weight(by2, ay2))
        g_x1, g_y1 = g_x1.sum(dim=2).neg_(), g_y1.sum(dim=2).neg_()
        g_x2, g_y2 = g_x2.sum(dim=2), g_y2.sum(dim=2)
        # area_a = (x2 - x1) * (y2 - y1)
        h = (ay2 - ay1)[..., 0]
        w = (ax2 - ax1)[..., 0]
        g_x1 -= g_area_a * h
        g_x2 += g_area_a * h
        g_y1 -= g_area_a * w
        g_y2 += g_area_a * w
        return torch.stack([g_x1, g_y1, g_x2, g_y2], dim=-1), None, None


def pairwise_giou(pred: Tensor, gt: Tensor,
                  eps: float = 1e-6) -> Tuple[Tensor, Tensor]:
    """GIoU and IoU of each (predicted box, gt) pair of each image.

    Args:
        pred (Tensor): (B, P, 4) boxes (x1, y1, x2, y2); may require grad.
        gt (Tensor): (B, G, 4) boxes (x1, y1, x2, y2); no gradient flows to
            them.
        eps (float): lower bound of the union and the enclosing area
            (mmdet's GIoULoss default: 1e-6), so zero-area boxes stay finite.

    Returns:
        tuple[Tensor, Tensor]: (B, P, G) GIoU in [-1, 1], differentiable
        w.r.t. ``pred``, and the (B, P, G) IoU, not differentiable.
    """
    return _PairwiseGIoU.apply(pred, gt.detach(), eps)
