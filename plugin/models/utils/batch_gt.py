"""Pack a batch's ground truth into padded tensors.

Every head here assigns labels for all images of a batch at once, so the
per-image ``InstanceData`` lists are packed into dense tensors first. Shapes:
B images, G = the largest number of gts in one image of the batch.
"""
from typing import List, NamedTuple, Optional

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
                   dtype: torch.dtype = torch.float32,
                   num_classes: Optional[int] = None) -> BatchGT:
    """Pad per-image gts to (B, G, ...) tensors, and check them when asked.

    Packing needs no host sync; the check (``num_classes`` given) reads one
    flag back per batch, see :func:`check_batch_gt`.

    Args:
        batch_gt_instances: one ``InstanceData`` per image with ``bboxes``
            (G_i, 4) (a tensor or mmdet box type) and ``labels`` (G_i,).
        device: where the packed tensors go.
        dtype: floating type of the packed boxes.
        num_classes: when given, labels must lie in [0, num_classes) and box
            coordinates must be finite.

    Returns:
        BatchGT: the padded boxes, labels and validity mask.

    Raises:
        ValueError: a label out of range or a non-finite coordinate.
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
    gt = BatchGT(bboxes, labels, valid, num_gts)
    if num_classes is not None:
        check_batch_gt(gt, num_classes)
    return gt


def check_batch_gt(gt: BatchGT, num_classes: int) -> None:
    """Refuse labels outside [0, num_classes) and non-finite coordinates.

    A bad label would index another class's (or image's) channel, or raise
    an unreadable device-side assert on CUDA; a NaN box turns every loss it
    touches into NaN. Both are checked for the whole batch with one flag
    read back to the host: one sync per batch, the price of an error that
    names the image before any kernel uses the value. The messages are built
    only on failure.

    Args:
        gt: the packed gts of a batch (padding rows are not checked).
        num_classes: the head's number of classes.

    Raises:
        ValueError: naming the first bad gt (image and index), its value and
            how many there are in the batch.
    """
    if gt.max_num_gts == 0:
        return
    bad_label = gt.valid & ((gt.labels < 0) | (gt.labels >= num_classes))
    bad_box = gt.valid & ~torch.isfinite(gt.bboxes).all(dim=-1)
    if not bool(torch.stack((bad_label.any(), bad_box.any())).any()):
        return
    if bad_label.any():
        img, idx = bad_label.nonzero()[0].tolist()
        raise ValueError(
            f'gt label {gt.labels[img, idx].item()} of image {img} (gt '
            f'{idx}) is outside [0, {num_classes}); {int(bad_label.sum())} '
            f'such label(s) in the batch. Labels are 0-based indices into '
            f"the config's classes (num_classes={num_classes}).")
    img, idx = bad_box.nonzero()[0].tolist()
    raise ValueError(
        f'gt box {gt.bboxes[img, idx].tolist()} of image {img} (gt {idx}) '
        f'has non-finite coordinates; {int(bad_box.sum())} such box(es) in '
        f'the batch. Check the annotations (tools/check_dataset.py) and '
        f'the transforms that move boxes.')
