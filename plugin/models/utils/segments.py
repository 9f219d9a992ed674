"""Elements of concatenated segments: which segment each element is in.

Shapes: S segments (some empty), N elements in all, n of one block.

Window and band listings (:mod:`..task_modules.assigners.point_windows`,
:mod:`..task_modules.assigners.overlap_bands`) lay their pairs out segment
after segment (a gt's window, a box's band), knowing only each segment's
length. An element's segment is then its place among the segment starts,
found here without a binary search per element: each non-empty segment's
id is written at its first element, the segment holding the block's first
element at 0, and a running maximum fills the rest. O(S + n) a block.
"""
import torch
from torch import Tensor


def segment_ids(starts: Tensor, cum: Tensor, start: int,
                size: int) -> Tensor:
    """The segment of elements ``start .. start + size - 1``.

    Args:
        starts (Tensor): (S,) int64 first element of each segment
            (``cum - lengths``).
        cum (Tensor): (S,) int64 inclusive cumulative lengths.
        start (int): the block's first element.
        size (int): the block's length, with ``start + size <= cum[-1]``.

    Returns:
        Tensor: (size,) int64 segment ids, non-decreasing.
    """
    device = starts.device
    if size == 0:
        return starts.new_zeros((0, ))
    rel = starts - start
    inside = (rel >= 0) & (rel < size)
    ids = torch.arange(len(starts), device=device)
    marks = torch.full((size, ), -1, dtype=torch.long, device=device)
    # the segment holding element `start` (the first one ending past it)
    marks[:1] = torch.searchsorted(
        cum, torch.full((1, ), start, dtype=cum.dtype, device=device),
        right=True)
    # empty segments share their start with the next non-empty one, whose
    # id is higher: amax keeps it
    marks.scatter_reduce_(0, rel.clamp(0, size - 1),
                          torch.where(inside, ids, -1), reduce='amax')
    return marks.cummax(0).values
