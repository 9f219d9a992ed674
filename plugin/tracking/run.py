"""Run a per-frame tracker over one sequence.

Shapes: N frames of H x W; boxes are float xyxy.
"""
import time
from typing import Sequence, Tuple, Union

import numpy as np

from .base import Tracker

__all__ = ['run_sequence']


def run_sequence(
    tracker: Tracker, frames: Union[np.ndarray, Sequence[np.ndarray]],
    init_box: np.ndarray
) -> Tuple[np.ndarray, float]:
    """One-pass run: init on frame 0, then track frames 1..N-1.

    Args:
        tracker: anything with ``init(frame, box)`` and ``track(frame)``.
        frames: (N, H, W, 3) uint8 BGR, an array or a sequence of frames.
        init_box: (4,) xyxy, the target in frame 0.

    Returns:
        ``(pred_boxes, seconds)``: (N, 4) float32 xyxy, row 0 the init box
        (as OTB and pysot record it); and the wall time of the ``track``
        calls on frames 1..N-1 (``init`` is not timed, so fps =
        (N - 1) / seconds).
    """
    num = len(frames)
    pred = np.empty((num, 4), dtype=np.float32)
    pred[0] = np.asarray(init_box, dtype=np.float32).reshape(4)
    tracker.init(frames[0], pred[0].copy())
    seconds = 0.
    for i in range(1, num):
        frame = frames[i]  # indexing (or loading) outside the clock
        start = time.perf_counter()
        box = tracker.track(frame)
        seconds += time.perf_counter() - start
        pred[i] = box
    return pred, seconds
