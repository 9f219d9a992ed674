"""Tests for plugin.tracking.supervised: VOT's protocol driving a tracker
with SiamRPNTracker's interface."""
import numpy as np

from plugin.tracking.supervised import (gt_regions, region_to_box,
                                        track_supervised)


class ScriptedTracker:
    """Returns the init box shifted by ``step`` px a frame (from its last
    init): loses a 10 px target after a few frames."""

    def __init__(self, step):
        self.step, self.calls = step, []

    def init(self, frames, boxes):
        self.box, self.calls = boxes[0].copy(), self.calls + ['init']

    def track(self, frames):
        self.box = self.box + [self.step, 0, self.step, 0]
        return self.box[None], np.ones(1)


def test_failure_and_reinit():
    frames = np.zeros((12, 40, 60, 3), np.uint8)
    regions = np.tile([[5., 5., 10., 10.]], (12, 1))  # a still target
    tracker = ScriptedTracker(step=6.)
    traj = track_supervised(tracker, frames, regions)
    # IoU 4/16 at frame 1, 0 at frame 2 (12 px off a 10 px box): failure,
    # frames 3-6 skipped, re-init at 7 (2 + 5), fail again at 9
    markers = [e if isinstance(e, int) else 'box' for e in traj]
    assert markers == [1, 'box', 2, 0, 0, 0, 0, 1, 'box', 2, 0, 0]
    assert traj[1] == (11., 5., 10., 10.)
    assert tracker.calls == ['init', 'init']


def test_regions():
    square = np.array([10, 10, 20, 10, 20, 20, 10, 20], float)
    assert region_to_box(square).tolist() == [9.5, 9.5, 20.5, 20.5]
    assert region_to_box(np.array([1., 2., 3., 4.])).tolist() == [1, 2, 4, 6]
    info = dict(gt_bboxes=np.array([[1., 2., 4., 6.]]))
    assert gt_regions(info).tolist() == [[1, 2, 3, 4]]
    info['polygons'] = square[None]
    assert gt_regions(info).tolist() == [square.tolist()]
