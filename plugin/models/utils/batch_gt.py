"""Pack a batch's ground truth into padded tensors.

Every head here assigns labels for all images of a batch at once, so the
per-image ``InstanceData`` lists are packed into dense tensors first. Shapes:
B images, G = the largest number of gts in one image of the batch.
"""
from typing import List, NamedTuple

import torch
from mmdet.structures.bbox import get_box_tensor
from mmengine.structures import InstanceData
from torch import Tensor


class BatchGT(NamedTuple):
    """Ground truth of a batch, padded to the same number of boxes.

    Attributes:
        bboxes (Tensor): (B, G, 4) boxes as (x1, y1, x2, y2); padding rows
            hold the dummy box (0, 0, 1, 1), chosen so that any IoU or GIoU
            computed against it stays finite (no zero-area division).
        labels (Tensor): (B, G) int64 class indices; 0 on padding.
        valid (Tensor): (B, G) bool, False on padding.
        num_gts (List[int]): the true number of gts of each image.
    """
    bboxes: Tensor
    labels: Tensor
    valid: Tensor
    num_gts: List[int]

    @property
    def max_num_gts(self) -> int:
        """G, the padded number of gts (0 when no image has one)."""
        return self.bboxes.size(1)


def stack_batch_gt(batch_gt_instances: List[InstanceData],
                   device: torch.device,
                   dtype: torch.dtype = torch.float32) -> BatchGT:
    """Pad per-image gts to (B, G, ...) tensors without a host sync.

    Args:
        batch_gt_instances: one ``InstanceData`` per image with ``bboxes``
            (G_i, 4) (a tensor or mmdet box type) and ``labels`` (G_i,).
        device: where the packed tensors go.
        dtype: floating type of the packed boxes.

    Returns:
        BatchGT: the padded boxes, labels and validity mask.
    """
    num_gts = [len(gt) for gt in batch_gt_instances]
    num_imgs, max_gts = len(num_gts), max(num_gts, default=0)
    bboxes = torch.zeros((num_imgs, max_gts, 4), dtype=dtype, device=device)
    bboxes[..., 2:] = 1  # dummy box (0, 0, 1, 1) on padding rows
    labels = torch.zeros((num_imgs, max_gts), dtype=torch.long, device=device)
    valid = torch.zeros((num_imgs, max_gts), dtype=torch.bool, device=device)
    for i, gt in enumerate(batch_gt_instances):
        n = num_gts[i]
        if n == 0:
            continue
        bboxes[i, :n] = get_box_tensor(gt.bboxes).to(device=device, dtype=dtype)
        labels[i, :n] = gt.labels.to(device)
        valid[i, :n] = True
    return BatchGT(bboxes, labels, valid, num_gts)
