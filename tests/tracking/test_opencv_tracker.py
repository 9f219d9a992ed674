"""Tests of plugin/tracking/opencv_tracker.py."""
import numpy as np
import pytest

from plugin.evaluation.ope import center_error
from plugin.tracking.base import Tracker
from plugin.tracking.opencv_tracker import OpenCVTracker, available_kinds
from plugin.tracking.run import run_sequence


def square_video(num=16, side=24):
    """A bright square moving (2, 1) px a frame over dark noise (MIL loses
    a square on a flat background: nothing to tell positions apart)."""
    rng = np.random.default_rng(0)
    # 40: background noise amplitude, 230: the square's grey level
    background = rng.integers(0, 40, (96, 128, 3)).astype(np.uint8)
    frames = np.repeat(background[None], num, axis=0)
    gt = np.zeros((num, 4), dtype=np.float32)
    for i in range(num):
        x, y = 20 + 2 * i, 20 + i
        frames[i, y:y + side, x:x + side] = 230
        gt[i] = [x, y, x + side, y + side]
    return frames, gt


def test_mil_follows_a_moving_square():
    frames, gt = square_video()
    tracker = OpenCVTracker('MIL')
    assert isinstance(tracker, Tracker) and tracker.name == 'opencv-MIL'
    pred, seconds = run_sequence(tracker, frames, gt[0])
    assert seconds > 0
    err = center_error(pred, gt)
    # the target travels sqrt(30^2 + 15^2) = 33.5 px; MIL lags a few px
    # (typically 4-8 px at worst; it is not deterministic across runs)
    assert center_error(np.repeat(gt[:1], 16, 0), gt)[-1] > 33
    assert err[0] == 0
    assert err.max() <= 12 and err.mean() <= 7


class FailingCV2Tracker:
    """Stands in for a cv2 tracker whose update fails."""

    def update(self, frame):
        return False, (0, 0, 0, 0)


def test_failed_update_keeps_the_last_box():
    frames, gt = square_video(num=1)
    tracker = OpenCVTracker()
    tracker.init(frames[0], np.array([20.4, 19.6, 44.5, 44.0]))
    tracker._tracker = FailingCV2Tracker()
    out = tracker.track(frames[0])
    assert not tracker.ok
    assert out.tolist() == pytest.approx([20.4, 19.6, 44.5, 44.0])


def test_unknown_kind_names_the_available_ones():
    assert 'MIL' in available_kinds()
    with pytest.raises(ValueError, match="no TrackerNoSuch_create.*'MIL'"):
        OpenCVTracker('NoSuch')
