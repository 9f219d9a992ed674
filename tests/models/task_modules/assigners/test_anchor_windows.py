"""Anchor windows: the exact cell ranges on a hand-made grid, and the pairs'
overlaps bitwise equal to batch_overlaps (IoU 0 outside the windows)."""
import pytest
import torch
from mmdet.models.task_modules.prior_generators import AnchorGenerator

from plugin.models.task_modules.assigners import batch_overlaps
from plugin.models.task_modules.assigners.anchor_windows import (
    ROW_WIDTHS, Windows, grid_tables)
from plugin.models.task_modules.prior_generators import anchor_grid

# one level, stride 10, one 10x10 anchor per cell, centred on (10 x, 10 y):
# columns x1 = -5, 5, 15, 25, x2 = 5, 15, 25, 35; rows alike (4 x 4 cells)
ONE = AnchorGenerator(strides=[10], ratios=[1.], scales=[1], base_sizes=[10],
                      center_offset=0.)


def windows(generator, sizes, boxes, valid=None):
    anchors = torch.cat(generator.grid_priors(sizes, device='cpu'))
    boxes = torch.tensor(boxes, dtype=torch.float32).reshape(1, -1, 4)
    valid = torch.ones(boxes.shape[:2], dtype=torch.bool) if valid is None \
        else torch.tensor([valid])
    tables = grid_tables(anchors, anchor_grid(generator, sizes))
    return anchors, Windows(tables, boxes, valid, len(anchors))


def pairs(win):
    """Every (box, anchor) pair of the windows, IoU, as a dict."""
    out = {}
    rows = win.class_rows.tolist()
    for chunk in win.chunks(rows, max_pairs=8):
        iou, target = win.overlaps(chunk)
        for r in range(len(chunk.box)):
            for j in range(chunk.padded):
                if iou[r, j] > 0:
                    out[(chunk.box[r].item(), target[r, j].item())] = \
                        iou[r, j].item()
    return out


def test_window_of_a_box_on_a_hand_made_grid():
    # x in [12, 31]: columns with x2 > 12 and x1 < 31 -> 1, 2, 3;
    # y in [5, 18]: rows with y2 > 5 (5 only touches) and y1 < 18 -> 1, 2
    anchors, win = windows(ONE, [(4, 4)], [[12., 5., 31., 18.]])
    assert anchors[:4, 0].tolist() == [-5., 5., 15., 25.]
    expected_rows = [0] * len(ROW_WIDTHS)
    expected_rows[0] = 2  # two rows of 3 columns: the 4-wide class
    assert win.class_rows.tolist() == expected_rows
    found = pairs(win)
    assert sorted(a for _, a in found) == [5, 6, 7, 9, 10, 11]
    # anchor 6 (cell (1, 2): [15, 5, 25, 15]) inside the box's x range:
    # intersection 10 x 10 = 100, union 100 + 19 * 13 - 100
    assert found[(0, 6)] == pytest.approx(100 / (19 * 13))


def test_touching_padding_and_degenerate_boxes_have_no_pairs():
    boxes = [[35., 0., 50., 10.],  # touches the last column (x2 = 35)
             [10., 10., 20., 20.],  # padding: no window
             [12., 12., 12., 12.]]  # zero area: IoU 0 everywhere
    _, win = windows(ONE, [(4, 4)], boxes, valid=[True, False, True])
    assert pairs(win) == {}


@pytest.mark.parametrize('seed', range(5))
def test_pairs_are_every_overlap_bitwise(seed):
    """Windows of random boxes (borders, tiny, larger than the image) on a
    3-level, 3-ratio grid: exactly the pairs of IoU > 0, with the IoUs of
    batch_overlaps, bit for bit."""
    g = torch.Generator().manual_seed(seed)
    generator = AnchorGenerator(scales=[8], ratios=[0.5, 1., 2.],
                                strides=[4, 8, 16])
    sizes = [(12, 16), (6, 8), (3, 4)]
    xy = torch.rand(12, 2, generator=g) * 90 - 15
    wh = torch.rand(12, 2, generator=g) ** 3 * 120
    boxes = torch.cat([xy, xy + wh], 1)
    anchors, win = windows(generator, sizes, boxes.tolist())
    dense = batch_overlaps(boxes[None], anchors)[0]
    expected = {(b, a): dense[b, a].item()
                for b, a in (dense > 0).nonzero().tolist()}
    assert pairs(win) == expected
    assert len(expected) > 100
