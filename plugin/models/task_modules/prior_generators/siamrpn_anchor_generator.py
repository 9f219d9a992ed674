"""SiamRPN's anchors: one stride-8 grid of K shapes centred on the search
image (seed 001's ``generate_anchors``, pysot's ``Anchors``).

Shapes: K anchor shapes (ratios x scales), S x S score map, A = K * S * S
anchors, in the order of the head's outputs: shape-major, then row-major
over the map (index ``k * S * S + y * S + x``).

Coordinates are continuous pixels of the search crop (pixel i covers [i,
i + 1)): the centre cell of the map is the crop's centre, ``search_size /
2``, and cell (y, x) sits ``stride`` pixels per cell away from it. (pysot
puts the centre at ``search_size // 2`` in pixel-index coordinates, where
pixel i is at i: the same point, 127 there is 127.5 here for 255.)
"""
from typing import Sequence

import numpy as np
import torch
from torch import Tensor

from plugin.registry import TASK_UTILS


@TASK_UTILS.register_module()
class SiamRPNAnchorGenerator:
    """Anchors of a Siamese RPN's single score map.

    Args:
        stride (int): pixels of the search crop per score-map cell (8: the
            backbone's total stride in SiamRPN).
        ratios (Sequence[float]): height / width of each anchor shape
            (SiamRPN's 0.33, 0.5, 1, 2, 3).
        scales (Sequence[float]): multiples of the base shape (SiamRPN's 8:
            64 x 64 px at ratio 1 for stride 8).
    """

    def __init__(self,
                 stride: int = 8,
                 ratios: Sequence[float] = (0.33, 0.5, 1., 2., 3.),
                 scales: Sequence[float] = (8., )) -> None:
        if stride <= 0 or not ratios or not scales:
            raise ValueError('need stride > 0 and at least one ratio and '
                             f'scale, got {stride}, {ratios}, {scales}')
        self.stride = stride
        self.ratios = tuple(float(r) for r in ratios)
        self.scales = tuple(float(s) for s in scales)

    @property
    def num_base_anchors(self) -> int:
        """K, the anchor shapes at each cell."""
        return len(self.ratios) * len(self.scales)

    def base_sizes(self) -> np.ndarray:
        """(K, 2) float32 (width, height) of each shape, ratio-major.

        As the seed and pysot: the base area is stride x stride, the width
        ``int(sqrt(area / ratio))`` and the height ``int(width * ratio)``
        (both truncated, so the 0.33 shape at stride 8, scale 8 is 104 x
        32), times each scale.
        """
        area = self.stride * self.stride
        sizes = []
        for ratio in self.ratios:
            w = int(np.sqrt(area / ratio))
            h = int(w * ratio)
            sizes += [(w * s, h * s) for s in self.scales]
        return np.asarray(sizes, dtype=np.float32)

    def grid_anchors(self,
                     score_size: int,
                     search_size: float,
                     device: torch.device = torch.device('cpu')) -> Tensor:
        """All anchors of an S x S score map over a search crop.

        Args:
            score_size (int): S.
            search_size (float): side of the search crop in pixels; its
                centre is the centre cell's.
            device: where the anchors go.

        Returns:
            Tensor: (A, 4) float32 xyxy, index ``k * S * S + y * S + x``.
        """
        offsets = (np.arange(score_size) - score_size // 2) * self.stride
        centres = search_size / 2 + offsets  # (S,)
        wh = self.base_sizes()  # (K, 2)
        cx = np.broadcast_to(centres[None, None, :], (len(wh), score_size,
                                                      score_size))
        cy = np.broadcast_to(centres[None, :, None], cx.shape)
        w = np.broadcast_to(wh[:, 0, None, None], cx.shape)
        h = np.broadcast_to(wh[:, 1, None, None], cx.shape)
        anchors = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2],
                           axis=-1).reshape(-1, 4)
        return torch.as_tensor(
            anchors.astype(np.float32), device=device)

    def centre_cells(self, score_size: int, radius: int) -> np.ndarray:
        """(A,) bool: the anchors within ``radius`` cells of the centre in
        both directions (pysot's window for the negatives of negative
        pairs: ``radius`` 3, a 7 x 7 window)."""
        cells = np.abs(np.arange(score_size) - score_size // 2) <= radius
        window = cells[:, None] & cells[None, :]
        return np.tile(window.reshape(-1), self.num_base_anchors)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(stride={self.stride}, '
                f'ratios={self.ratios}, scales={self.scales})')
