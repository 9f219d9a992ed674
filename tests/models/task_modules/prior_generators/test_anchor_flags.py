"""batch_anchor_flags equals mmdet's valid_flags + anchor_inside_flags per
image, and the border rule on hand-placed anchors."""
import pytest
import torch
from mmdet.models.task_modules.prior_generators import (AnchorGenerator,
                                                        anchor_inside_flags)

from plugin.models.task_modules.prior_generators import batch_anchor_flags


def flags(gen, sizes, metas, border):
    anchors = torch.cat(gen.grid_priors(sizes, device='cpu'))
    return anchors, batch_anchor_flags(anchors, sizes, gen.strides,
                                       gen.num_base_priors, metas, border)


def test_border_rule_on_one_anchor_per_position():
    # one 8x8 anchor per position of a 4x4 map of stride 4: anchors at
    # x = -2..6, 2..10, 6..14, 10..18 (same in y)
    gen = AnchorGenerator(strides=[4], ratios=[1.], scales=[2],
                          center_offset=0.5)
    metas = [dict(img_shape=(15, 15), pad_shape=(16, 16))]
    _, inside = flags(gen, [(4, 4)], metas, 0)
    # x1 >= 0 and x2 < 15: only the middle two columns and rows
    expected = [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
    assert inside[0].view(4, 4).int().tolist() == expected
    # 2 px of slack (x1 >= -2, x2 < 17): all but the last column and row
    _, inside = flags(gen, [(4, 4)], metas, 2)
    expected = [[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 0]]
    assert inside[0].view(4, 4).int().tolist() == expected
    _, inside = flags(gen, [(4, 4)], metas, -1)  # no border rule
    assert inside.all()


def test_padding_beyond_the_image_has_no_anchor():
    gen = AnchorGenerator(strides=[4], ratios=[1.], scales=[2])
    # pad_shape 8 of a 16 px batch: only the first 2 rows and columns
    metas = [dict(img_shape=(8, 8), pad_shape=(8, 8))]
    _, valid = flags(gen, [(4, 4)], metas, -1)
    expected = [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert valid[0].view(4, 4).int().tolist() == expected


@pytest.mark.parametrize('border', [-1, 0, 16])
def test_matches_mmdet(border):
    gen = AnchorGenerator(strides=[4, 8, 16], ratios=[0.5, 1., 2.],
                          scales=[4, 8])
    sizes = [(25, 30), (13, 15), (7, 8)]
    metas = [
        dict(img_shape=(97, 120), pad_shape=(100, 120)),
        dict(img_shape=(60, 50), pad_shape=(64, 64)),
    ]
    anchors, ours = flags(gen, sizes, metas, border)
    for i, meta in enumerate(metas):
        valid = torch.cat(
            gen.valid_flags(sizes, meta['pad_shape'], device='cpu'))
        theirs = anchor_inside_flags(anchors, valid, meta['img_shape'],
                                     border)
        assert torch.equal(ours[i], theirs)
