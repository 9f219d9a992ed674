"""CenterPrior: exact values on hand-made points and boxes."""
import math

import torch

from plugin.models.task_modules import CenterPrior
from plugin.models.task_modules.assigners.center_prior import _GaussianPrior


def prior(force_topk=False, topk=9, num_classes=2):
    return CenterPrior(force_topk=force_topk, topk=topk,
                       num_classes=num_classes, strides=(8, ))


def run(module, points, boxes, labels, inside=None):
    points = torch.tensor(points, dtype=torch.float32)
    boxes = torch.tensor(boxes, dtype=torch.float32)[None]
    labels = torch.tensor(labels)[None]
    valid = torch.ones_like(labels, dtype=torch.bool)
    if inside is None:  # strict inside, as the assigner computes it
        x, y = points[:, None, 0], points[:, None, 1]
        b = boxes[0]
        inside = ((x > b[:, 0]) & (y > b[:, 1]) & (x < b[:, 2]) &
                  (y < b[:, 3]))[None]
    strides = torch.full((len(points), ), 8.0)
    return module(points, strides, boxes, labels, valid, inside)


def test_unit_gaussian_on_the_box_centre():
    # box centre (16, 8); offsets in strides: (-1, 0), (0, 0), outside, out
    points = [[8, 8], [16, 8], [8, 16], [24, 24]]
    weights, inside = run(prior(), points, [[0, 0, 32, 16]], [0])
    expected = [math.exp(-0.5), 1.0, 0.0, 0.0]
    torch.testing.assert_close(weights[0, :, 0], torch.tensor(expected))
    assert inside[0, :, 0].tolist() == [True, True, False, False]


def test_learnt_mean_and_sigma_are_per_class():
    module = prior()
    with torch.no_grad():
        module.mean[1] = torch.tensor([1.0, 0.0])  # class 1 sits 1 stride right
        module.sigma[1] = torch.tensor([2.0, 1.0])
    points = [[8, 8], [16, 8]]
    box = [[0, 0, 32, 16]]
    w0, _ = run(module, points, box, [0])
    w1, _ = run(module, points, box, [1])
    torch.testing.assert_close(w0[0, :, 0],
                               torch.tensor([math.exp(-0.5), 1.0]))
    # offsets minus mean: (-2, 0) and (-1, 0); sigma_x = 2
    torch.testing.assert_close(
        w1[0, :, 0],
        torch.tensor([math.exp(-4 / 8), math.exp(-1 / 8)]))


def test_gradients_reach_mean_and_sigma():
    module = prior()
    weights, _ = run(module, [[8, 8], [16, 8]], [[0, 0, 32, 16]], [1])
    weights.sum().backward()
    assert module.mean.grad[1].abs().sum() > 0
    assert module.sigma.grad[1].abs().sum() > 0
    assert module.mean.grad[0].abs().sum() == 0  # class 0 not in the batch


def test_force_topk_borrows_the_nearest_points_of_an_empty_box():
    # 4x4 grid at stride 8; the box (9, 9, 12, 13) holds no grid point.
    # Its centre (10.5, 11) is nearest to (8, 8), then (8, 16), then (16, 8).
    points = [[x, y] for y in (0, 8, 16, 24) for x in (0, 8, 16, 24)]
    weights, inside = run(prior(force_topk=True, topk=2), points,
                          [[9, 9, 12, 13]], [0])
    expected_inside = [0] * 16
    expected_inside[5] = expected_inside[9] = 1  # (8, 8) and (8, 16)
    assert inside[0, :, 0].int().tolist() == expected_inside
    assert (weights[0, :, 0] > 0).int().tolist() == expected_inside


def test_force_topk_leaves_boxes_with_points_and_padding_alone():
    points = [[x, y] for y in (0, 8, 16, 24) for x in (0, 8, 16, 24)]
    module = prior(force_topk=True, topk=2)
    pts = torch.tensor(points, dtype=torch.float32)
    boxes = torch.tensor([[[4, 4, 12, 12], [0, 0, 1, 1]]], dtype=torch.float32)
    labels = torch.tensor([[0, 0]])
    valid = torch.tensor([[True, False]])  # second gt is padding
    inside = torch.zeros(1, 16, 2, dtype=torch.bool)
    inside[0, 5, 0] = True  # (8, 8) inside the first box
    _, new_inside = module(pts, torch.full((16, ), 8.0), boxes, labels, valid,
                           inside)
    assert torch.equal(new_inside, inside)


def test_no_gt():
    module = prior(force_topk=True)
    points = torch.tensor([[8.0, 8.0]])
    weights, inside = module(points, torch.full((1, ), 8.0),
                             torch.zeros(1, 0, 4),
                             torch.zeros(1, 0, dtype=torch.long),
                             torch.zeros(1, 0, dtype=torch.bool),
                             torch.zeros(1, 1, 0, dtype=torch.bool))
    assert weights.shape == (1, 1, 0) and inside.shape == (1, 1, 0)


def test_backward_passes_gradcheck():
    """The written-out gradient w.r.t. the per-gt mean and sigma, checked
    numerically in float64."""
    f64 = dict(dtype=torch.float64)
    points = torch.tensor([[8., 8.], [16., 8.], [8., 16.], [24., 16.]], **f64)
    strides = torch.tensor([8., 8., 16., 16.], **f64)
    centers = torch.tensor([[[15., 10.], [15., 16.]]], **f64)
    mean = torch.tensor([[[0.3, -0.2], [0.1, 0.4]]], **f64).requires_grad_()
    sigma = torch.tensor([[[0.8, 1.3], [1.1, 0.7]]], **f64).requires_grad_()
    assert torch.autograd.gradcheck(
        lambda m, s: _GaussianPrior.apply(points, strides, centers, m, s),
        (mean, sigma))


def test_far_tail_is_exactly_zero():
    # 40 strides from the centre: exp(-800) underflows; flushed to 0
    weights, _ = run(prior(), [[8, 8]], [[0, 0, 656, 656]], [0],
                     inside=torch.ones(1, 1, 1, dtype=torch.bool))
    assert weights.item() == 0.0
