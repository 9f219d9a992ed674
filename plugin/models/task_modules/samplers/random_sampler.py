"""Random balanced sampling of anchors (Faster R-CNN's RPN minibatch,
mmdet's ``RandomSampler``), for all images at once.

Shapes: B images, N anchors, P = int(num * pos_fraction) positive slots,
S = P + num sample slots per image.

Per image, as mmdet: up to P positives drawn uniformly without replacement;
then ``num`` minus the positives drawn (at most ``neg_pos_ub`` times
max(1, positives) when that is >= 0) negatives drawn the same way. Each
anchor gets one uniform random key; the sample of a class is the anchors of
that class with the smallest keys (``topk``), which is a uniform sample
without replacement. The keys come from torch's global generator on the
anchors' device, so the runner's seed makes the sample reproducible.

The slots of each class hold the drawn anchors in increasing anchor index,
the unused slots after them (anchor 0). The losses sum over the slots, so in
draw order the same sample would give sums that differ in the last bits from
one draw to the next; in this canonical order they depend only on which
anchors were drawn.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

from plugin.models.utils import mean_over_ranks
from plugin.registry import TASK_UTILS
from .anchor_samples import AnchorSamples

# a key above every uniform key in [0, 1): anchors of the other classes
NOT_DRAWN = 2.0


def draw(keys: Tensor, eligible: Tensor, k: int,
         limit: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
    """The (at most) k eligible anchors of each image with the smallest keys,
    in canonical order.

    Args:
        keys (Tensor): (B, N) uniform keys.
        eligible (Tensor): (B, N) bool.
        k (int): slots per image.
        limit (Tensor, optional): (B,) int64, the most anchors to draw per
            image (may be below k): the eligible ones with the smallest
            keys, so still a uniform sample, truncated before the sort.

    Returns:
        tuple[Tensor, Tensor]: (B, k') int64 anchor indices and a (B, k')
        mask of the slots that hold a drawn anchor, k' = min(k, N). The
        drawn anchors come first, in increasing index, then the unused
        slots, which hold index 0 (:class:`AnchorSamples`): the result
        depends on which anchors were drawn, not on the order of their keys.
    """
    num_anchors = keys.size(1)
    k = min(k, num_anchors)
    # the keys' order matters only for truncating to `limit`
    values, inds = keys.masked_fill(~eligible, NOT_DRAWN).topk(
        k, dim=1, largest=False, sorted=limit is not None)
    drawn = values < NOT_DRAWN
    if limit is not None:
        slot = torch.arange(k, device=keys.device)
        drawn &= slot < limit[:, None]
    # canonical order: one sort of k slots per image; num_anchors (above
    # every index) puts the unused slots last
    inds = inds.masked_fill(~drawn, num_anchors).sort(dim=1).values
    drawn = inds < num_anchors
    return inds.masked_fill(~drawn, 0), drawn


@TASK_UTILS.register_module()
class BatchRandomSampler:
    """Batched random sampler with mmdet's arguments.

    The losses are normalised by the number of sampled anchors of the batch
    (each image counting its positives and its negatives as at least 1, as
    mmdet's ``SamplingResult.avg_factor``), averaged over ranks.

    Args:
        num (int): anchors sampled per image (256 in Faster R-CNN).
        pos_fraction (float): the most positives, as a fraction of ``num``.
        neg_pos_ub (int): at most this many negatives per positive; negative
            values: no bound.
        add_gt_as_proposals (bool): must be False: a gt box is not an anchor
            (mmdet's RPN configs all set False).
    """

    def __init__(self,
                 num: int,
                 pos_fraction: float,
                 neg_pos_ub: float = -1,
                 add_gt_as_proposals: bool = False) -> None:
        if add_gt_as_proposals:
            raise ValueError(
                'add_gt_as_proposals=True is not supported for anchors: a '
                'gt box has no prediction of its own in a dense head. Set '
                'add_gt_as_proposals=False (as mmdet\'s RPN configs do).')
        if num < 1 or not 0 <= pos_fraction <= 1:
            raise ValueError('need num >= 1 and 0 <= pos_fraction <= 1, got '
                             f'num={num}, pos_fraction={pos_fraction}')
        self.num = num
        self.pos_fraction = pos_fraction
        self.neg_pos_ub = neg_pos_ub

    @torch.no_grad()
    def sample(self, gt_inds: Tensor) -> AnchorSamples:
        """Sample the anchors of every image.

        Args:
            gt_inds (Tensor): (B, N) assignment (-1 ignored, 0 negative,
                k + 1 positive).

        Returns:
            AnchorSamples: S = P + num slots (fewer when N < P or N < num):
            the positive slots, then the negative ones, each group in
            canonical order (see :func:`draw`).
        """
        keys = torch.rand(gt_inds.shape, device=gt_inds.device)
        pos_inds, pos = draw(keys, gt_inds > 0,
                             int(self.num * self.pos_fraction))
        num_pos = pos.sum(dim=1)
        num_neg_wanted = self.num - num_pos
        if self.neg_pos_ub >= 0:
            # int() of mmdet, on float64 as Python computes it
            bound = (self.neg_pos_ub * num_pos.clamp(min=1).double()).floor()
            num_neg_wanted = torch.minimum(num_neg_wanted, bound.long())
        neg_inds, neg = draw(keys, gt_inds == 0, self.num,
                             limit=num_neg_wanted)

        inds = torch.cat([pos_inds, neg_inds], dim=1)
        pos = torch.cat([pos, torch.zeros_like(neg)], dim=1)
        neg = torch.cat([torch.zeros_like(pos_inds, dtype=torch.bool), neg],
                        dim=1)
        avg_factor = (num_pos.clamp(min=1) +
                      neg.sum(dim=1).clamp(min=1)).sum()
        return AnchorSamples(
            inds=inds,
            pos=pos,
            neg=neg,
            cls_weight=(pos | neg).float(),
            reg_weight=pos.float(),
            avg_factor=mean_over_ranks(avg_factor))
