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
"""
import torch
from torch import Tensor

from plugin.models.utils import mean_over_ranks
from plugin.registry import TASK_UTILS
from .anchor_samples import AnchorSamples

# a key above every uniform key in [0, 1): anchors of the other classes
NOT_DRAWN = 2.0


def draw(keys: Tensor, eligible: Tensor, k: int):
    """The (at most) k eligible anchors of each image with the smallest keys.

    Args:
        keys (Tensor): (B, N) uniform keys.
        eligible (Tensor): (B, N) bool.
        k (int): slots per image.

    Returns:
        tuple[Tensor, Tensor]: (B, k') anchor indices and a (B, k') mask of
        the slots that hold an eligible anchor, k' = min(k, N); in order of
        the keys, so the first j slots are a uniform sample of j.
    """
    k = min(k, keys.size(1))
    values, inds = keys.masked_fill(~eligible, NOT_DRAWN).topk(
        k, dim=1, largest=False)
    return inds, values < NOT_DRAWN


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
            AnchorSamples: S = int(num * pos_fraction) + num slots.
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
        neg_inds, neg = draw(keys, gt_inds == 0, self.num)
        slot = torch.arange(neg.size(1), device=neg.device)
        neg &= slot < num_neg_wanted[:, None]

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
