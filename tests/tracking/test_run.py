"""Tests of plugin/tracking/run.py."""
import numpy as np

from plugin.tracking import run as run_module
from plugin.tracking.run import run_sequence


class ShiftTracker:
    """Moves the box 1 px right per track() call and records the frames."""
    name = 'shift'

    def init(self, frame, box):
        self.box = np.asarray(box, dtype=np.float32)
        self.seen = [int(frame[0, 0, 0])]

    def track(self, frame):
        self.seen.append(int(frame[0, 0, 0]))
        self.box = self.box + np.array([1, 0, 1, 0], dtype=np.float32)
        return self.box


def test_run_sequence(monkeypatch):
    # frame i is filled with the value i, so the tracker can tell them apart
    frames = np.arange(4, dtype=np.uint8)[:, None, None, None] * np.ones(
        (1, 5, 6, 3), dtype=np.uint8)
    # a clock that ticks 0.5 s per reading: each track() takes 0.5 s
    ticks = iter(np.arange(100) * 0.5)
    monkeypatch.setattr(run_module.time, 'perf_counter', lambda: next(ticks))
    tracker = ShiftTracker()
    pred, seconds = run_sequence(tracker, frames, [1, 2, 3, 4])
    assert tracker.seen == [0, 1, 2, 3]
    assert pred.dtype == np.float32
    assert pred.tolist() == [[1, 2, 3, 4], [2, 2, 4, 4], [3, 2, 5, 4],
                             [4, 2, 6, 4]]
    assert seconds == 1.5  # frames 1..3 only, init not timed
