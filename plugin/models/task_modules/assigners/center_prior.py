"""AutoAssign's learnable, category-wise centre prior (paper Sec. 3.2).

Shapes: B images, P points (all FPN levels concatenated), G gts per image
(padded), C classes.

For a point p at stride s and a gt box with centre c and class k, the prior is
a 2-D gaussian over the stride-normalised offset d = (p - c) / s:

    G(d) = exp(-(d_x - mu_kx)^2 / (2 sigma_kx^2))
         * exp(-(d_y - mu_ky)^2 / (2 sigma_ky^2))

``mu`` (C, 2) and ``sigma`` (C, 2) are learnt per class, so a class whose mass
lies off its box centre (a crescent, a banana) moves its prior there. The
prior is zero outside the box; boxes too small to hold any point can borrow
the ``topk`` points of highest prior instead (``force_topk``). Values below
exp(-87) ~ 1.6e-38 are set to exactly 0 (see ``MIN_EXPONENT``).
"""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from plugin.registry import MODELS

# exp(-87) = 1.6e-38 is about the smallest normal float32 (1.18e-38 =
# exp(-87.3)); below it exp() yields subnormals, which are slow on x86.
MIN_EXPONENT = -87.0


def _stride_offsets(points: Tensor, point_strides: Tensor, centers: Tensor,
                    mean: Tensor, axis: int) -> Tensor:
    """(B, P, G) offset of each point from each gt centre, in strides,
    minus the class mean: t = (p - c) / s - mu (one axis)."""
    return (points[None, :, None, axis] -
            centers[:, None, :, axis]).div_(point_strides[None, :, None]).sub_(
                mean[:, None, :, axis])


class _GaussianPrior(torch.autograd.Function):
    """G = prod over axes of exp(-t^2 / (2 sigma^2)), t = (p - c)/s - mu.

    Differentiable w.r.t. the per-gt ``mean`` and ``sigma`` (B, G, 2). The
    forward runs in place on one (B, P, G) plane per axis, in mmdet's order of
    operations (bitwise-equal values); the backward reduces over points once
    per parameter instead of through autograd's broadcast bookkeeping.
    """

    @staticmethod
    def forward(ctx, points: Tensor, point_strides: Tensor, centers: Tensor,
                mean: Tensor, sigma: Tensor) -> Tensor:
        weights = None
        for axis in (0, 1):
            t = _stride_offsets(points, point_strides, centers, mean, axis)
            two_var = (2 * sigma[:, None, :, axis]**2)
            exponent = t.square_().neg_().div_(two_var)
            # Most (point, gt) pairs lie far in the gaussian's tail, where
            # exp() returns subnormals or underflows: x86 evaluates those
            # 10-40x slower. They are < 1.2e-38 and add nothing to any sum:
            # flush them to exactly 0 instead.
            far = exponent < MIN_EXPONENT
            prior = exponent.clamp_(min=MIN_EXPONENT).exp_().masked_fill_(
                far, 0)
            weights = prior if weights is None else weights.mul_(prior)
        ctx.save_for_backward(points, point_strides, centers, mean, sigma,
                              weights)
        return weights

    @staticmethod
    def backward(ctx, grad: Tensor):
        points, point_strides, centers, mean, sigma, weights = \
            ctx.saved_tensors
        g_weights = grad * weights  # (B, P, G)
        g_mean, g_sigma = torch.empty_like(mean), torch.empty_like(sigma)
        for axis in (0, 1):
            t = _stride_offsets(points, point_strides, centers, mean, axis)
            var = sigma[..., axis]**2  # (B, G)
            # dG/dmu = G t / sigma^2, dG/dsigma = G t^2 / sigma^3
            g_t = (g_weights * t).sum(dim=1)
            g_t2 = t.mul_(t).mul_(g_weights).sum(dim=1)
            g_mean[..., axis] = g_t / var
            g_sigma[..., axis] = g_t2 / (var * sigma[..., axis])
        return None, None, None, g_mean, g_sigma


@MODELS.register_module()
class CenterPrior(nn.Module):
    """Category-wise gaussian centre prior, batched over images and gts.

    Parameter names and shapes (``mean``, ``sigma``: (C, 2)) are those of
    mmdet's ``CenterPrior``, so mmdet checkpoints load into it.

    Args:
        force_topk (bool): For a gt that contains no point, take the ``topk``
            points of highest prior as its inside points. Defaults to False.
        topk (int): How many points ``force_topk`` takes. Defaults to 9
            (mmdet's default: a 3x3 neighbourhood).
        num_classes (int): C. Defaults to 80.
        strides (Sequence[int]): stride of each FPN level, used to normalise
            the offsets so one sigma serves all levels.
    """

    def __init__(self,
                 force_topk: bool = False,
                 topk: int = 9,
                 num_classes: int = 80,
                 strides: Sequence[int] = (8, 16, 32, 64, 128)) -> None:
        super().__init__()
        # Start as a unit gaussian centred on the box centre (the FCOS-like
        # prior); training moves and reshapes it per class.
        self.mean = nn.Parameter(torch.zeros(num_classes, 2))
        self.sigma = nn.Parameter(torch.ones(num_classes, 2))
        self.strides = tuple(strides)
        self.force_topk = force_topk
        self.topk = topk

    def forward(self, points: Tensor, point_strides: Tensor, gt_bboxes: Tensor,
                gt_labels: Tensor, gt_valid: Tensor,
                inside: Tensor) -> Tuple[Tensor, Tensor]:
        """Centre-prior weight of every (point, gt) pair of the batch.

        Args:
            points (Tensor): (P, 2) point coordinates (x, y).
            point_strides (Tensor): (P,) stride of the level of each point.
            gt_bboxes (Tensor): (B, G, 4) gt boxes (x1, y1, x2, y2).
            gt_labels (Tensor): (B, G) gt classes (any value on padding).
            gt_valid (Tensor): (B, G) bool, False on padding gts.
            inside (Tensor): (B, P, G) bool, point strictly inside the box;
                False on padding gts.

        Returns:
            tuple[Tensor, Tensor]:

            - weights (Tensor): (B, P, G) prior, 0 where ``inside`` is False.
              Differentiable w.r.t. ``mean`` and ``sigma``.
            - inside (Tensor): (B, P, G) ``inside``, extended by the topk
              points of gts that contain none when ``force_topk`` is set
              (padding gts stay all False).
        """
        num_imgs, num_points, num_gts = inside.shape
        if num_gts == 0 or num_points == 0:
            return gt_bboxes.new_zeros(inside.shape), inside

        gt_centers = (gt_bboxes[..., :2] + gt_bboxes[..., 2:]) / 2  # (B, G, 2)
        weights = _GaussianPrior.apply(points, point_strides, gt_centers,
                                       self.mean[gt_labels],
                                       self.sigma[gt_labels])

        if self.force_topk:
            inside = self._force_topk(weights.detach(), gt_valid, inside)
        weights = torch.where(inside, weights, weights.new_zeros(()))
        return weights, inside

    def pair_prior(self, points: Tensor, point_strides: Tensor,
                   centers: Tensor, labels: Tensor) -> Tensor:
        """The prior of listed (point, gt) pairs (the window path).

        The same float operations, in the same order, as :meth:`forward`'s
        (B, P, G) planes, so each value is bitwise the dense one; through
        autograd (the pairs are few), differentiable w.r.t. ``mean`` and
        ``sigma``.

        Args:
            points (Tensor): (T, 2) each pair's point.
            point_strides (Tensor): (T,) its stride.
            centers (Tensor): (T, 2) its gt's box centre.
            labels (Tensor): (T,) its gt's class.

        Returns:
            Tensor: (T,) prior values.
        """
        mean, sigma = self.mean[labels], self.sigma[labels]
        weights = None
        for axis in (0, 1):
            t = (points[:, axis] - centers[:, axis]) / point_strides - \
                mean[:, axis]
            exponent = -t.square() / (2 * sigma[:, axis]**2)
            far = exponent < MIN_EXPONENT
            prior = exponent.clamp(min=MIN_EXPONENT).exp().masked_fill(
                far, 0)
            weights = prior if weights is None else weights * prior
        return weights

    def _force_topk(self, weights: Tensor, gt_valid: Tensor,
                    inside: Tensor) -> Tensor:
        """Give every gt with no inside point its ``topk`` best points.

        Computed for all gts and kept only where needed, so that no
        data-dependent branch (and no host sync) is taken.
        """
        k = min(self.topk, inside.size(1))
        topk_idx = weights.topk(k, dim=1).indices  # (B, k, G)
        topk_mask = torch.zeros_like(inside).scatter_(1, topk_idx, True)
        # padding gts have no inside point either: they must stay empty
        empty = ~inside.any(dim=1, keepdim=True) & gt_valid[:, None]  # (B,1,G)
        return torch.where(empty, topk_mask, inside)
