"""Overlap bands: each box's best IoU with any gt, from the gts whose x
range can overlap it, equals the dense maximum bitwise."""
import pytest
import torch
from mmdet.structures.bbox import bbox_overlaps

from plugin.models.task_modules.assigners.overlap_bands import (
    band_max_ious, overlap_bands)


def run(boxes, gts, valid, used, max_pairs=1 << 20):
    bands = overlap_bands(boxes, gts, valid, used)
    return bands, band_max_ious(boxes, gts, bands, int(bands.counts.sum()),
                                max_pairs=max_pairs)


def test_hand_made_bands_and_ious():
    gts = torch.tensor([[[0., 0, 10, 10], [20, 0, 30, 10], [5, 0, 6, 10],
                         [0, 0, 0, 0]]])
    valid = torch.tensor([[True, True, True, False]])
    boxes = torch.tensor([[[0., 0, 10, 10],  # gt 0 itself
                           [12, 0, 18, 10],  # between gts 0 and 1
                           [25, 0, 35, 10],  # half of gt 1
                           [50, 0, 60, 10]]])  # beyond every gt
    bands, ious = run(boxes, gts, valid, torch.ones(1, 4, dtype=torch.bool))
    # sorted by x1: gt 0 (0), gt 2 (5), gt 1 (20), padding (inf) last
    assert bands.order.tolist() == [[0, 2, 1, 3]]
    # widest gt 10, so the band is box x1 - 10 < gt x1 < box x2: box 1
    # takes gt 2 (x1 = 5 > 12 - 10) though it ends at 6 (IoU 0)
    assert bands.lo.tolist() == [[0, 1, 2, 3]]
    assert bands.counts.tolist() == [[2, 1, 1, 0]]
    torch.testing.assert_close(ious, torch.tensor([[1.0, 0.0, 1 / 3, 0.0]]))


def test_unused_boxes_get_zero():
    gts = torch.tensor([[[0., 0, 10, 10]]])
    boxes = torch.tensor([[[0., 0, 10, 10], [0, 0, 10, 10]]])
    bands, ious = run(boxes, gts, torch.ones(1, 1, dtype=torch.bool),
                      torch.tensor([[True, False]]))
    assert bands.counts.tolist() == [[1, 0]]
    assert ious.tolist() == [[1.0, 0.0]]


def test_no_gts():
    boxes = torch.rand(2, 5, 4)
    bands, ious = run(boxes, torch.zeros(2, 0, 4),
                      torch.zeros(2, 0, dtype=torch.bool),
                      torch.ones(2, 5, dtype=torch.bool))
    assert bands.counts.sum() == 0 and ious.abs().sum() == 0


@pytest.mark.parametrize('max_pairs', [1 << 20, 7])  # one block, many
def test_random_layouts_equal_dense_maximum_bitwise(max_pairs):
    g = torch.Generator().manual_seed(0)

    def rand_boxes(*shape, side):
        xy = torch.rand(*shape, 2, generator=g) * 400 - 50
        wh = torch.rand(*shape, 2, generator=g) * side
        return torch.cat([xy, xy + wh], dim=-1)

    gts = rand_boxes(3, 25, side=60)
    gts[0, 3] = torch.tensor([40., 40, 30, 50])  # inverted: no overlap
    gts[1, 4] = torch.tensor([60., 60, 60, 60])  # a point
    valid = torch.rand(3, 25, generator=g) > 0.2
    boxes = rand_boxes(3, 200, side=120)
    used = torch.rand(3, 200, generator=g) > 0.3
    bands, ious = run(boxes, gts, valid, used, max_pairs)
    dense = torch.stack([
        bbox_overlaps(b, gt).masked_fill(~v, 0).amax(dim=1)
        for b, gt, v in zip(boxes, gts, valid)
    ]) * used
    assert torch.equal(ious, dense)
    assert (dense > 0).sum() > 100
    # the bands skip most pairs
    assert bands.counts.sum() < 0.5 * used.sum() * 25
