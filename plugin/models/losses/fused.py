"""mmdet's loss modules, run fused (no host sync) where their formula is
known, and called as mmdet calls them otherwise.

mmdet's ``L1Loss``, ``SmoothL1Loss`` and ``GIoULoss`` modules first test
``torch.any(weight > 0)`` on the host, and its sigmoid ``CrossEntropyLoss``
builds one-hot labels with a ``nonzero``: each is a host sync per call, and
on a GPU a stall of the whole stream. For those modules the same formula
runs here as plain tensor ops; any other module (``IoULoss``, softmax CE,
a user's own) is called with its own ``forward``.

Shapes: ``...`` any leading shape, D the last (coordinate or class) dim.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmdet.models.losses import (CrossEntropyLoss, GIoULoss, L1Loss,
                                 SmoothL1Loss)
from mmdet.structures.bbox import bbox_overlaps
from torch import Tensor, nn

# weight_reduce_loss's guard on avg_factor (kept: same numbers as mmdet)
AVG_EPS = torch.finfo(torch.float32).eps


def is_fused(loss: nn.Module) -> bool:
    """Whether :func:`elementwise_loss` computes ``loss`` itself."""
    if type(loss) in (L1Loss, SmoothL1Loss, GIoULoss):
        return True
    return (type(loss) is CrossEntropyLoss and loss.use_sigmoid
            and not loss.use_mask and loss.class_weight is None)


def elementwise_loss(loss: nn.Module, pred: Tensor,
                     target: Tensor) -> Optional[Tensor]:
    """mmdet's unreduced, unweighted loss of each element, without
    ``loss_weight``, or None when ``loss`` is not one of the fused modules.

    Args:
        loss: the configured loss module.
        pred (Tensor): (..., D) predictions: deltas or boxes (L1,
            SmoothL1), decoded boxes (GIoU, D = 4) or logits (sigmoid CE).
        target (Tensor): (..., D) targets; for sigmoid CE the float 0/1
            labels of each logit.

    Returns:
        Tensor | None: (..., D), or (...) for GIoU (one value per box).
    """
    if type(loss) is L1Loss:
        return (pred - target).abs()
    if type(loss) is SmoothL1Loss:
        diff = (pred - target).abs()
        return torch.where(diff < loss.beta, 0.5 * diff * diff / loss.beta,
                           diff - 0.5 * loss.beta)
    if type(loss) is GIoULoss:
        return 1 - bbox_overlaps(
            pred, target, mode='giou', is_aligned=True, eps=loss.eps)
    if is_fused(loss):  # sigmoid CrossEntropyLoss
        return F.binary_cross_entropy_with_logits(
            pred, target.to(pred.dtype), reduction='none')
    return None


def weighted_mean_loss(loss: nn.Module, pred: Tensor, target: Tensor,
                       weight: Tensor, avg_factor: Tensor) -> Tensor:
    """``loss(pred, target, weight, avg_factor=avg_factor)`` with the
    module's 'mean' reduction: fused (no host sync) for the modules of
    :func:`is_fused`, in mmdet's order of operations, else the module's
    own call.

    Args:
        loss: the configured loss module.
        pred (Tensor): (..., D) predictions.
        target (Tensor): (..., D) targets.
        weight (Tensor): (..., D) element weights (L1, SmoothL1, CE).
        avg_factor (Tensor): scalar normaliser.

    Returns:
        Tensor: scalar, ``loss_weight * sum(elem * weight) / (avg_factor +
        eps)`` (mmdet's ``weight_reduce_loss``).
    """
    elem = None
    if getattr(loss, 'reduction', None) == 'mean' and \
            type(loss) is not GIoULoss:  # GIoU's weight is per box
        elem = elementwise_loss(loss, pred, target)
    if elem is None:
        return loss(pred, target, weight, avg_factor=avg_factor)
    return loss.loss_weight * ((elem * weight).sum() /
                               (avg_factor + AVG_EPS))
