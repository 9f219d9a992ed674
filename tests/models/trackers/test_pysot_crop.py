"""pysot's crops (pysot_subwindow, PysotCropTracker) against the exact
window of crop_and_resize: by how much they differ, and where.

pysot's window of side s around centre c (continuous coordinates) is
round(s) = S px wide and starts at the whole pixel floor(c - 0.5 - S / 2):
its centre is c + d with d in (-1.5, -0.5] on each axis. Resampled, it is
crop_and_resize's crop of that shifted window but in a band of ceil(T / S)
px along the edges, where cv2.resize of the cut patch repeats the patch's
edge while the warp of the whole frame reads the pixels beyond it; inside,
the two bilinear fixed-point implementations agree to 1 grey level.
pysot's tracker parity itself is tests/tools/test_convert_pysot.py's.
"""
import math

import numpy as np
import pytest
import torch
# the tracker test's stubs (tests/ is on the path)
from models.trackers.test_siamrpn_tracker import StubHead, StubModel, fixed

from plugin.datasets.transforms.crop import crop_and_resize
from plugin.models.trackers import (PysotCropTracker, SiamRPNTracker,
                                    pysot_subwindow)

# a frame with detail at every pixel, so that any misplaced pixel shows
RNG = np.random.default_rng(0)
FRAME = RNG.integers(0, 256, (120, 160, 3), dtype=np.uint8)
MEAN = np.mean(FRAME, axis=(0, 1))


def pysot_window(center, side):
    """(centre, side) of the window pysot cuts (continuous coordinates)."""
    size = round(side)
    x0 = math.floor(center[0] - 0.5 - size / 2)
    y0 = math.floor(center[1] - 0.5 - size / 2)
    return (x0 + size / 2, y0 + size / 2), size


@pytest.mark.parametrize('seed', range(4))
def test_pysot_crop_is_the_shifted_rounded_window(seed):
    rng = np.random.default_rng(seed)
    for _ in range(25):
        # centres inside and outside the frame (padded), up- and down-
        # sampling to pysot's three crop sides
        center = rng.uniform([-20, -20], [180, 140])
        side = rng.uniform(20, 300)
        out = int(rng.choice([127, 255, 287]))
        (cx, cy), size = pysot_window(center, side)
        assert abs(size - side) <= 0.5
        assert -1.5 < cx - center[0] <= -0.5
        assert -1.5 < cy - center[1] <= -0.5
        ours = crop_and_resize(FRAME, (cx, cy), size, out,
                               np.floor(MEAN)).astype(int)
        theirs = pysot_subwindow(FRAME, center, side, out, MEAN).astype(int)
        band = math.ceil(out / size)
        inner = np.abs(ours - theirs)[band:-band, band:-band]
        assert inner.max() <= 1


def test_unresampled_crop_is_the_pixels_and_truncated_mean():
    """S == T: pysot cuts the pixels as they are; outside the frame the
    per-channel mean, truncated to uint8."""
    center, side = (10.3, 100.8), 63.2  # round: 63; corner (-22, 68)
    crop = pysot_subwindow(FRAME, center, side, 63, MEAN)
    assert crop.shape == (63, 63, 3)
    np.testing.assert_array_equal(crop[:52, 22:], FRAME[68:120, 0:41])
    assert (crop[:, :22] == MEAN.astype(np.uint8)).all()
    assert (crop[52:] == MEAN.astype(np.uint8)).all()


def recording_head():
    """A stub head (3 x 3 map, one anchor) that keeps every crop it gets
    and predicts the box at the crop's centre (no move; with lr 0 the
    size stays too)."""
    score = torch.zeros(9)
    score[4] = 1.
    boxes = torch.tensor([[48., 48., 80., 80.]]).repeat(9, 1)
    head = StubHead(3, fixed(score, boxes))
    head.seen = []
    template = head.template

    def record_template(feats):
        head.seen.append(feats[0].clone())
        return template(feats)

    def record_search(kernels, feats):
        head.seen.append(feats[0].clone())
        return StubHead.forward_search(head, kernels, feats)

    head.template, head.forward_search = record_template, record_search
    return head


def test_tracker_feeds_pysot_subwindows_and_keeps_them_per_sequence():
    """Template and search crops of two sequences (different frames and
    means), then of the second alone after select()."""
    head = recording_head()
    tracker = PysotCropTracker(StubModel(head), 64, 128, lr=0.)
    frames = [FRAME, 255 - FRAME]
    boxes = np.array([[30.3, 20.6, 70.7, 60.2], [80.1, 40.4, 120.9, 79.8]])
    tracker.init(frames, boxes)
    tracker.track(frames)
    tracker.select([1])
    tracker.track(frames[1:])
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    w, h = (boxes[:, 2:] - boxes[:, :2]).T
    p = (w + h) / 2
    s_z = np.sqrt((w + p) * (h + p))
    means = [np.mean(f, axis=(0, 1)) for f in frames]
    # the state stays: the same windows every frame
    expected = [[pysot_subwindow(f, c, s * k, t, m)
                 for f, c, s, m in zip(frames, centres, s_z, means)]
                for k, t in ((1, 64), (2, 128))]
    for seen, crops in zip(head.seen, expected + [expected[1][1:]]):
        np.testing.assert_array_equal(
            seen.permute(0, 2, 3, 1).numpy(), np.stack(crops))


def test_centre_clip_is_pysots():
    """A box predicted beyond the frame's corner: pysot clips its centre
    to (0, 0) in its pixel-index coordinates, (0.5, 0.5) here."""
    score = torch.ones(9)
    boxes = torch.tensor([[-400., -400., -399., -399.]]).repeat(9, 1)
    frame = np.zeros((240, 320, 3), np.uint8)
    for cls, corner in ((PysotCropTracker, 0.5), (SiamRPNTracker, 0.)):
        tracker = cls(StubModel(StubHead(3, fixed(score, boxes))), 64, 128,
                      lr=1.)
        tracker.init([frame], np.array([[80., 80., 120., 120.]]))
        out, _ = tracker.track([frame])
        assert tuple((out[0, :2] + out[0, 2:]) / 2) == (corner, corner)
