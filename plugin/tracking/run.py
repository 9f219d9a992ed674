"""Run a per-frame tracker over one sequence.

Shapes: N frames of H x W; boxes are float xyxy.
"""
import time
from typing import Sequence, Tuple, Union

import numpy as np

from plugin.models.trackers.track_inputs import as_bgr_frame
from .base import Tracker

__all__ = ['run_sequence']


def run_sequence(
    tracker: Tracker, frames: Union[np.ndarray, Sequence[np.ndarray]],
    init_box: np.ndarray
) -> Tuple[np.ndarray, float]:
    """One-pass run: init on frame 0, then track frames 1..N-1.

    Args:
        tracker: anything with ``init(frame, box)`` and ``track(frame)``.
        frames: (N, H, W, 3) uint8 BGR, an array or a sequence of frames;
            grayscale ((H, W) or (H, W, 1)) and BGRA frames are converted
            (:func:`plugin.models.trackers.track_inputs.as_bgr_frame`).
        init_box: (4,) xyxy, the target in frame 0.

    Returns:
        ``(pred_boxes, seconds)``: (N, 4) float32 xyxy, row 0 the init box
        (as OTB and pysot record it); and the wall time of the ``track``
        calls on frames 1..N-1 (``init`` is not timed, so fps =
        (N - 1) / seconds).

    Raises:
        ValueError: If a frame is of another shape or dtype (named
            ``frames[i]`` in the message).
    """
    num = len(frames)
    pred = np.empty((num, 4), dtype=np.float32)
    pred[0] = np.asarray(init_box, dtype=np.float32).reshape(4)
    # the baselines get the same BGR frames as SiamRPN (MIL would take a
    # 2-D or BGRA frame as it is, reading alpha as a colour), and a bad
    # frame is named; a no-op on BGR uint8
    tracker.init(as_bgr_frame(frames[0], 'frames[0]'), pred[0].copy())
    seconds = 0.
    for i in range(1, num):
        # indexing (or loading) and conversion outside the clock
        frame = as_bgr_frame(frames[i], f'frames[{i}]')
        start = time.perf_counter()
        box = tracker.track(frame)
        seconds += time.perf_counter() - start
        pred[i] = box
    return pred, seconds
