"""plugin/tracking/tune.py and SiamRPNTracker's per-sequence options: the
settings (grid, random), per-sequence option arrays against separate
scalar runs (a stub network, so any difference is the tracker's), and the
batched search against ordinary single-setting evaluation (a tiny random
SiamRPN)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import DefaultScope
from models.trackers.test_siamrpn import MODEL as SIAMRPN_MODEL

from plugin.models.data_preprocessors import SiamDataPreprocessor
from plugin.models.trackers import SiamRPNTracker
from plugin.registry import MODELS
from plugin.tracking.tune import (DEFAULT_GRID, DEFAULT_RANGES, OPTIONS,
                                  RANDOM_DECIMALS, Videos, config_line,
                                  evaluate_settings, evaluate_single,
                                  format_table, grid_settings,
                                  random_settings, rank, unique_settings)

BASE = dict(penalty_k=0.16, window_influence=0.40, lr=0.30, min_size=10.)


# ----------------------------------------------------------------------
# settings
def test_grid_order_and_base_values():
    grid = grid_settings(dict(penalty_k=[0.1, 0.2], lr=[0.3, 0.5]), BASE)
    assert grid == [
        dict(penalty_k=0.1, window_influence=0.4, lr=0.3),
        dict(penalty_k=0.1, window_influence=0.4, lr=0.5),
        dict(penalty_k=0.2, window_influence=0.4, lr=0.3),
        dict(penalty_k=0.2, window_influence=0.4, lr=0.5),
    ]
    assert len(grid_settings(DEFAULT_GRID, BASE)) == 27
    # the default grid holds pysot's (and the config's) setting
    assert dict(penalty_k=0.16, window_influence=0.4, lr=0.3) in \
        grid_settings(DEFAULT_GRID, BASE)
    with pytest.raises(ValueError, match='unknown options'):
        grid_settings(dict(penalty=[0.1]), BASE)


def test_random_settings_seeded_in_range_rounded():
    a = random_settings(20, 3, BASE, dict(lr=(0.2, 0.25)))
    assert a == random_settings(20, 3, BASE, dict(lr=(0.2, 0.25)))
    assert a != random_settings(20, 4, BASE, dict(lr=(0.2, 0.25)))
    assert len(a) == 20 and all(set(s) == set(OPTIONS) for s in a)
    for s in a:
        assert 0.2 <= s['lr'] <= 0.25
        low, high = DEFAULT_RANGES['penalty_k']
        assert low <= s['penalty_k'] <= high
        assert all(round(v, RANDOM_DECIMALS) == v for v in s.values())
    fixed = random_settings(3, 0, BASE, dict(window_influence=(0.4, 0.4)))
    assert {s['window_influence'] for s in fixed} == {0.4}
    assert random_settings(0, 0, BASE) == []
    with pytest.raises(ValueError, match='low'):
        random_settings(1, 0, BASE, dict(lr=(0.5, 0.1)))
    with pytest.raises(ValueError, match='trials'):
        random_settings(-1, 0, BASE)


def test_unique_rank_table_and_config_line():
    s = [dict(penalty_k=0.1, window_influence=0.4, lr=0.3),
         dict(penalty_k=0.2, window_influence=0.4, lr=0.3)]
    assert unique_settings(s + s[:1]) == s
    results = [dict(s[0], success=0.5, precision=0.7),
               dict(s[1], success=0.6, precision=0.6),
               dict(s[1], lr=0.5, success=0.5, precision=0.8),
               dict(s[1], lr=0.6, success=np.nan, precision=0.9)]
    ranked = rank(results)
    assert [(r['rank'], r['lr'], r['success']) for r in ranked][:3] == \
        [(1, 0.3, 0.6), (2, 0.5, 0.5), (3, 0.3, 0.5)]
    assert ranked[3]['lr'] == 0.6  # NaN last
    table = format_table(ranked, s[0], top=1)
    lines = table.splitlines()
    assert lines[2].startswith('     1') and '0.6000' in lines[2]
    assert lines[3] == '  ...' and lines[4].startswith('*    3')
    assert config_line(ranked[0], 0.6) == (
        'model = dict(test_cfg=dict(penalty_k=0.2, window_influence=0.4, '
        'lr=0.3))  # tools/tune_tracker.py on val: AUC 0.600')


# ----------------------------------------------------------------------
# per-sequence options on a stub network
class NoiseHead:
    """A fixed random function of each crop alone (no batched matmul or
    convolution, so a crop's output does not depend on its batch): a score
    and a box per cell of a 5 x 5 map, from the crop's pooled colours."""
    num_base_anchors = 1
    score_size = 5

    def __init__(self, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.weights = torch.randn(3, generator=g)
        self.shape = torch.randn(2, generator=g)

    def template(self, feats):
        b = feats[0].size(0)
        return [(torch.zeros(b, 1, 1, 1), torch.zeros(b, 1, 1, 1))]

    def forward_search(self, kernels, feats):
        self.crops = feats[0]
        b, s = feats[0].size(0), self.score_size
        return torch.zeros(b, 2, s, s), torch.zeros(b, 4, s, s)

    def decode(self, cls, reg, search_size):
        s = self.score_size
        pooled = F.adaptive_avg_pool2d(self.crops, s)  # (B, 3, s, s)
        z = (pooled[:, 0] * self.weights[0] + pooled[:, 1] *
             self.weights[1] + pooled[:, 2] * self.weights[2]) / 60
        score = torch.sigmoid(z).reshape(len(z), -1)  # (B, A)
        step = search_size / s
        ys, xs = torch.meshgrid(torch.arange(s), torch.arange(s),
                                indexing='ij')
        cx = ((xs + 0.5) * step).reshape(-1).expand_as(score)
        cy = ((ys + 0.5) * step).reshape(-1).expand_as(score)
        t = torch.tanh(z).reshape(len(z), -1)
        w = search_size / 4 * (1 + 0.5 * t * self.shape[0])
        h = search_size / 4 * (1 + 0.5 * t * self.shape[1])
        boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2,
                             cy + h / 2], -1)
        return score, boxes


class StubModel:

    def __init__(self):
        self.head = NoiseHead()
        self.data_preprocessor = SiamDataPreprocessor()  # raw pixels

    def extract_feat(self, x):
        return [x]


def videos(lengths, seed=0, size=(96, 128)):
    """Noise with a bright moving rectangle, and its boxes."""
    rng = np.random.default_rng(seed)
    frames, gts = [], []
    for n in lengths:
        f = rng.integers(0, 100, (n, *size, 3), dtype=np.uint8)
        start = rng.uniform(30, 50, 2)
        step = rng.uniform(-3, 3, 2)
        boxes = []
        for t in range(n):
            x, y = start + step * t
            f[t, int(y):int(y) + 24, int(x):int(x) + 32] = (40, 200, 250)
            boxes.append([int(x), int(y), int(x) + 32, int(y) + 24])
        frames.append(f)
        gts.append(np.array(boxes, np.float32))
    return Videos([f'v{i}' for i in range(len(lengths))], frames, gts)


SETTINGS = [dict(penalty_k=0.05, window_influence=0.25, lr=0.5),
            dict(penalty_k=0.16, window_influence=0.40, lr=0.3),
            dict(penalty_k=0.3, window_influence=0.55, lr=0.15)]


def scalar_run(model, setting, vids):
    tracker = SiamRPNTracker(model, 64, 128, **setting)
    return tracker.track_sequences(
        vids.frames, np.stack([g[0] for g in vids.gt_bboxes]))[0]


def test_option_arrays_equal_separate_scalar_runs():
    """K settings x S videos of different lengths (select() drops the
    short ones first) in one batch: each sequence's boxes are exactly its
    setting's scalar run's."""
    model, vids = StubModel(), videos([9, 5, 7])
    singles = [scalar_run(model, s, vids) for s in SETTINGS]
    # the settings do change the boxes (else the test proves nothing)
    assert not np.array_equal(singles[0][0], singles[2][0])
    pairs = [(k, s) for k in range(3) for s in range(3)]
    options = {name: np.array([SETTINGS[k][name] for k, _ in pairs])
               for name in OPTIONS}
    tracker = SiamRPNTracker(model, 64, 128, **options)
    args = ([vids.frames[s] for _, s in pairs],
            np.stack([vids.gt_bboxes[s][0] for _, s in pairs]))
    preds, _ = tracker.track_sequences(*args)
    for (k, s), pred in zip(pairs, preds):
        assert np.array_equal(pred, singles[k][s]), (k, s)
    # a second run of the same tracker starts from every row again
    again, _ = tracker.track_sequences(*args)
    assert all(np.array_equal(a, b) for a, b in zip(again, preds))


def test_scalar_options_unchanged_by_equal_arrays():
    model, vids = StubModel(), videos([6, 4], seed=1)
    scalar = scalar_run(model, SETTINGS[1], vids)
    arrays = {k: np.full(2, v) for k, v in SETTINGS[1].items()}
    assert all(np.array_equal(a, b)
               for a, b in zip(scalar_run(model, arrays, vids), scalar))


def test_option_array_shape_checked():
    model, vids = StubModel(), videos([3, 3])
    with pytest.raises(ValueError, match='3 per-sequence option values'):
        scalar_run(model, dict(lr=np.full(3, 0.3)), vids)
    with pytest.raises(ValueError, match=r'\(B,\) array'):
        SiamRPNTracker(model, 64, 128, penalty_k=np.zeros((2, 1)))


# ----------------------------------------------------------------------
# batched search against ordinary evaluation, on a tiny random SiamRPN
# test_siamrpn's tiny model; tracking needs no train_cfg
TINY = dict(SIAMRPN_MODEL, train_cfg=None)


def test_batched_search_equals_single_setting_evaluation():
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(TINY)
    model.eval()
    # random weights of this scale make scores and boxes vary with the
    # crop (the initial weights track nearly alike whatever the options)
    for param in model.parameters():
        torch.nn.init.normal_(param, std=0.1)
    vids = videos([8, 6, 7], seed=2)
    # batch 4: chunks mix settings and cut a setting's videos apart
    batched = evaluate_settings(model, SETTINGS, vids, batch=4)
    for setting, result in zip(SETTINGS, batched):
        single = evaluate_single(model, setting, vids, batch=2)
        for key in ('success', 'precision', 'norm_precision'):
            assert abs(result[key] - single[key]) <= 1e-6, (setting, key)
    assert model.test_cfg['penalty_k'] == 0.16  # restored
    assert len({r['success'] for r in batched}) > 1
