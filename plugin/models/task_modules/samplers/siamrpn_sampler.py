"""SiamRPN's sampling and loss normalisation (pysot's ``AnchorTarget`` and
``select_cross_entropy_loss`` / ``weight_l1_loss``), for all images at once.

Shapes: B images, N anchors, S = pos_num + neg_num sample slots per image.

Per image, up to ``pos_num`` (16) positives and, independently, up to
``neg_num`` (48) negatives, each drawn uniformly without replacement (64 in
all, as the paper says). The weights make the head's plain weighted sums
SiamRPN's losses:

    classification = 0.5 * mean over the batch's sampled positives
                   + 0.5 * mean over the batch's sampled negatives
    regression     = mean over images of (sum over the image's positives of
                     the L1 summed over the 4 deltas) / positives of the image

The batch counts are averaged over ranks, so that under DDP the means are
over the global batch. pysot divides the regression by (positives + 1e-6);
this divides by max(positives, 1): the same to 1e-6 relative, and 0 with
no positive either way.
"""
import torch
from torch import Tensor

from plugin.models.utils import mean_over_ranks
from plugin.registry import TASK_UTILS
from .anchor_samples import AnchorSamples
from .random_sampler import draw


@TASK_UTILS.register_module()
class SiamRPNSampler:
    """Balanced sampling with SiamRPN's normalisation.

    Args:
        pos_num (int): the most positives per image (pysot's POS_NUM, 16).
        neg_num (int): the most negatives per image (pysot's TOTAL_NUM
            minus POS_NUM, 64 - 16 = 48).
    """

    def __init__(self, pos_num: int = 16, neg_num: int = 48) -> None:
        if pos_num < 1 or neg_num < 1:
            raise ValueError('pos_num and neg_num must be >= 1, got '
                             f'{pos_num}, {neg_num}')
        self.pos_num = pos_num
        self.neg_num = neg_num

    @torch.no_grad()
    def sample(self, gt_inds: Tensor) -> AnchorSamples:
        """Args:
            gt_inds (Tensor): (B, N) assignment.

        Returns:
            AnchorSamples: the positive slots, then the negative ones, each
            group in canonical order (see :func:`draw`); normalised
            weights, ``avg_factor`` None.
        """
        keys = torch.rand(gt_inds.shape, device=gt_inds.device)
        pos_inds, pos = draw(keys, gt_inds > 0, self.pos_num)
        neg_inds, neg = draw(keys, gt_inds == 0, self.neg_num)
        inds = torch.cat([pos_inds, neg_inds], dim=1)
        pos = torch.cat([pos, torch.zeros_like(neg)], dim=1)
        neg = torch.cat([torch.zeros_like(pos_inds, dtype=torch.bool), neg],
                        dim=1)

        pos_per_img = pos.sum(dim=1, keepdim=True)
        # 0.5: positives and negatives weigh half each (pysot)
        cls_weight = (
            pos * (0.5 / mean_over_ranks(pos_per_img.sum())) +
            neg * (0.5 / mean_over_ranks(neg.sum())))
        reg_weight = pos / (pos_per_img.clamp(min=1) * gt_inds.size(0))
        return AnchorSamples(
            inds=inds,
            pos=pos,
            neg=neg,
            cls_weight=cls_weight.float(),
            reg_weight=reg_weight.float(),
            avg_factor=None)
