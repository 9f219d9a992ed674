"""CenterNet's training targets (Objects as Points, arXiv 1904.07850),
for a whole batch at once.

Shapes: B images, G gts per image (padded, see
:class:`plugin.models.utils.BatchGT`), C classes, H x W the stride-4 map.

Every gt box becomes

* a peak on its class channel of the heatmap: a gaussian centred on the map
  cell that holds the box centre, with the CornerNet radius
  (``min_overlap`` 0.3), drawn by :func:`draw_gaussians` (overlapping
  gaussians of a class combine by max);
* a width/height target (the box size in map cells) and a sub-pixel offset
  target (centre minus its cell) at that cell only, with weight 1 there.

Values are mmdet 3.3.0's ``CenterNetHead.get_targets`` (its float32 ops, in
its order) where mmdet works, and so are its two tie rules: a map cell that
is the centre of several gts of one image keeps the wh/offset target of the
last of them (mmdet's loop overwrites), and a peak shared by several gts of
one class counts once in the normaliser (mmdet counts heatmap cells equal to
1). Both are found by a stable sort of the cell keys, with no loop over gts
and no host synchronisation.

Boxes whose centre falls outside the map (augmentations can leave boxes
partly or wholly outside the image; mmdet raises IndexError for centres
right of or below the map, and for centres left of or above it fails on a
shape mismatch or, one cell off, writes the wh/offset target on the opposite
edge of the map): the box is clipped to the map first, as the original
CenterNet does for every box, so its visible part becomes the object; a box
with nothing visible is dropped. Boxes whose centre cell lies on the map
are used as they are (mmdet's values).

Memory: besides the (B, C, H, W) heatmap, which the loss needs anyway,
everything is (B, G) per-object data; the gaussians are drawn on bounded
windows (see :mod:`plugin.models.utils.gaussian_target`). The window
half-side is the radius of a box covering the whole map, the largest radius a
box inside the image can have; larger boxes have their radius capped there.
"""
from typing import NamedTuple, Tuple

import torch
from torch import Tensor

from plugin.models.utils import BatchGT
from plugin.models.utils.gaussian_target import (DEFAULT_BUDGET,
                                                 draw_gaussians,
                                                 gaussian_radius,
                                                 gaussian_radius_host)
from plugin.registry import TASK_UTILS


class CenterNetTargets(NamedTuple):
    """Targets of a batch, dense heatmap and per-gt regression targets.

    Attributes:
        heatmap (Tensor): (B, C, H, W) gaussian heatmap in [0, 1], exactly 1
            at every peak.
        center_index (Tensor): (B, G) int64 flat centre cell y * W + x.
        wh (Tensor): (B, G, 2) box width and height in map cells.
        offset (Tensor): (B, G, 2) centre minus its integer cell, (x, y).
        reg_weight (Tensor): (B, G) float32, 1 for the gt that owns the
            wh/offset target of its cell (the last gt centred there), else 0.
        peak (Tensor): (B, G) bool, the gt is the one that counts its
            (class, cell) peak (one per distinct peak).
        valid (Tensor): (B, G) bool, the gt draws a peak (not padding, not
            dropped for lying outside the map).
        radius (Tensor): (B, G) int64 gaussian radius.
        labels (Tensor): (B, G) int64 class of each gt (0 on padding).
    """
    heatmap: Tensor
    center_index: Tensor
    wh: Tensor
    offset: Tensor
    reg_weight: Tensor
    peak: Tensor
    valid: Tensor
    radius: Tensor
    labels: Tensor

    @property
    def num_peaks(self) -> Tensor:
        """Number of heatmap cells equal to 1: mmdet's normaliser (before
        the clamp to >= 1), as a tensor."""
        return self.peak.sum()

    def peak_index(self) -> Tensor:
        """(B, G) flat index of each gt's peak cell in the (B, C, H, W)
        heatmap."""
        num_imgs, num_classes, height, width = self.heatmap.shape
        image = torch.arange(num_imgs, device=self.labels.device)[:, None]
        return ((image * num_classes + self.labels) * height * width +
                self.center_index)

    def dense_regression_targets(self) -> Tuple[Tensor, Tensor, Tensor]:
        """The wh/offset targets as mmdet's (B, 2, H, W) maps.

        Returns:
            tuple[Tensor, Tensor, Tensor]: wh target, offset target and their
            weight (1 at centre cells), each (B, 2, H, W).
        """
        num_imgs, _, height, width = self.heatmap.shape
        index = self.center_index[:, None].expand(-1, 2, -1)  # (B, 2, G)
        weight = self.reg_weight[:, None].expand(-1, 2, -1)
        maps = []
        # scatter_add: one gt per cell has weight 1, the others add 0, so
        # the sum is that gt's value (deterministic, unlike scatter_).
        for values in (self.wh.transpose(1, 2) * weight,
                       self.offset.transpose(1, 2) * weight, weight):
            maps.append(
                self.heatmap.new_zeros(num_imgs, 2, height * width)
                .scatter_add_(2, index, values).view(num_imgs, 2, height,
                                                     width))
        return tuple(maps)


def last_of_equal_keys(keys: Tensor, valid: Tensor) -> Tensor:
    """Mark, per row, the last valid entry of each run of equal keys.

    Args:
        keys (Tensor): (B, G) int64.
        valid (Tensor): (B, G) bool; invalid entries are never marked.

    Returns:
        Tensor: (B, G) bool, True at the highest-index valid entry of every
        distinct key of its row.
    """
    if keys.size(1) == 0:
        return valid.clone()
    keys = torch.where(valid, keys, -1)
    # stable: equal keys keep their order, so a run ends with its last gt
    sorted_keys, order = keys.sort(dim=1, stable=True)
    is_last = torch.ones_like(valid)
    is_last[:, :-1] = sorted_keys[:, :-1] != sorted_keys[:, 1:]
    return torch.zeros_like(valid).scatter_(1, order, is_last) & valid


@TASK_UTILS.register_module()
class CenterNetTarget:
    """Builds :class:`CenterNetTargets` for a batch (no gradients).

    Args:
        num_classes (int): C.
        min_overlap (float): IoU bound of the gaussian radius. Defaults to
            0.3 (CenterNet's and mmdet's).
        window_budget (int): window cells drawn at once, the memory bound of
            :func:`draw_gaussians`.
    """

    def __init__(self,
                 num_classes: int,
                 min_overlap: float = 0.3,
                 window_budget: int = DEFAULT_BUDGET) -> None:
        self.num_classes = num_classes
        self.min_overlap = min_overlap
        self.window_budget = window_budget

    def max_radius(self, featmap_size: Tuple[int, int]) -> int:
        """The radius of a box covering the whole map (host integer, no
        tensor read back): no box inside the image has a larger one."""
        height, width = featmap_size
        return max(0, int(gaussian_radius_host(height, width,
                                               self.min_overlap)))

    @torch.no_grad()
    def __call__(self, gt: BatchGT, featmap_size: Tuple[int, int],
                 img_shape: Tuple[int, int]) -> CenterNetTargets:
        """Targets of a batch.

        Args:
            gt (BatchGT): the padded gts, boxes in input-image pixels.
            featmap_size (tuple[int, int]): (H, W) of the heatmap.
            img_shape (tuple[int, int]): (h, w) of the (padded) batch input,
                which the map covers (mmdet's ``batch_input_shape``).

        Returns:
            CenterNetTargets: see its attributes.
        """
        height, width = featmap_size
        num_imgs, num_gts = gt.labels.shape
        width_ratio = float(width / img_shape[1])
        height_ratio = float(height / img_shape[0])
        heatmap = gt.bboxes.new_zeros(num_imgs, self.num_classes, height,
                                      width)

        x1, y1, x2, y2 = gt.bboxes.unbind(dim=2)  # each (B, G)
        # mmdet's centre and size, in map cells
        center_x = (x1 + x2) * width_ratio / 2
        center_y = (y1 + y2) * height_ratio / 2
        box_w = (x2 - x1) * width_ratio
        box_h = (y2 - y1) * height_ratio
        # The centre cell is the centre truncated towards 0 (mmdet's int()).
        cell_x, cell_y = center_x.trunc(), center_y.trunc()
        on_map = (cell_x >= 0) & (cell_x < width) & (cell_y >= 0) & \
            (cell_y < height)
        # Off the map: the part of the box on the map, or nothing.
        cx1 = (x1 * width_ratio).clamp(0, width)
        cx2 = (x2 * width_ratio).clamp(0, width)
        cy1 = (y1 * height_ratio).clamp(0, height)
        cy2 = (y2 * height_ratio).clamp(0, height)
        visible = (cx2 > cx1) & (cy2 > cy1)
        center_x = torch.where(on_map, center_x, (cx1 + cx2) / 2)
        center_y = torch.where(on_map, center_y, (cy1 + cy2) / 2)
        box_w = torch.where(on_map, box_w, cx2 - cx1)
        box_h = torch.where(on_map, box_h, cy2 - cy1)
        valid = gt.valid & (on_map | visible)

        # Dropped and padding gts: any in-range cell; they draw nothing and
        # carry no weight.
        cell_x = center_x.trunc().nan_to_num_(0).clamp_(0, width - 1).long()
        cell_y = center_y.trunc().nan_to_num_(0).clamp_(0, height - 1).long()
        offset = torch.stack(
            (center_x - cell_x, center_y - cell_y), dim=2).masked_fill_(
                ~valid[..., None], 0)
        wh = torch.stack((box_w, box_h), dim=2).masked_fill_(
            ~valid[..., None], 0)

        max_radius = self.max_radius(featmap_size)
        radius = gaussian_radius(
            box_h.clamp(min=0), box_w.clamp(min=0), self.min_overlap)
        radius = radius.nan_to_num_(0).clamp_(0, max_radius).long()

        center_index = cell_y * width + cell_x  # (B, G)
        labels = gt.labels
        # A label out of range would draw into another image's channels.
        # _assert_async checks on the device without a host sync.
        torch._assert_async(
            ((labels >= 0) & (labels < self.num_classes) | ~gt.valid).all(),
            f'gt labels must lie in [0, {self.num_classes})')
        channel = torch.arange(num_imgs, device=labels.device)[:, None] * \
            self.num_classes + labels
        draw_gaussians(
            heatmap.view(-1, height, width), channel.view(-1),
            cell_x.view(-1), cell_y.view(-1), radius.view(-1),
            valid.view(-1), max_radius, self.window_budget)

        reg_weight = last_of_equal_keys(center_index, valid).float()
        peak = last_of_equal_keys(labels * (height * width) + center_index,
                                  valid)
        return CenterNetTargets(heatmap, center_index, wh, offset,
                                reg_weight, peak, valid, radius, labels)
