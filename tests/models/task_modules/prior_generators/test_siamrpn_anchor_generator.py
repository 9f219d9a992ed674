"""SiamRPN's anchors against seed 001's ``generate_anchors``."""
import numpy as np
import pytest
import torch

from plugin.models.task_modules import SiamRPNAnchorGenerator


def seed_generate_anchors(total_stride, base_size, scales, ratios,
                          score_size):
    """Seed 001's function (centre-size form, centred on 0), condensed."""
    anchor_num = len(ratios) * len(scales)
    anchor = np.zeros((anchor_num, 4), dtype=np.float32)
    size = base_size * base_size
    count = 0
    for ratio in ratios:
        w = int(np.sqrt(size / ratio))
        h = int(w * ratio)
        for scale in scales:
            anchor[count, 2:] = w * scale, h * scale
            count += 1
    anchor = np.tile(anchor, score_size * score_size).reshape((-1, 4))
    ori = -(score_size // 2) * total_stride
    xx, yy = np.meshgrid([ori + total_stride * dx for dx in range(score_size)],
                         [ori + total_stride * dy for dy in range(score_size)])
    anchor[:, 0] = np.tile(xx.flatten(), (anchor_num, 1)).flatten()
    anchor[:, 1] = np.tile(yy.flatten(), (anchor_num, 1)).flatten()
    return anchor


def test_base_sizes_by_hand():
    # area 64; int(sqrt(64 / r)) then int(w * r), times 8
    expected = [[104, 32], [88, 40], [64, 64], [40, 80], [32, 96]]
    assert SiamRPNAnchorGenerator().base_sizes().tolist() == expected


def test_small_grid_by_hand():
    gen = SiamRPNAnchorGenerator(stride=8, ratios=(1., ), scales=(4., ))
    anchors = gen.grid_anchors(3, 64)
    # centres 32 - 8, 32, 32 + 8; 32 x 32 boxes; row-major
    expected = [[8, 8, 40, 40], [16, 8, 48, 40], [24, 8, 56, 40],
                [8, 16, 40, 48], [16, 16, 48, 48], [24, 16, 56, 48],
                [8, 24, 40, 56], [16, 24, 48, 56], [24, 24, 56, 56]]
    assert anchors.tolist() == expected


@pytest.mark.parametrize('score_size,search_size', [(17, 255), (19, 271),
                                                    (13, 192)])
def test_matches_seed(score_size, search_size):
    gen = SiamRPNAnchorGenerator()
    ours = gen.grid_anchors(score_size, search_size)
    seed = seed_generate_anchors(8, 8, [8], [0.33, 0.5, 1, 2, 3],
                                 score_size)
    cx = (ours[:, 0] + ours[:, 2]) / 2 - search_size / 2
    cy = (ours[:, 1] + ours[:, 3]) / 2 - search_size / 2
    wh = ours[:, 2:] - ours[:, :2]
    assert ours.dtype == torch.float32
    assert torch.equal(torch.stack([cx, cy], 1),
                       torch.from_numpy(seed[:, :2]))
    assert torch.equal(wh, torch.from_numpy(seed[:, 2:]))


def test_centre_cells():
    gen = SiamRPNAnchorGenerator(ratios=(1., 2.), scales=(8., ))
    cells = gen.centre_cells(5, 1)
    window = np.zeros((5, 5), bool)
    window[1:4, 1:4] = True
    assert cells.tolist() == np.tile(window.reshape(-1), 2).tolist()


def test_refuses_bad_arguments():
    with pytest.raises(ValueError):
        SiamRPNAnchorGenerator(stride=0)
    with pytest.raises(ValueError):
        SiamRPNAnchorGenerator(ratios=())
