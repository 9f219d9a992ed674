"""AutoAssign's positive and negative losses (paper Eq. 4-8), batched.

Shapes: B images, P points, G gts per image (padded), C classes.

* :func:`autoassign_confidences`: from the class and objectness logits, the
  joint confidence P(cls) * P(obj), the focal-style negative loss on it, and
  the confidence of every point for every gt's class; one fused function.
* :func:`autoassign_pos_loss`: the confidence-weighted positive loss. It
  takes probabilities, since P+ = P(cls) * P(obj) * P(loc) has no logit form.

Callers run both in fp32 with autocast off (see
``AutoAssignHead.loss_by_feat``): a BCE on half-precision probabilities is
refused by CUDA autocast and loses the tails that these losses live on.
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

# Clamp of the positive weights' normaliser, as in mmdet (same numbers).
EPS = 1e-12
# Guard of binary_cross_entropy's backward, p (1 - p) >= 1e-12 (PyTorch's).
BCE_GRAD_EPS = 1e-12
# The paper's tau: exp(tau * P+) lets confident points dominate the
# positive weights of their gt (Eq. 5).
CONFIDENCE_TAU = 3.0


def autoassign_pos_loss(p_pos: Tensor, center_prior: Tensor,
                        gt_valid: Tensor) -> Tensor:
    """Sum over gts of BCE(weighted mean of P+ over the gt's points, 1).

    Each gt's points are weighted by w+ = exp(tau * P+) * G(d), normalised to
    sum to one over the gt's points (Eq. 5-6); the weights stay in the graph,
    so the loss also learns which points to trust.

    Args:
        p_pos (Tensor): (B, P, G) joint confidence P+ = P(cls) * P(obj) *
            exp(-L_loc) of each point for each gt.
        center_prior (Tensor): (B, P, G) centre prior, 0 outside the gt.
        gt_valid (Tensor): (B, G) bool, False on padding.

    Returns:
        Tensor: scalar, the unweighted, unnormalised sum over real gts.
    """
    weights = autoassign_pos_weights(p_pos, center_prior)
    reweighted_p_pos = (p_pos * weights).sum(dim=1)  # (B, G)
    return _positive_bag_loss(reweighted_p_pos, gt_valid)


def _positive_bag_loss(reweighted_p_pos: Tensor, gt_valid: Tensor) -> Tensor:
    """Sum over real gts of BCE(the gt's weighted mean P+, 1); both
    shaped like ``gt_valid``."""
    loss = F.binary_cross_entropy(
        reweighted_p_pos, torch.ones_like(reweighted_p_pos), reduction='none')
    # where(), not a product with the mask: padding's BCE(0, 1) = 100 must
    # not reach the graph even multiplied by zero.
    return torch.where(gt_valid, loss, loss.new_zeros(())).sum()


def autoassign_pos_weights(p_pos: Tensor, center_prior: Tensor) -> Tensor:
    """The positive weights w+ = exp(tau * P+) * G(d), normalised over each
    gt's points (Eq. 5-6), differentiable.

    Args:
        p_pos (Tensor): (B, P, G) joint confidence P+.
        center_prior (Tensor): (B, P, G) centre prior, 0 outside the gt.

    Returns:
        Tensor: (B, P, G) weights; each gt's column sums to 1 (0 for a gt
        with no candidate point).
    """
    confidence_weight = torch.exp(p_pos * CONFIDENCE_TAU)
    # The product is formed twice, as in mmdet: reusing one tensor for the
    # numerator and the normaliser sums their gradients before the multiply
    # by the prior, which rounds differently where the two nearly cancel.
    # Two nodes keep mmdet's rounding.
    return (confidence_weight * center_prior) / (
        confidence_weight * center_prior).sum(
            dim=1, keepdim=True).clamp(min=EPS)


class _JointConfidence(torch.autograd.Function):
    """Joint confidence, negative loss and the gt-class confidences at once.

    joint = sigmoid(cls) * sigmoid(obj) is (B, P, C): 3.5M entries for a
    batch of 8 at 512x512 with 80 classes. Through autograd the chain
    sigmoid -> product -> loss -> gather allocates some thirteen such
    tensors, and on CPU a fresh tensor, not the arithmetic, is what costs.
    This function allocates about half as many, computing d(loss)/d(joint)
    already in the forward pass (training always runs the backward).

    The loss is BCE's: log clamped at -100 (p = 1 gives 100, not inf), and
    in the backward BCE's derivative p / max(p (1 - p), 1e-12).
    ``F.binary_cross_entropy`` itself is avoided: its CPU kernel is not
    vectorised, ``log1p`` is.
    """

    @staticmethod
    def forward(ctx, cls_logits: Tensor, obj_logits: Tensor,
                neg_weights: Tensor,
                label_idx: Tensor) -> Tuple[Tensor, Tensor]:
        cls_prob = cls_logits.sigmoid()
        obj_prob = obj_logits.sigmoid()
        joint = cls_prob * obj_prob
        if label_idx.dim() == 3:
            p_cls = joint.gather(2, label_idx)  # (B, P, G)
        else:  # listed pairs: flat (image, point, class) indices, (T,)
            p_cls = joint.view(-1).index_select(0, label_idx)
        p = joint.mul_(neg_weights)  # joint's buffer from here on
        bce = p.neg().log1p_().clamp_(min=-100).neg_()  # BCE(p, 0)
        p_bce = p * bce
        # sum p^2 bce. torch.sum adds pairwise; torch.dot accumulates in
        # one float32 running sum, 7e-5 off over a COCO-sized batch (3.5M).
        loss = torch.mul(p_bce, p, out=bce).sum()
        # d/dp [p^2 bce(p)] = 2 p bce + p^2 bce'(p), bce'(p) = 1 / (1 - p)
        # for p (1 - p) >= 1e-12; as p^2 / max(1 - p, 1e-12) it differs
        # only for p < 1e-12, where both terms are below 1e-24.
        tail = torch.sub(1, p, out=bce).clamp_(min=BCE_GRAD_EPS)
        tail = torch.div(p, tail, out=tail).mul_(p)
        grad_joint = p_bce.mul_(2).add_(tail).mul_(neg_weights)
        ctx.save_for_backward(cls_prob, obj_prob, grad_joint, label_idx)
        return loss, p_cls

    @staticmethod
    def backward(ctx, grad_loss: Tensor, grad_p_cls: Tensor):
        cls_prob, obj_prob, grad_joint, label_idx = ctx.saved_tensors
        grad = grad_joint * grad_loss
        if label_idx.dim() == 3:
            grad.scatter_add_(2, label_idx, grad_p_cls)
        else:
            grad.view(-1).index_add_(0, label_idx, grad_p_cls)
        # joint = cls_prob * obj_prob, then through both sigmoids
        grad_obj = (grad * cls_prob).sum(dim=2, keepdim=True)
        grad_obj = torch.ops.aten.sigmoid_backward(grad_obj, obj_prob)
        grad_cls = torch.ops.aten.sigmoid_backward(grad.mul_(obj_prob),
                                                   cls_prob)
        return grad_cls, grad_obj, None, None


def autoassign_confidences(cls_logits: Tensor, obj_logits: Tensor,
                           neg_weights: Tensor,
                           gt_labels: Tensor) -> Tuple[Tensor, Tensor]:
    """Negative loss (Eq. 8) and P(cls) of every point for every gt's class.

    With the joint confidence P = sigmoid(cls) * sigmoid(obj) (the implicit
    objectness gates every class score), the background loss is the focal
    form sum((w- * P)^2 * BCE(w- * P, 0)); gamma = 2, the focal-loss
    exponent the paper uses for negatives.

    Args:
        cls_logits (Tensor): (B, P, C) class logits.
        obj_logits (Tensor): (B, P, 1) objectness logits.
        neg_weights (Tensor): (B, P, C) w- from ``AutoAssignAssigner``; no
            gradient flows to it.
        gt_labels (Tensor): (B, G) class of each (padded) gt.

    Returns:
        tuple[Tensor, Tensor]: the scalar negative loss (unweighted,
        unnormalised) and the (B, P, G) joint confidence of each point for
        each gt's class, both differentiable w.r.t. the logits.
    """
    label_idx = gt_labels[:, None].expand(-1, cls_logits.size(1), -1)
    return _JointConfidence.apply(cls_logits, obj_logits,
                                  neg_weights.detach(), label_idx)


def autoassign_pair_confidences(cls_logits: Tensor, obj_logits: Tensor,
                                neg_weights: Tensor, pair_flat: Tensor,
                                pair_labels: Tensor) -> Tuple[Tensor, Tensor]:
    """:func:`autoassign_confidences` for listed (point, gt) pairs (the
    window path): the same negative loss, and P(cls) of each pair's point
    for its gt's class.

    Args:
        cls_logits (Tensor): (B, P, C) class logits.
        obj_logits (Tensor): (B, P, 1) objectness logits.
        neg_weights (Tensor): (B, P, C) w-; no gradient flows to it.
        pair_flat (Tensor): (T,) image * P + point of each pair.
        pair_labels (Tensor): (T,) its gt's class.

    Returns:
        tuple[Tensor, Tensor]: the scalar negative loss and the (T,) joint
        confidences, differentiable w.r.t. the logits (the backward adds
        the pairs' gradients with ``index_add_``).
    """
    index = pair_flat * cls_logits.size(2) + pair_labels
    return _JointConfidence.apply(cls_logits, obj_logits,
                                  neg_weights.detach(), index)


def autoassign_pair_pos_loss(p_pos: Tensor, center_prior: Tensor,
                             counts: Tensor, gt_valid: Tensor) -> Tensor:
    """:func:`autoassign_pos_loss` for listed pairs, each gt's contiguous.

    Args:
        p_pos (Tensor): (T,) P+ of each pair.
        center_prior (Tensor): (T,) its centre prior.
        counts (Tensor): (B G,) pairs of each gt, in order.
        gt_valid (Tensor): (B, G) bool, False on padding.

    Returns:
        Tensor: scalar, the sum over real gts (a gt without pairs adds
        BCE(0, 1) = 100, as in the dense path and mmdet).
    """
    weights = autoassign_pair_pos_weights(p_pos, center_prior, counts)
    reweighted_p_pos = torch.segment_reduce(
        p_pos * weights, 'sum', lengths=counts)  # (B G,)
    return _positive_bag_loss(reweighted_p_pos, gt_valid.reshape(-1))


def autoassign_pair_pos_weights(p_pos: Tensor, center_prior: Tensor,
                                counts: Tensor) -> Tensor:
    """:func:`autoassign_pos_weights` for listed pairs: (T,) weights, each
    gt's summing to 1 (sums over each gt's contiguous pairs)."""
    confidence_weight = torch.exp(p_pos * CONFIDENCE_TAU)
    # formed twice, as in the dense path (mmdet's rounding)
    total = torch.segment_reduce(confidence_weight * center_prior, 'sum',
                                 lengths=counts)  # (B G,)
    total = total.clamp(min=EPS).repeat_interleave(counts, output_size=len(
        p_pos))
    return (confidence_weight * center_prior) / total
