"""AutoAssignAssigner: inside mask and negative weights, exact values."""
import torch

from plugin.models.task_modules import AutoAssignAssigner, CenterPrior
from plugin.models.utils import stack_batch_gt
from mmengine.structures import InstanceData


def t(x, dtype=torch.float32):
    return torch.tensor(x, dtype=dtype)


def test_points_inside_is_strict_and_ignores_padding():
    points = t([[8, 8], [16, 8], [0, 0], [16, 16]])
    boxes = t([[[0, 0, 16, 16], [4, 4, 20, 20], [0, 0, 32, 32]]])
    valid = t([[True, True, False]], torch.bool)
    inside = AutoAssignAssigner().points_inside(points, boxes, valid)
    expected = [[1, 1, 0], [0, 1, 0], [0, 0, 0], [0, 1, 0]]
    assert inside[0].int().tolist() == expected


def test_negative_weights_follow_normalised_inverse_iou():
    # gt (0, 0, 10, 10) of class 1; predicted boxes with IoU 0, 0.5, 0.75,
    # so f = 1 / (1 - IoU) = 1, 2, 4 and w- = 1 - (f - 1) / 3 = 1, 2/3, 0.
    preds = t([[[20, 20, 30, 30], [0, 0, 10, 5], [0, 0, 10, 7.5]]])
    boxes = t([[[0, 0, 10, 10]]])
    labels = t([[1]], torch.long)
    valid = t([[True]], torch.bool)
    inside = t([[[True], [True], [True]]], torch.bool)
    weights = AutoAssignAssigner().negative_weights(preds, boxes, labels,
                                                    valid, inside, 2)
    expected = t([[[1, 1], [1, 2 / 3], [1, 0]]])
    torch.testing.assert_close(weights, expected)


def test_points_outside_every_box_keep_weight_one():
    preds = t([[[0, 0, 10, 10], [0, 0, 10, 10]]])
    boxes = t([[[0, 0, 10, 10]]])
    inside = t([[[False], [True]]], torch.bool)
    weights = AutoAssignAssigner().negative_weights(
        preds, boxes, t([[0]], torch.long), t([[True]], torch.bool), inside,
        3)
    assert weights[0, 0].tolist() == [1, 1, 1]
    # a gt with a single candidate normalises it to 1: weight 0 for its class
    torch.testing.assert_close(weights[0, 1], t([0, 1, 1]))


def test_same_class_overlap_takes_the_last_gt():
    # Two class-0 gts; point 1 is a candidate of both. Best IoUs 0, .5, .75
    # give f = 1, 2, 4. Normalised over gt 0's points {0, 1}: w- = 1, 0;
    # over gt 1's points {1, 2}: w- = 1, 0. Point 1 takes gt 1's (the last
    # gt's) weight: 1, not gt 0's 0.
    ious = t([[[0.0, 0.0], [0.5, 0.5], [0.75, 0.75]]])
    inside = t([[[1, 0], [1, 1], [0, 1]]], torch.bool)
    weights = AutoAssignAssigner().negative_weights(
        torch.zeros(1, 3, 4), torch.zeros(1, 2, 4), t([[0, 0]], torch.long),
        t([[True, True]], torch.bool), inside, 2, ious=ious)
    torch.testing.assert_close(weights[0, :, 0], t([1, 1, 0]))
    assert weights[0, :, 1].tolist() == [1, 1, 1]


def test_batched_equals_per_image():
    """Padding a batch changes nothing: each image's inside mask, centre
    prior and negative weights equal those computed for it alone."""
    g = torch.Generator().manual_seed(0)
    points = torch.stack(torch.meshgrid(
        torch.arange(0, 64, 8.), torch.arange(0, 64, 8.), indexing='xy'),
        -1).reshape(-1, 2)
    strides = torch.full((len(points), ), 8.0)
    images = []
    for n in (3, 0, 1, 5):
        xy = torch.rand(n, 2, generator=g) * 40
        wh = torch.rand(n, 2, generator=g) * 30 + 2
        images.append(InstanceData(
            bboxes=torch.cat([xy, xy + wh], 1),
            labels=torch.randint(0, 2, (n, ), generator=g)))
    preds = torch.rand(len(images), len(points), 4, generator=g) * 20
    preds = torch.cat([points - preds[..., :2], points + preds[..., 2:]], -1)

    assigner = AutoAssignAssigner()
    prior = CenterPrior(force_topk=True, topk=3, num_classes=2, strides=(8, ))

    def run(imgs, img_preds):
        gt = stack_batch_gt(imgs, points.device)
        inside = assigner.points_inside(points, gt.bboxes, gt.valid)
        cp, inside = prior(points, strides, gt.bboxes, gt.labels, gt.valid,
                           inside)
        neg = assigner.negative_weights(img_preds, gt.bboxes, gt.labels,
                                        gt.valid, inside, 2)
        return inside, cp.detach(), neg

    inside_b, cp_b, neg_b = run(images, preds)
    for i, img in enumerate(images):
        inside_i, cp_i, neg_i = run([img], preds[i:i + 1])
        n = len(img)
        assert torch.equal(inside_b[i, :, :n], inside_i[0])
        assert not inside_b[i, :, n:].any()
        torch.testing.assert_close(cp_b[i, :, :n], cp_i[0])
        assert (cp_b[i, :, n:] == 0).all()
        torch.testing.assert_close(neg_b[i], neg_i[0])
