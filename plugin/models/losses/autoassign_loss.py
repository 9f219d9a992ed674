"""AutoAssign's positive and negative losses (paper Eq. 4-8), batched.

Shapes: B images, P points, G gts per image (padded), C classes.

Both take probabilities, not logits, because the joint confidence
P(cls) * P(obj) * P(loc) has no logit form. Callers run them in fp32 with
autocast off (see ``AutoAssignHead.loss_by_feat``): ``binary_cross_entropy``
on half-precision probabilities is refused by CUDA autocast and loses the
tails that these losses live on.
"""
import torch
import torch.nn.functional as F
from torch import Tensor

# Clamp of the positive weights' normaliser, as in mmdet (same numbers).
EPS = 1e-12
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
    confidence_weight = torch.exp(p_pos * CONFIDENCE_TAU)
    # The product is formed twice, as in mmdet: reusing one tensor for the
    # numerator and the normaliser sums their gradients before the multiply
    # by the prior, which rounds differently where the two nearly cancel.
    # Two nodes keep the gradients equal to mmdet's to the last bit.
    weights = (confidence_weight * center_prior) / (
        confidence_weight * center_prior).sum(
            dim=1, keepdim=True).clamp(min=EPS)
    reweighted_p_pos = (p_pos * weights).sum(dim=1)  # (B, G)
    loss = F.binary_cross_entropy(
        reweighted_p_pos, torch.ones_like(reweighted_p_pos), reduction='none')
    # where(), not a product with the mask: padding's BCE(0, 1) = 100 must
    # not reach the graph even multiplied by zero.
    return torch.where(gt_valid, loss, loss.new_zeros(())).sum()


def autoassign_neg_loss(joint_conf: Tensor, neg_weights: Tensor) -> Tensor:
    """Focal-style background loss sum((w- * P)^2 * BCE(w- * P, 0)) (Eq. 8).

    Args:
        joint_conf (Tensor): (B, P, C) P(cls) * P(obj).
        neg_weights (Tensor): (B, P, C) w- from ``AutoAssignAssigner``.

    Returns:
        Tensor: scalar, the unweighted, unnormalised sum.
    """
    p_neg = joint_conf * neg_weights
    # gamma = 2, the focal-loss exponent the paper uses for negatives
    return (p_neg**2 * F.binary_cross_entropy(
        p_neg, torch.zeros_like(p_neg), reduction='none')).sum()
