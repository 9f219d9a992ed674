"""Frames and init boxes handed to the SiamRPN tracker: grayscale and BGRA
frames converted, bad frames and boxes a ValueError naming them
(plugin/models/trackers/track_inputs.py and its callers)."""
import re
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement

from plugin.models.data_preprocessors import SiamDataPreprocessor
from plugin.models.trackers import SiamRPN, SiamRPNTracker
from plugin.models.trackers.track_inputs import (as_bgr_frame,
                                                 as_bgr_frames,
                                                 check_init_box,
                                                 check_init_boxes)

H, W = 120, 160  # frame size of these tests
BOX = np.array([50., 40., 90., 70.])  # the bright target in video()


def video(num=4, seed=0):
    """(num, H, W) gray frames: dark noise (values < 100) and a bright
    (250) rectangle moving 2 px right a frame, starting at BOX."""
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 100, (num, H, W), dtype=np.uint8)
    for t, f in enumerate(frames):
        x1, y1, x2, y2 = (BOX + [2 * t, 0, 2 * t, 0]).astype(int)
        f[y1:y2, x1:x2] = 250
    return frames


def bgra(gray):
    """The gray frames as BGRA with a random alpha (which must not
    matter)."""
    alpha = np.random.default_rng(1).integers(0, 256, gray.shape, np.uint8)
    return np.stack([gray, gray, gray, alpha], -1)


# ---------------------------------------------------------------- helpers
def test_bgr_uint8_frame_passes_through_uncopied():
    frame = np.zeros((H, W, 3), np.uint8)
    assert as_bgr_frame(frame) is frame
    # a strided view too: converting is for other channel counts only
    view = np.zeros((H, W, 6), np.uint8)[..., ::2]
    assert as_bgr_frame(view) is view
    frames = as_bgr_frames(np.zeros((2, H, W, 3), np.uint8))
    assert all(f.base is not None for f in frames)  # views, not copies


@pytest.mark.parametrize('make', [
    lambda g: g,  # (H, W)
    lambda g: g[..., None],  # (H, W, 1)
    lambda g: bgra(g),  # (H, W, 4)
    lambda g: np.asfortranarray(bgra(g)),  # not C-contiguous
], ids=['HW', 'HW1', 'BGRA', 'BGRA-fortran'])
def test_gray_and_bgra_become_bgr(make):
    gray = video(1)[0]
    out = as_bgr_frame(make(gray))
    assert out.shape == (H, W, 3) and out.dtype == np.uint8
    assert (out == gray[..., None]).all()  # every channel the gray value


def test_bgra_keeps_the_colours():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (H, W, 4), np.uint8)
    out = as_bgr_frame(frame)
    assert (out == frame[..., :3]).all()
    assert (out == cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)).all()


BAD_FRAMES = {
    'two channels': np.zeros((H, W, 2), np.uint8),
    'five channels': np.zeros((H, W, 5), np.uint8),
    '4-D': np.zeros((1, H, W, 3), np.uint8),
    '1-D': np.zeros(W, np.uint8),
    'float': np.zeros((H, W, 3), np.float32),
    'uint16': np.zeros((H, W), np.uint16),
    'bool': np.zeros((H, W), bool),
    'no rows': np.zeros((0, W, 3), np.uint8),
    'no columns': np.zeros((H, 0), np.uint8),
}


@pytest.mark.parametrize('name', BAD_FRAMES)
def test_bad_frame_is_named_with_shape_and_dtype(name):
    frame = BAD_FRAMES[name]
    expected = (rf'^frames\[2\] must be .* got shape '
                rf'{re.escape(str(frame.shape))}, dtype {frame.dtype}$')
    with pytest.raises(ValueError, match=expected):
        as_bgr_frame(frame, 'frames[2]')


@pytest.mark.parametrize('frame, kind', [
    ([[0, 1], [2, 3]], 'list'), (None, 'NoneType'),
    (torch.zeros(H, W, 3, dtype=torch.uint8), 'Tensor')])
def test_non_array_frame_is_named_with_its_type(frame, kind):
    with pytest.raises(ValueError, match=rf'^frames\[2\] .* got a {kind}$'):
        as_bgr_frame(frame, 'frames[2]')


def test_bad_frame_lists():
    good = np.zeros((H, W, 3), np.uint8)
    with pytest.raises(ValueError, match=r'^frames\[1\] .*shape \(3, 3\)'):
        as_bgr_frames([good, np.zeros((3, 3), np.float64)])
    with pytest.raises(ValueError, match=r'^frames holds no frames$'):
        as_bgr_frames([])
    with pytest.raises(ValueError, match=r'^frames holds 1 frames for 2'):
        as_bgr_frames([good], num=2)
    with pytest.raises(ValueError, match=r'^seq must be frames.* a int$'):
        as_bgr_frames(3, 'seq')
    # a single (H, W) frame is not a list of frames (iterating gives rows)
    with pytest.raises(ValueError, match=r'^seq must be frames.*\(120, 160\)'):
        as_bgr_frames(good[..., 0], 'seq')


def test_good_boxes():
    box = check_init_box([1, 2, 3.5, 4])
    assert box.dtype == np.float64 and box.tolist() == [1, 2, 3.5, 4]
    boxes = check_init_boxes([[1, 2, 3, 4], [0, 0, 1e-3, 1e-3]])
    assert boxes.shape == (2, 4) and boxes.dtype == np.float64
    # one flat box, as the tracker took it before these checks
    assert check_init_boxes(np.arange(4.)).shape == (1, 4)


@pytest.mark.parametrize('box', [
    [80., 80., 80., 120.],  # zero width
    [80., 80., 120., 80.],  # zero height
    [120., 80., 80., 120.],  # negative width
    [80., 120., 120., 80.],  # negative height
    [80., float('nan'), 120., 120.],
    [80., 80., float('inf'), 120.],
    [-float('inf'), 80., 120., 120.],
])
def test_bad_box_is_named_with_its_numbers(box):
    numbers = re.escape(str([float(v) for v in box]))
    expected = rf'^boxes\[1\] must be a finite xyxy box .* got {numbers}$'
    with pytest.raises(ValueError, match=expected):
        check_init_boxes([BOX, box], 'boxes')
    with pytest.raises(ValueError, match=expected):
        check_init_box(box, 'boxes[1]')


def test_malformed_boxes():
    with pytest.raises(ValueError, match=r"^box must be 4 numbers.*\[1, 2\]"):
        check_init_box([1, 2])
    with pytest.raises(ValueError, match=r'^boxes must be \(B, 4\).*\(2, 3\)'):
        check_init_boxes(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"^boxes must be \(B, 4\).*'a'"):
        check_init_boxes(['a', 1, 2, 3])
    with pytest.raises(ValueError, match=r'^boxes holds 2 boxes for 1 '):
        check_init_boxes(np.stack([BOX, BOX]), num=1)


# ---------------------------------------------------------------- tracker
class BrightBoxHead:
    """A stub head: every anchor scores 1 with the box of the crop's bright
    pixels; records the crops (raw pixels) it saw."""
    num_base_anchors = 1

    def template(self, feats):
        b = feats[0].size(0)
        return [(torch.zeros(b, 1, 1, 1), torch.zeros(b, 1, 1, 1))]

    def forward_search(self, kernels, feats):
        self.crops = feats[0]
        b = self.crops.size(0)
        return torch.zeros(b, 2, 3, 3), torch.zeros(b, 4, 3, 3)  # 3 x 3 map

    def decode(self, cls, reg, search_size):
        # 200: between the noise (< 100) and the target (250), also after
        # the crop's bilinear resampling at the target's edges
        boxes = []
        for crop in self.crops:
            ys, xs = torch.nonzero(crop[0] > 200, as_tuple=True)
            boxes.append(torch.stack([xs.min(), ys.min(), xs.max() + 1,
                                      ys.max() + 1]).float())
        boxes = torch.stack(boxes)[:, None].expand(-1, 9, -1)
        return torch.ones(boxes.shape[:2]), boxes


def make_tracker():
    model = SimpleNamespace(head=BrightBoxHead(),
                            data_preprocessor=SiamDataPreprocessor(),
                            extract_feat=lambda x: [x])
    return SiamRPNTracker(model, 64, 128)  # template / search sides


@pytest.mark.parametrize('make', [
    lambda g: g, lambda g: g[..., None], lambda g: bgra(g),
    lambda g: list(g)
], ids=['NHW', 'NHW1', 'BGRA', 'list-of-HW'])
def test_tracks_gray_and_bgra_as_their_bgr(make):
    """Same boxes, and the same crops, bit for bit, as for the BGR frames
    they stand for."""
    gray = video()
    bgr = np.repeat(gray[..., None], 3, -1)
    results, crops = [], []
    for seq in (bgr, make(gray)):
        tracker = make_tracker()
        preds, _ = tracker.track_sequences([seq], BOX[None])
        results.append(preds[0])
        crops.append(tracker.head.crops)
    assert (results[0] == results[1]).all()
    assert torch.equal(crops[0], crops[1])
    # and the target is followed (2 px right a frame)
    assert np.abs(results[0][-1] - (BOX + [6, 0, 6, 0])).max() < 1


def test_init_and_track_convert_gray():
    gray = video()
    tracker = make_tracker()
    tracker.init([gray[0]], BOX)
    out, _ = tracker.track([gray[1][..., None]])
    assert np.abs(out[0] - (BOX + [2, 0, 2, 0])).max() < 1


@pytest.mark.parametrize('name', BAD_FRAMES)
def test_tracker_names_a_bad_frame(name):
    bad = BAD_FRAMES[name]
    good = np.repeat(video(1)[0][..., None], 3, -1)
    shape = re.escape(str(bad.shape))
    tracker = make_tracker()
    with pytest.raises(ValueError, match=rf'^frames\[1\] .*{shape}'):
        tracker.init([good, bad], np.stack([BOX, BOX]))
    tracker.init([good, good], np.stack([BOX, BOX]))
    with pytest.raises(ValueError, match=rf'^frames\[1\] .*{shape}'):
        tracker.track([good, bad])
    with pytest.raises(ValueError, match=rf'^sequences\[1\]\[2\] .*{shape}'):
        make_tracker().track_sequences(
            [[good] * 3, [good, good, bad]], np.stack([BOX, BOX]))


def test_tracker_names_a_non_array_frame():
    tracker = make_tracker()
    with pytest.raises(ValueError, match=r'^frames\[0\] .* got a NoneType'):
        tracker.init([None], BOX)


def test_tracker_counts():
    frame = np.zeros((H, W, 3), np.uint8)
    tracker = make_tracker()
    with pytest.raises(ValueError, match=r'^boxes holds 2 boxes for 1 '):
        tracker.init([frame], np.stack([BOX, BOX]))
    tracker.init([frame], BOX)
    with pytest.raises(ValueError, match=r'^frames holds 2 frames for 1 '):
        tracker.track([frame, frame])


@pytest.mark.parametrize('box', [
    [50., 40., 50., 70.],  # the zero-area box
    [50., float('nan'), 90., 70.],
    [90., 40., 50., 70.],  # negative width
])
def test_tracker_names_a_bad_init_box(box):
    frame = np.zeros((H, W, 3), np.uint8)
    numbers = re.escape(str(box))
    with pytest.raises(ValueError, match=rf'^boxes\[1\] .* got {numbers}$'):
        make_tracker().init([frame, frame], np.stack([BOX, box]))
    with pytest.raises(ValueError,
                       match=rf'^init_boxes\[1\] .* got {numbers}$'):
        make_tracker().track_sequences([[frame], [frame]],
                                       np.stack([BOX, box]))


# ------------------------------------------------------------- SiamRPN
class RecordingTracker:
    """Stands in for SiamRPNTracker in SiamRPN.predict: records what it is
    given, returns the init boxes."""

    def track_sequences(self, sequences, init_boxes):
        self.sequences, self.init_boxes = sequences, init_boxes
        return [np.repeat(b[None].astype(np.float32), len(s), 0)
                for s, b in zip(sequences, init_boxes)], [0.] * len(
                    sequences)


def predict(frames, boxes):
    """SiamRPN.predict on a stand-in model; returns what its tracker got."""
    tracker = RecordingTracker()
    samples = [BaseDataElement(metainfo=dict(gt_bboxes=b)) for b in boxes]
    SiamRPN.predict(SimpleNamespace(tracker=lambda: tracker),
                    dict(frames=frames), samples)
    return tracker


def test_predict_converts_and_names():
    gray = video()
    tracker = predict([gray, bgra(gray)], [BOX[None]] * 2)
    for seq in tracker.sequences:
        assert [f.shape for f in seq] == [(H, W, 3)] * len(gray)
        assert (np.stack(seq) == gray[..., None]).all()
    bad = np.zeros((2, H, W, 2), np.uint8)
    with pytest.raises(ValueError,
                       match=r"^inputs\['frames'\]\[1\]\[0\] .*\(120, 160, 2"):
        predict([gray, bad], [BOX[None]] * 2)
    with pytest.raises(ValueError, match=r'^data_samples\[1\]\.gt_bboxes\[0'
                       r'\] .* got \[50\.0, 40\.0, 50\.0, 70\.0\]$'):
        predict([gray, gray], [BOX[None], [[50., 40., 50., 70.]]])
