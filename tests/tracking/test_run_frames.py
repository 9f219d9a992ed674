"""run_sequence's frames: grayscale and BGRA converted to BGR before the
per-frame trackers see them, bad frames a ValueError naming them."""
import numpy as np
import pytest

from plugin.tracking.opencv_tracker import OpenCVTracker
from plugin.tracking.run import run_sequence


class RecordingTracker:
    """Records the frames it is given; the box never moves."""
    name = 'recording'

    def init(self, frame, box):
        self.frames, self.box = [frame], np.asarray(box, np.float32)

    def track(self, frame):
        self.frames.append(frame)
        return self.box


def gray_video(num=5, side=16):
    """(num, 64, 80) frames: dark noise and a bright square moving 2 px
    right a frame; and the (num, 4) xyxy boxes of the square."""
    rng = np.random.default_rng(0)
    # 40: noise amplitude, 230: the square's grey level
    frames = rng.integers(0, 40, (num, 64, 80), dtype=np.uint8)
    boxes = np.zeros((num, 4), np.float32)
    for i, f in enumerate(frames):
        x, y = 20 + 2 * i, 20
        f[y:y + side, x:x + side] = 230
        boxes[i] = [x, y, x + side, y + side]
    return frames, boxes


@pytest.mark.parametrize('make', [
    lambda g: g, lambda g: g[..., None],
    lambda g: np.concatenate([np.repeat(g[..., None], 3, -1),
                              np.full_like(g[..., None], 7)], -1),
    lambda g: list(g)
], ids=['NHW', 'NHW1', 'BGRA', 'list-of-HW'])
def test_frames_reach_the_tracker_as_bgr(make):
    gray, boxes = gray_video()
    tracker = RecordingTracker()
    run_sequence(tracker, make(gray), boxes[0])
    assert len(tracker.frames) == len(gray)
    for seen, g in zip(tracker.frames, gray):
        assert seen.shape == g.shape + (3, ) and seen.dtype == np.uint8
        assert (seen == g[..., None]).all()


def test_bgr_frames_are_passed_as_they_are():
    frames = np.zeros((3, 8, 8, 3), np.uint8)
    tracker = RecordingTracker()
    run_sequence(tracker, frames, [1, 1, 4, 4])
    assert all(seen.base is frames for seen in tracker.frames)  # no copies


def test_bad_frame_is_named():
    frames = [np.zeros((8, 8, 3), np.uint8)] * 2 + [
        np.zeros((8, 8, 3), np.float32)]
    with pytest.raises(ValueError,
                       match=r'^frames\[2\] .*\(8, 8, 3\), dtype float32$'):
        run_sequence(RecordingTracker(), frames, [1, 1, 4, 4])


def test_opencv_tracker_on_gray_and_bgra_frames():
    """MIL runs on them (as on the BGR frames they are converted to). Its
    boxes are not compared: MIL is not deterministic across runs, even
    with cv2.setRNGSeed (see test_opencv_tracker.py)."""
    gray, boxes = gray_video()
    alpha = np.full_like(gray[..., None], 255)  # opaque
    for frames in (gray, np.concatenate([np.repeat(gray[..., None], 3, -1),
                                         alpha], -1)):
        pred, _ = run_sequence(OpenCVTracker('MIL'), frames, boxes[0])
        assert pred.shape == (len(gray), 4) and np.isfinite(pred).all()
        assert (pred[0] == boxes[0]).all()
