"""pysot's crops (``SiameseTracker.get_subwindow``) for
:class:`SiamRPNTracker`: with a model converted from pysot
(``tools/convert_pysot.py``), :class:`PysotCropTracker` gives pysot's
``SiamRPNTracker`` boxes (to float rounding, measured in
``tests/tools/test_convert_pysot.py``).

Shapes: B sequences, (H, W) frame size, S crop side, T output side.

:class:`SiamRPNTracker` cuts the exact window: side ``s`` (the context
size, or ``s * search / template``) centred on the target, resampled by
one affine warp. pysot instead

* rounds the side to whole pixels (``round(s_z)``, ``round(s_x)``, Python's
  half-to-even) while it still scales the boxes by the unrounded
  ``template_size / s_z``: up to half a pixel of crop side, a relative
  scale error of 0.5 / s;
* cuts whole pixels ``floor(c - S / 2) ..`` + S - 1 around the centre c
  (its pixel-index coordinates, where pixel i is at i: c - 0.5 in the
  continuous coordinates here): the window's centre is 0.5 to 1.5 px of
  the frame left of and above the target's, where the tracker reads the
  crop's centre as the target's;
* pads the frame outside with the per-channel mean truncated to uint8
  (``np.mean`` assigned into a uint8 array; :class:`SiamRPNTracker`'s warp
  rounds it), then ``cv2.resize`` (bilinear) of the cut S x S patch to
  T x T, or no resampling when S == T: in a band of ceil(T / S) px along
  the crop's edges the resize repeats the patch's edge pixels where the
  warp reads the frame's pixels beyond the window (inside it the two
  agree to 1 grey level on the same window,
  ``tests/models/trackers/test_pysot_crop.py``);
* clips the centre to [0, W] x [0, H] in its pixel-index coordinates, i.e.
  [0.5, W + 0.5] x [0.5, H + 0.5] here (:class:`SiamRPNTracker`: [0, W] x
  [0, H]).

Everything else (scores, anchors, penalties, window, size update) is
:class:`SiamRPNTracker`'s, which computes pysot's formulas.
"""
import math
from typing import Sequence

import cv2
import numpy as np
from torch import Tensor

from .siamrpn_tracker import SiamRPNTracker
from .track_inputs import as_bgr_frames


def pysot_subwindow(img: np.ndarray, center_xy: Sequence[float],
                    side: float, out_size: int,
                    pad_value: np.ndarray) -> np.ndarray:
    """pysot's ``get_subwindow``, centre in continuous coordinates.

    Args:
        img: (H, W, 3) uint8 frame.
        center_xy: (cx, cy), continuous (pixel i covers [i, i + 1)).
        side: the unrounded window side (pysot rounds it here).
        out_size: T.
        pad_value: (3,) float per-channel mean (truncated to uint8 where
            it pads, as pysot's assignment into a uint8 array does).

    Returns:
        np.ndarray: (T, T, 3) uint8 crop.
    """
    size = round(float(side))  # pysot's round(s_z), round(s_x)
    half = (size + 1) / 2
    # pysot's pixel-index centre is the continuous one - 0.5
    x0 = math.floor(center_xy[0] - 0.5 - half + 0.5)
    y0 = math.floor(center_xy[1] - 0.5 - half + 0.5)
    x1, y1 = x0 + size - 1, y0 + size - 1
    h, w = img.shape[:2]
    left, top = max(0, -x0), max(0, -y0)
    right, bottom = max(0, x1 - w + 1), max(0, y1 - h + 1)
    if left or top or right or bottom:
        padded = np.zeros((h + top + bottom, w + left + right, 3), np.uint8)
        padded[top:top + h, left:left + w] = img
        # pysot fills the margins (corners included by the side bands)
        if top:
            padded[:top, left:left + w] = pad_value
        if bottom:
            padded[h + top:, left:left + w] = pad_value
        if left:
            padded[:, :left] = pad_value
        if right:
            padded[:, w + left:] = pad_value
        patch = padded[y0 + top:y1 + top + 1, x0 + left:x1 + left + 1]
    else:
        patch = img[y0:y1 + 1, x0:x1 + 1]
    if size != out_size:
        patch = cv2.resize(patch, (out_size, out_size))
    return np.ascontiguousarray(patch)


class PysotCropTracker(SiamRPNTracker):
    """:class:`SiamRPNTracker` with pysot's crops and centre clip (see the
    module's notes); the same arguments."""

    def init(self, frames: Sequence[np.ndarray], boxes: np.ndarray) -> None:
        """Start tracking (see :meth:`SiamRPNTracker.init`); the pads are
        pysot's ``np.mean`` of each first frame."""
        frames = as_bgr_frames(frames, 'frames')
        self._pysot_means = [np.mean(f, axis=(0, 1)) for f in frames]
        super().init(frames, boxes)

    def select(self, keep: Sequence[int]) -> None:
        """Keep only the given sequences."""
        self._pysot_means = [self._pysot_means[i] for i in keep]
        super().select(keep)

    def _crops(self, frames: Sequence[np.ndarray], side: np.ndarray,
               out_size: int) -> Tensor:
        """(B, 3, T, T) crops cut as pysot cuts them."""
        crops = [
            pysot_subwindow(f, c, s, out_size, m)
            for f, c, s, m in zip(frames, self.center, side,
                                  self._pysot_means)
        ]
        return self.model.data_preprocessor.normalize(crops)

    def _update(self, frames: Sequence[np.ndarray], dx: np.ndarray,
                dy: np.ndarray, w: np.ndarray, h: np.ndarray,
                rate: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """:meth:`SiamRPNTracker._update` with pysot's centre clip, [0, W]
        in its pixel-index coordinates (half a pixel right and down)."""
        # shifted into pysot's coordinates and back: the [0, W] clip there
        self.center = self.center - 0.5
        boxes = super()._update(frames, dx, dy, w, h, rate, scale)
        self.center = self.center + 0.5
        return boxes + 0.5
