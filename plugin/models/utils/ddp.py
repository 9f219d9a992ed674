"""Loss pieces that keep distributed (DDP) training in step.

DDP all-reduces every parameter's gradient after each backward pass and
hangs if one rank's graph skipped a parameter that another rank used. A
loss that has nothing to learn on a batch (no gt on this rank) must
therefore still be connected to the outputs it would have used, and every
normaliser must come from a collective that runs on every rank.
"""
from mmdet.utils import reduce_mean
from torch import Tensor


def connected_zero(*tensors: Tensor) -> Tensor:
    """A scalar 0 that depends on every given tensor (zero gradients)."""
    return sum(t.sum() * 0 for t in tensors)


def mean_over_ranks(count: Tensor) -> Tensor:
    """``count`` averaged over all ranks, clamped to >= 1: a normaliser that
    is the same on every rank. Call it on every rank, gts or not.

    Args:
        count (Tensor): scalar, this rank's count (float).

    Returns:
        Tensor: scalar, >= 1.
    """
    return reduce_mean(count.float()).clamp_(min=1)
