"""Keep every positive and negative anchor (mmdet's ``PseudoSampler``, what
an anchor head uses when its ``train_cfg`` has no sampler), for all images
at once.

Shapes: B images, N anchors; the N slots of each image are its anchors.
"""
import torch
from torch import Tensor

from plugin.models.utils import mean_over_ranks
from plugin.registry import TASK_UTILS
from .anchor_samples import AnchorSamples


@TASK_UTILS.register_module()
class BatchPseudoSampler:
    """Every assigned anchor is a sample; the losses are normalised by the
    batch's positives (each image counting at least 1, as mmdet's
    ``PseudoSampler``), averaged over ranks."""

    def __init__(self, **kwargs) -> None:
        pass  # mmdet's PseudoSampler takes and ignores any arguments

    @torch.no_grad()
    def sample(self, gt_inds: Tensor) -> AnchorSamples:
        """Args:
            gt_inds (Tensor): (B, N) assignment.

        Returns:
            AnchorSamples: S = N slots, slot i is anchor i.
        """
        pos, neg = gt_inds > 0, gt_inds == 0
        inds = torch.arange(gt_inds.size(1), device=gt_inds.device)
        avg_factor = pos.sum(dim=1).clamp(min=1).sum()
        return AnchorSamples(
            inds=inds.expand_as(gt_inds),
            pos=pos,
            neg=neg,
            cls_weight=(pos | neg).float(),
            reg_weight=pos.float(),
            avg_factor=mean_over_ranks(avg_factor))
