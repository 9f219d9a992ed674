"""A SiamRPN model through VOT's supervised (reset-based) protocol, one
sequence at a time (re-initialisations differ per sequence, so there is
no lockstep): :func:`plugin.evaluation.vot.supervised_trajectory` drives
a :class:`~plugin.models.trackers.siamrpn_tracker.SiamRPNTracker`.

Shapes: N frames, (H, W) frame size.
"""
from typing import List, Optional

import numpy as np

from plugin.datasets.sequences.base import xywh_to_xyxy, xyxy_to_xywh
from plugin.datasets.sequences.vot import polygon_to_box
from plugin.evaluation.vot import supervised_trajectory


def region_to_box(region: np.ndarray) -> np.ndarray:
    """A VOT region -> the (4,) xyxy box a tracker starts from: a polygon
    (8 values) through pysot's axis-aligned rule, a rectangle (x, y, w, h)
    as it is."""
    region = np.asarray(region, np.float64)
    if region.size == 8:
        return polygon_to_box(region[None])[0].astype(np.float64)
    return xywh_to_xyxy(region[:4])[0]


def track_supervised(tracker, frames: np.ndarray,
                     gt_regions: np.ndarray) -> List:
    """One sequence through VOT's protocol.

    Args:
        tracker: a ``SiamRPNTracker`` (``init(frames, boxes)``,
            ``track(frames)``), used with one sequence.
        frames: (N, H, W, 3) uint8 BGR.
        gt_regions: (N, 8) polygons or (N, 4) x, y, w, h rectangles.

    Returns:
        The trajectory: per frame VOT's marker (1 init, 2 failure, 0
        skipped) or the predicted x, y, w, h.
    """
    height, width = frames.shape[1:3]

    def init(idx: int, region: np.ndarray) -> None:
        tracker.init([frames[idx]], region_to_box(region)[None])

    def track(idx: int) -> np.ndarray:
        box = tracker.track([frames[idx]])[0][0]
        return xyxy_to_xywh(box)[0]

    return supervised_trajectory(len(frames), gt_regions, init, track,
                                 bounds=(width, height))


def gt_regions(info: dict) -> np.ndarray:
    """A sequence's VOT regions: its ``polygons`` when the reader kept them
    (VOT), else its xyxy boxes as x, y, w, h rectangles (any dataset)."""
    polygons: Optional[np.ndarray] = info.get('polygons')
    if polygons is not None:
        return np.asarray(polygons, np.float64)
    return xyxy_to_xywh(info['gt_bboxes'])
