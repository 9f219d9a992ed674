"""The fused versions of mmdet's loss modules give the modules' values
without their host syncs; other modules are called as they are."""
import pytest
import torch
from mmdet.models.losses import (CrossEntropyLoss, GIoULoss, IoULoss, L1Loss,
                                 SmoothL1Loss)

from plugin.models.losses import (elementwise_loss, is_fused,
                                  weighted_mean_loss)

g = torch.Generator().manual_seed(0)
PRED = torch.rand(5, 4, generator=g) * 3
TARGET = torch.rand(5, 4, generator=g) * 3
WEIGHT = (torch.rand(5, 4, generator=g) > 0.4).float()


def boxes(t):
    """Valid (x1, y1, x2, y2) boxes from random values."""
    return torch.cat([t[:, :2], t[:, :2] + t[:, 2:] + 0.1], dim=1)


def test_hand_computed_l1_and_smooth_l1():
    pred = torch.tensor([[0., 1., 2., 3.]])
    target = torch.tensor([[0.5, 1., 0., 3.05]])
    assert torch.allclose(elementwise_loss(L1Loss(), pred, target),
                          torch.tensor([[0.5, 0., 2., 0.05]]))
    # beta 0.1: 0.5 d^2 / beta below beta, d - beta / 2 above
    assert torch.allclose(
        elementwise_loss(SmoothL1Loss(beta=0.1), pred, target),
        torch.tensor([[0.45, 0., 1.95, 0.0125]]))


@pytest.mark.parametrize('loss', [
    L1Loss(loss_weight=0.1), SmoothL1Loss(beta=1 / 9, loss_weight=2.),
    CrossEntropyLoss(use_sigmoid=True, loss_weight=0.5)
], ids=['l1', 'smooth_l1', 'sigmoid_ce'])
def test_weighted_mean_equals_the_module(loss):
    target = (TARGET > 1.5).float() if isinstance(
        loss, CrossEntropyLoss) else TARGET
    assert is_fused(loss)
    avg = torch.tensor(7.)
    ours = weighted_mean_loss(loss, PRED, target, WEIGHT, avg)
    theirs = loss(PRED, target, WEIGHT, avg_factor=avg)
    assert torch.equal(ours, theirs)
    # no positive weight: mmdet's modules short-cut to 0, so do these
    zero = weighted_mean_loss(loss, PRED, target, WEIGHT * 0, avg)
    assert zero.item() == 0


def test_giou_elementwise_equals_the_module():
    loss = GIoULoss(loss_weight=1.0)
    ours = elementwise_loss(loss, boxes(PRED), boxes(TARGET))
    theirs = loss(boxes(PRED), boxes(TARGET), reduction_override='none')
    assert ours.shape == (5, ) and torch.equal(ours, theirs)


def test_other_modules_are_called_as_mmdet_calls_them():
    loss = IoULoss(loss_weight=1.0)
    assert not is_fused(loss)
    assert elementwise_loss(loss, PRED, TARGET) is None
    assert not is_fused(CrossEntropyLoss(use_sigmoid=False))
    assert not is_fused(
        CrossEntropyLoss(use_sigmoid=True, class_weight=[1.0]))
    # the weight of IoULoss is per box: the module's own call
    w = WEIGHT[:, 0]
    avg = torch.tensor(3.)
    assert torch.equal(
        weighted_mean_loss(loss, boxes(PRED), boxes(TARGET), w, avg),
        loss(boxes(PRED), boxes(TARGET), w, avg_factor=avg))
