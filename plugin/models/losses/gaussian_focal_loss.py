"""CenterNet's modified focal loss on a gaussian heatmap, fused.

Shapes: B images, C classes, H x W the heatmap, N peaks (candidates, some
masked off).

With p the predicted probability and y the gaussian target (CornerNet Eq. 1,
alpha = 2 and gamma = 4 in CenterNet; the paper writes gamma as beta):

    pos = -log(p) (1 - p)^alpha                  where y == 1
    neg = -log(1 - p) p^alpha (1 - y)^gamma      elsewhere

summed over every cell and normalised by the caller. mmdet adds 1e-12 inside
both logs; the original CenterNet instead clamps p to [1e-4, 1 - 1e-4] (no
gradient where the clamp bites). Both are available (``clamp``).

Peaks are a few dozen cells among millions, so the loss is computed as the
negative term over the dense map (it vanishes at peaks, where
(1 - y)^gamma = 0) plus the positive term gathered at the peak cells only.
The dense term is the cost: through autograd mmdet's formula allocates about
twenty (B, C, H, W) tensors in the forward pass alone, and more in the
backward. Here the derivative is formed in the forward pass (training
always runs the backward), in place, in three such buffers (four with the
clamp), and the backward only scales it.

Run it in fp32 with autocast off (see ``CenterNetHead.loss_by_feat``): in
fp16, ``1 - p + 1e-12`` is 0 for a saturated p and its log is -inf.
"""
from typing import Tuple

import torch
from torch import Tensor

# mmdet's guard inside the logs when no clamp is used.
LOG_EPS = 1e-12


def _clamped(pred: Tensor, clamp: float) -> Tuple[Tensor, float]:
    """p as the loss sees it, and the eps added inside the logs."""
    if clamp > 0:
        return pred.clamp(clamp, 1 - clamp), 0.0
    return pred, LOG_EPS


class _GaussianFocalLoss(torch.autograd.Function):
    """Weighted sum of the dense negative and the gathered positive terms."""

    @staticmethod
    def forward(ctx, pred: Tensor, target: Tensor, peak_index: Tensor,
                peak_mask: Tensor, alpha: float, gamma: float,
                pos_weight: float, neg_weight: float,
                clamp: float) -> Tensor:
        p, eps = _clamped(pred, clamp)
        # negative weight (1 - y)^gamma; 0 at the peaks
        weight = torch.rsub(target, 1)
        if gamma == 4:  # the default: two squarings beat pow() 2x
            weight.square_().square_()
        else:
            weight.pow_(gamma)
        # p^(alpha - 1), shared by the loss and its derivative
        p_am1 = p if alpha == 2 else p.pow(alpha - 1)
        weight.mul_(p_am1)  # (1 - y)^gamma p^(alpha - 1)
        one_minus = torch.rsub(p, 1)
        if eps:
            one_minus.add_(eps)
        log_neg = torch.log(one_minus)
        # d neg / dp = (1 - y)^gamma p^(alpha-1) (p / (1 - p) - alpha log(1 - p))
        grad = torch.div(p, one_minus, out=one_minus)
        grad.sub_(log_neg, alpha=alpha).mul_(weight)
        neg = log_neg.mul_(weight).mul_(p).sum().neg()
        grad.mul_(neg_weight)
        if clamp > 0:  # clamp's backward: no gradient where it bites
            grad.masked_fill_((pred < clamp) | (pred > 1 - clamp), 0)

        # positive term at the peaks (masked-off candidates contribute 0)
        p_pos = p.reshape(-1)[peak_index]
        log_pos = (p_pos + eps).log()
        one_minus_pos = 1 - p_pos
        pos = -(log_pos * one_minus_pos.pow(alpha) * peak_mask).sum()
        # d pos / dp = -(1 - p)^alpha / p + alpha (1 - p)^(alpha-1) log(p)
        grad_pos = (alpha * one_minus_pos.pow(alpha - 1) * log_pos -
                    one_minus_pos.pow(alpha) / (p_pos + eps))
        grad_pos = grad_pos * peak_mask * pos_weight
        if clamp > 0:
            p_raw = pred.reshape(-1)[peak_index]
            grad_pos.masked_fill_((p_raw < clamp) | (p_raw > 1 - clamp), 0)
        # The dense gradient is 0 at peaks, and masked-off duplicates add 0.
        grad.view(-1).index_add_(0, peak_index, grad_pos)
        ctx.save_for_backward(grad)
        return pos_weight * pos + neg_weight * neg

    @staticmethod
    def backward(ctx, grad_loss: Tensor):
        grad, = ctx.saved_tensors
        return grad * grad_loss, None, None, None, None, None, None, None, \
            None


def gaussian_focal_loss_sum(pred: Tensor,
                            target: Tensor,
                            peak_index: Tensor,
                            peak_mask: Tensor,
                            alpha: float = 2.0,
                            gamma: float = 4.0,
                            pos_weight: float = 1.0,
                            neg_weight: float = 1.0,
                            clamp: float = 0.0) -> Tensor:
    """Sum over the map of ``pos_weight * pos + neg_weight * neg``.

    Equal to ``mmdet.models.losses.gaussian_focal_loss(...).sum()`` (same
    arguments, ``clamp=0``) up to float rounding.

    Args:
        pred (Tensor): (B, C, H, W) float32 probabilities.
        target (Tensor): (B, C, H, W) gaussian target, exactly 1 at peaks.
        peak_index (Tensor): (N,) int64 flat indices into ``pred`` of the
            peak cells; an index may repeat if all but one copy is masked.
        peak_mask (Tensor): (N,) float, 1 for the indices that count.
        alpha (float): focusing exponent on p. Defaults to 2.
        gamma (float): exponent of (1 - y) on the negatives. Defaults to 4.
        pos_weight (float): weight of the positive term.
        neg_weight (float): weight of the negative term.
        clamp (float): if > 0, p is clamped to [clamp, 1 - clamp] and no eps
            is added (the original CenterNet: 1e-4); 0 is mmdet's loss.

    Returns:
        Tensor: scalar, differentiable w.r.t. ``pred``.
    """
    if not 0 <= clamp < 0.5:
        raise ValueError(f'clamp must lie in [0, 0.5), got {clamp}')
    return _GaussianFocalLoss.apply(pred, target.detach(), peak_index,
                                    peak_mask.to(pred.dtype), float(alpha),
                                    float(gamma), float(pos_weight),
                                    float(neg_weight), float(clamp))
