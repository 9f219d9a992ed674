"""batch_overlaps equals mmdet's bbox_overlaps bitwise (the max-IoU rules
compare IoUs for equality)."""
import pytest
import torch
from mmdet.structures.bbox import bbox_overlaps

from plugin.models.task_modules.assigners import batch_overlaps


def random_boxes(n, size=100., generator=None):
    xy = torch.rand(n, 2, generator=generator) * size
    wh = torch.rand(n, 2, generator=generator) * size / 2
    return torch.cat([xy, xy + wh], dim=1)


def test_hand_made_values():
    gts = torch.tensor([[[0., 0., 10., 10.]]])
    anchors = torch.tensor([[0., 0., 10., 10.], [0., 0., 10., 20.],
                            [5., 0., 15., 10.], [20., 20., 30., 30.],
                            [0., 0., 5., 5.]])
    expected_iou = [1., 0.5, 1 / 3, 0., 0.25]
    expected_iof_gt = [1., 1., 0.5, 0., 0.25]  # over the gt's area
    expected_iof_anchor = [1., 0.5, 0.5, 0., 1.]  # over the anchor's
    torch.testing.assert_close(batch_overlaps(gts, anchors)[0, 0],
                               torch.tensor(expected_iou))
    torch.testing.assert_close(
        batch_overlaps(gts, anchors, mode='iof')[0, 0],
        torch.tensor(expected_iof_gt))
    torch.testing.assert_close(
        batch_overlaps(gts, anchors, mode='iof_anchor')[0, 0],
        torch.tensor(expected_iof_anchor))


@pytest.mark.parametrize('mode', ['iou', 'iof', 'iof_anchor'])
def test_bitwise_equal_to_mmdet(mode):
    g = torch.Generator().manual_seed(0)
    gts = torch.stack([random_boxes(7, generator=g) for _ in range(3)])
    # integer boxes on a grid: exact ties and zero overlaps included
    anchors = torch.cat([random_boxes(200, generator=g),
                         random_boxes(100, generator=g).round()])
    ours = batch_overlaps(gts, anchors, mode)
    for b in range(3):
        if mode == 'iof_anchor':
            theirs = bbox_overlaps(anchors, gts[b], mode='iof').T
        else:
            theirs = bbox_overlaps(gts[b], anchors, mode=mode)
        assert torch.equal(ours[b], theirs)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match='unknown overlap mode'):
        batch_overlaps(torch.zeros(1, 1, 4), torch.zeros(1, 4), 'giou')
