"""Which anchors of each image take part in the assignment (mmdet's
``valid_flags`` and ``anchor_inside_flags``, the seed's ``inds_inside``), for
all images at once.

Shapes: B images, N anchors of all levels (level by level, row-major over
the map, then the A anchors of a position), A anchors per position.
"""
import math
from typing import List, Sequence, Tuple

import torch
from torch import Tensor

from plugin.models.utils import host_tensor


def batch_anchor_flags(anchors: Tensor,
                       featmap_sizes: Sequence[Tuple[int, int]],
                       strides: Sequence[Tuple[int, int]],
                       num_base_anchors: Sequence[int],
                       batch_img_metas: List[dict],
                       allowed_border: float = -1) -> Tensor:
    """Flags of the anchors that take part, per image.

    An anchor takes part if its position lies on the part of the feature
    map that covers the image's ``pad_shape`` (mmdet's ``valid_flags``:
    batch padding beyond it has no image), and, when ``allowed_border`` >=
    0, if it crosses the image's ``img_shape`` by at most ``allowed_border``
    pixels (x1, y1 >= -border, x2 < width + border, y2 < height + border).

    Args:
        anchors (Tensor): (N, 4) anchors of all levels.
        featmap_sizes: (H, W) of each level.
        strides: (stride_w, stride_h) of each level.
        num_base_anchors: A of each level.
        batch_img_metas: per image ``pad_shape`` and ``img_shape``.
        allowed_border: pixels an anchor may cross the border by; negative:
            keep every anchor (no border rule).

    Returns:
        Tensor: (B, N) bool.
    """
    device = anchors.device
    # from the host-side metas, for every level and image at once: mmdet's
    # valid size min(ceil(pad / stride), feat), then the image size
    sizes = host_tensor(
        [[[min(math.ceil(m['pad_shape'][0] / stride_h), feat_h),
           min(math.ceil(m['pad_shape'][1] / stride_w), feat_w)]
          for m in batch_img_metas]
         for (feat_h, feat_w), (stride_w, stride_h) in zip(
             featmap_sizes, strides)] +
        [[list(m['img_shape'][:2]) for m in batch_img_metas]], device)
    levels = []
    for level, ((feat_h, feat_w), num_base) in enumerate(
            zip(featmap_sizes, num_base_anchors)):
        valid_h, valid_w = sizes[level].unbind(-1)  # (B,) each
        rows = torch.arange(feat_h, device=device) < valid_h[:, None]
        cols = torch.arange(feat_w, device=device) < valid_w[:, None]
        flags = rows[:, :, None, None] & cols[:, None, :, None]
        levels.append(
            flags.expand(-1, -1, -1, num_base).reshape(len(batch_img_metas),
                                                       -1))
    flags = torch.cat(levels, dim=1)
    if allowed_border >= 0:
        img_h, img_w = sizes[-1, :, :, None].unbind(1)  # (B, 1) each
        flags &= ((anchors[:, 0] >= -allowed_border)
                  & (anchors[:, 1] >= -allowed_border)
                  & (anchors[:, 2] < img_w + allowed_border)
                  & (anchors[:, 3] < img_h + allowed_border))
    return flags
