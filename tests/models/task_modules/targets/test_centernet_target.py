"""CenterNet targets: exact values on hand-made boxes, mmdet's numbers, the
tie rules, boxes off the map, empty images and batching."""
import math

import torch
from mmdet.models.dense_heads import CenterNetHead as MMDetCenterNetHead
from mmengine.structures import InstanceData

from plugin.models.task_modules.targets import CenterNetTarget
from plugin.models.utils import stack_batch_gt

IMG = 64  # input side; the map is 16 x 16 (stride 4)
MAP = 16
E1, E2 = math.exp(-2), math.exp(-4)  # radius-1 gaussian, 1 and 2 cells off


def gts(boxes, labels):
    return InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.tensor(labels, dtype=torch.long))


def targets(*images, num_classes=3, img=IMG, size=MAP):
    gt = stack_batch_gt(list(images), torch.device('cpu'))
    return CenterNetTarget(num_classes)(gt, (size, size), (img, img))


def test_one_box_exact_targets():
    # map coords: x 2..10, y 2..6 -> centre (6, 4), wh (8, 4), radius 1
    t = targets(gts([[8, 8, 40, 24]], [1]))
    assert t.radius.tolist() == [[1]]
    assert t.center_index.tolist() == [[4 * MAP + 6]]
    assert t.wh.tolist() == [[[8., 4.]]]
    assert t.offset.tolist() == [[[0., 0.]]]
    assert t.reg_weight.tolist() == [[1.]]
    assert t.peak.tolist() == [[True]] and t.num_peaks == 1
    heat = t.heatmap[0, 1]
    assert heat[4, 6] == 1
    expected = torch.tensor([[E2, E1, E2], [E1, 1, E1], [E2, E1, E2]])
    torch.testing.assert_close(heat[3:6, 5:8], expected, rtol=1e-6, atol=0)
    torch.testing.assert_close(heat.sum(), torch.tensor(1 + 4 * E1 + 4 * E2))
    assert t.heatmap[0, [0, 2]].sum() == 0


def test_wh_and_offset_only_at_the_centre_cell():
    t = targets(gts([[8, 8, 40, 24], [2, 30, 13, 47]], [1, 0]))
    wh, offset, weight = t.dense_regression_targets()
    # second box: centre (15 / 8, 77 / 8) = (1.875, 9.625) -> cell (1, 9)
    assert weight[0, :, 4, 6].tolist() == [1, 1]
    assert weight[0, :, 9, 1].tolist() == [1, 1]
    assert weight.sum() == 4
    assert wh[0, :, 4, 6].tolist() == [8, 4]
    assert wh[0, :, 9, 1].tolist() == [2.75, 4.25]
    assert offset[0, :, 9, 1].tolist() == [0.875, 0.625]
    assert wh.count_nonzero() == 4 and offset.count_nonzero() == 2


def test_two_overlapping_gaussians_of_one_class_take_the_max():
    # centres (6, 4) and (7, 4), both radius 1, class 1
    t = targets(gts([[8, 8, 40, 24], [12, 8, 44, 24]], [1, 1]))
    heat = t.heatmap[0, 1]
    torch.testing.assert_close(heat[4, 5:9], torch.tensor([E1, 1, 1, E1]))
    torch.testing.assert_close(heat[3, 5:9], torch.tensor([E2, E1, E1, E2]))
    assert t.num_peaks == 2


def test_shared_centre_cell_rules():
    # all three centred on cell (6, 4); classes 1, 2, 1
    t = targets(gts([[8, 8, 40, 24], [10, 10, 38, 22], [9, 9, 39, 23]],
                    [1, 2, 1]))
    # one peak per (class, cell): class 1 counts once
    assert t.num_peaks == 2
    assert (t.heatmap == 1).sum() == 2
    # the cell's wh/offset target is the last gt's (mmdet overwrites)
    assert t.reg_weight.tolist() == [[0., 0., 1.]]
    wh, _, weight = t.dense_regression_targets()
    assert wh[0, :, 4, 6].tolist() == [7.5, 3.5]
    assert weight.sum() == 2


def test_box_at_the_border_and_box_smaller_than_a_cell():
    # (0, 0, 6, 6): centre (0.75, 0.75) in cell (0, 0), radius 0
    # (21, 41, 23, 42): 0.5 x 0.25 cells, centre (5.5, 10.375), radius 0
    t = targets(gts([[0, 0, 6, 6], [21, 41, 23, 42]], [0, 2]))
    assert t.radius.tolist() == [[0, 0]]
    assert t.center_index.tolist() == [[0, 10 * MAP + 5]]
    assert t.offset.tolist() == [[[0.75, 0.75], [0.5, 0.375]]]
    assert t.wh.tolist() == [[[1.5, 1.5], [0.5, 0.25]]]
    assert t.heatmap[0, 0, 0, 0] == 1 and t.heatmap[0, 0].sum() == 1
    assert t.heatmap[0, 2, 10, 5] == 1 and t.heatmap[0, 2].sum() == 1


def test_boxes_off_the_map_are_clipped_or_dropped():
    t = targets(
        gts([
            [56, 20, 96, 28],  # centre x 19 > 16: clipped to x 14..16
            [-40, 40, 8, 48],  # centre x -4: clipped to x 0..2
            [70, 70, 90, 90],  # nothing on the map: dropped
        ], [2, 1, 0]))
    assert t.valid.tolist() == [[True, True, False]]
    # clipped box 1: x 14..16, y 5..7 -> centre (15, 6), wh (2, 2)
    assert t.center_index[0, 0] == 6 * MAP + 15
    assert t.wh[0, 0].tolist() == [2, 2] and t.offset[0, 0].tolist() == [0, 0]
    # clipped box 2: x 0..2, y 10..12 -> centre (1, 11)
    assert t.center_index[0, 1] == 11 * MAP + 1
    assert t.heatmap[0, 2, 6, 15] == 1 and t.heatmap[0, 1, 11, 1] == 1
    assert t.heatmap[0, 0].sum() == 0
    assert t.reg_weight[0].tolist() == [1, 1, 0] and t.num_peaks == 2
    assert torch.isfinite(t.heatmap).all()


def test_centre_one_cell_left_of_the_map_is_clipped_not_wrapped():
    # centre x -1.5 cells: mmdet writes its wh/offset target at column 15,
    # on the far edge, with no peak. Clipped: x 0..0.5, y 10..12.
    t = targets(gts([[-14, 40, 2, 48]], [1]))
    assert t.center_index.tolist() == [[11 * MAP + 0]]
    assert t.wh.tolist() == [[[0.5, 2.0]]]
    assert t.offset.tolist() == [[[0.25, 0.0]]]
    assert t.heatmap[0, 1, 11, 0] == 1 and t.num_peaks == 1
    _, _, weight = t.dense_regression_targets()
    assert weight[0, 0, 11, 0] == 1 and weight[0, 0, :, 15].sum() == 0


def test_empty_images():
    t = targets(gts([], []), gts([], []))
    assert t.heatmap.shape == (2, 3, MAP, MAP) and t.heatmap.sum() == 0
    assert t.center_index.shape == (2, 0) and t.num_peaks == 0
    t = targets(gts([[8, 8, 40, 24]], [1]), gts([], []))
    assert t.heatmap[1].sum() == 0 and t.num_peaks == 1
    assert t.valid.tolist() == [[True], [False]]


def random_gts(num_imgs, num_gts, num_classes, img, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(num_imgs):
        xy = torch.rand(num_gts, 2, generator=g) * img * 0.9
        wh = torch.rand(num_gts, 2, generator=g) * img * 0.5 + 1
        out.append(
            InstanceData(
                bboxes=torch.cat([xy, (xy + wh).clamp(max=img)], 1),
                labels=torch.randint(0, num_classes, (num_gts, ),
                                     generator=g)))
    return out


def test_batched_equals_per_image():
    images = random_gts(3, 12, 3, IMG)
    images[1] = images[1][:4]  # uneven: padding in the batch
    batch = targets(*images)
    for i, image in enumerate(images):
        single = targets(image)
        n = len(image)
        assert torch.equal(batch.heatmap[i], single.heatmap[0])
        for field in ('center_index', 'wh', 'offset', 'reg_weight', 'peak',
                      'valid', 'radius'):
            assert torch.equal(
                getattr(batch, field)[i, :n],
                getattr(single, field)[0]), field
        assert not batch.valid[i, n:].any()


def test_matches_mmdet_get_targets_exactly():
    num_classes, img, size = 5, 128, 32
    images = random_gts(4, 25, num_classes, img, seed=3)
    # same-class duplicates (shared peaks) and a shared cell
    images[0].bboxes[3] = images[0].bboxes[7]
    images[0].labels[3] = images[0].labels[7]
    images[1].bboxes[2] = images[1].bboxes[9]
    ours = targets(*images, num_classes=num_classes, img=img, size=size)
    head = MMDetCenterNetHead(in_channels=1, feat_channels=1,
                              num_classes=num_classes)
    theirs, avg_factor = head.get_targets(
        [g.bboxes for g in images], [g.labels for g in images],
        (4, num_classes, size, size), (img, img))
    assert torch.equal(ours.heatmap, theirs['center_heatmap_target'])
    wh, offset, weight = ours.dense_regression_targets()
    assert torch.equal(wh, theirs['wh_target'])
    assert torch.equal(offset, theirs['offset_target'])
    assert torch.equal(weight, theirs['wh_offset_target_weight'])
    assert ours.num_peaks == avg_factor
