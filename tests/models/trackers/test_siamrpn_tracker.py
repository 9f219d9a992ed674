"""SiamRPNTracker: penalty, window, size update and clipping by hand;
targets followed by a stub network that scores the true box."""
import math

import numpy as np
import pytest
import torch

from plugin.models.data_preprocessors import SiamDataPreprocessor
from plugin.models.trackers import SiamRPNTracker


class StubHead:
    """Scores and boxes given by a function of the search crops."""
    num_base_anchors = 1

    def __init__(self, score_size, fn):
        self.score_size, self.fn = score_size, fn

    def template(self, feats):
        b = feats[0].size(0)
        return [(torch.zeros(b, 1, 1, 1), torch.zeros(b, 1, 1, 1))]

    def forward_search(self, kernels, feats):
        b, s = feats[0].size(0), self.score_size
        self.crops = feats[0]
        return torch.zeros(b, 2, s, s), torch.zeros(b, 4, s, s)

    def decode(self, cls, reg, search_size):
        return self.fn(self.crops)


class StubModel:

    def __init__(self, head):
        self.head = head
        self.data_preprocessor = SiamDataPreprocessor()  # raw pixels

    def extract_feat(self, x):
        return [x]


def fixed(score, boxes):
    """A head returning the same (A,) scores and (A, 4) boxes per crop."""
    return lambda crops: (score.expand(crops.size(0), -1),
                          boxes.expand(crops.size(0), -1, -1))


def make_tracker(fn, score_size=3, **kwargs):
    head = StubHead(score_size, fn)
    return SiamRPNTracker(StubModel(head), 64, 128, **kwargs)


FRAME = np.zeros((240, 320, 3), np.uint8)
# init: centre (100, 100), 40 x 40: s_z = sqrt(80 * 80) = 80, so 0.8 crop
# pixels per frame pixel and a 32 x 32 box in the crop, whose centre is 64
INIT = np.array([[80., 80., 120., 120.]])


def test_penalty_by_hand():
    # centre anchor: a 48 x 32 box 6 px right of the crop centre, score 0.9
    score = torch.zeros(9)
    score[4] = 0.9
    boxes = torch.tensor([[46., 48., 94., 80.]]).repeat(9, 1)
    tracker = make_tracker(fixed(score, boxes))
    tracker.init([FRAME], INIT)
    out, best = tracker.track([FRAME])

    def sz(w, h):
        p = (w + h) / 2
        return math.sqrt((w + p) * (h + p))

    s_c = sz(48, 32) / sz(32, 32)  # 79.599 / 64
    r_c = 1.5  # (32 / 32) / (48 / 32) = 2 / 3 -> max(r, 1 / r)
    penalty = math.exp(-(r_c * s_c - 1) * 0.16)
    rate = penalty * 0.9 * 0.30
    cx = 100 + 6 / 0.8
    width = 40 * (1 - rate) + 48 / 0.8 * rate
    height = 40 * (1 - rate) + 32 / 0.8 * rate
    expected = [cx - width / 2, 100 - height / 2, cx + width / 2,
                100 + height / 2]
    assert out[0].tolist() == pytest.approx(expected, abs=1e-4)
    assert best[0] == pytest.approx(0.9, abs=1e-6)


def test_window_beats_a_higher_score_off_centre():
    """hann(3) = [0, 1, 0]: the corner's 1.0 gives 0.6 x 1.0 = 0.6, the
    centre's 0.5 gives 0.6 x 0.5 + 0.4 = 0.7."""
    score = torch.tensor([1., 0, 0, 0, 0.5, 0, 0, 0, 0])
    boxes = torch.tensor([[48., 48., 80., 80.]]).repeat(9, 1)
    boxes[0] = torch.tensor([0., 0., 32., 32.])  # far up-left
    tracker = make_tracker(fixed(score, boxes))
    tracker.init([FRAME], INIT)
    out, best = tracker.track([FRAME])
    assert out[0].tolist() == pytest.approx(INIT[0].tolist(), abs=1e-4)
    assert best[0] == pytest.approx(0.5)
    # without the window the corner wins
    tracker = make_tracker(fixed(score, boxes), window_influence=0.)
    tracker.init([FRAME], INIT)
    out, _ = tracker.track([FRAME])
    assert (out[0, :2] < 80).all()


def test_clipped_to_the_frame():
    """A box predicted beyond the frame's corner: centre clipped to the
    frame, sides to >= min_size (10)."""
    score = torch.ones(9)
    boxes = torch.tensor([[-400., -400., -399., -399.]]).repeat(9, 1)
    tracker = make_tracker(fixed(score, boxes), lr=1.)
    tracker.init([FRAME], INIT)
    out, _ = tracker.track([FRAME])
    cx, cy = (out[0, :2] + out[0, 2:]) / 2
    w, h = out[0, 2:] - out[0, :2]
    assert (cx, cy) == (0, 0)
    assert w >= 10 and h >= 10


def colour_box_head(crops):
    """Perfect scores: every anchor gets score 1 and the box of the red
    pixels of its crop (raw BGR values: red is channel 2)."""
    red = (crops[:, 2] > 200) & (crops[:, 0] < 50)
    boxes = []
    for m in red:
        ys, xs = torch.nonzero(m, as_tuple=True)
        boxes.append(torch.stack([xs.min(), ys.min(), xs.max() + 1,
                                  ys.max() + 1]).float())
    boxes = torch.stack(boxes)[:, None].expand(-1, 9, -1)
    return torch.ones(boxes.shape[:2]), boxes


def iou(a, b):
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) +
                    (b[2] - b[0]) * (b[3] - b[1]) - inter)


def sequence(boxes, seed=0):
    """Frames of noise with a red rectangle at each (x1, y1, x2, y2)."""
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 120, (len(boxes), 240, 320, 3), dtype=np.uint8)
    for f, (x1, y1, x2, y2) in zip(frames, boxes.astype(int)):
        f[y1:y2, x1:x2] = (0, 0, 255)
    return frames


@pytest.mark.parametrize('velocity', [(0, 0), (3, -2)])
def test_follows_a_target_with_a_perfect_network(velocity):
    """Static and moving targets (two sequences tracked in lockstep, of
    different lengths): IoU > 0.9 on every frame."""
    start = np.array([140., 100., 180., 124.])
    moving = np.stack([start + np.tile(velocity, 2) * t for t in range(20)])
    static = np.stack([np.array([60., 60., 90., 110.])] * 12)
    seqs = [sequence(moving), sequence(static, seed=1)]
    tracker = make_tracker(colour_box_head)
    preds, times = tracker.track_sequences(seqs, np.stack([moving[0],
                                                           static[0]]))
    assert [len(p) for p in preds] == [20, 12]
    for pred, gt in zip(preds, [moving, static]):
        ious = [iou(p, g) for p, g in zip(pred, gt)]
        assert min(ious) > 0.9, ious
    assert times[0] > times[1] > 0
