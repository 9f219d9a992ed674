"""Tests of plugin/tracking/static_tracker.py."""
import numpy as np
import pytest

from plugin.tracking.base import Tracker
from plugin.tracking.static_tracker import StaticTracker


def test_returns_the_init_box():
    frames = np.zeros((3, 8, 8, 3), dtype=np.uint8)
    tracker = StaticTracker()
    assert isinstance(tracker, Tracker) and tracker.name == 'static'
    box = np.array([1.5, 2, 6, 7.25])
    tracker.init(frames[0], box)
    box[0] = 0  # the tracker keeps its own copy
    out = tracker.track(frames[1])
    assert out.dtype == np.float32 and out.tolist() == [1.5, 2, 6, 7.25]
    out[:] = -1  # and hands out copies
    assert tracker.track(frames[2]).tolist() == [1.5, 2, 6, 7.25]


def test_track_before_init_raises():
    with pytest.raises(RuntimeError, match='init'):
        StaticTracker().track(np.zeros((8, 8, 3), dtype=np.uint8))
