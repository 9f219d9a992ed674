"""AutoAssign losses: exact values on hand-made probabilities."""
import math

import torch

from plugin.models.losses import autoassign_neg_loss, autoassign_pos_loss


def test_pos_loss_uses_only_points_with_prior():
    p_pos = torch.tensor([[[0.5], [0.25]]])
    prior = torch.tensor([[[1.0], [0.0]]])
    loss = autoassign_pos_loss(p_pos, prior, torch.tensor([[True]]))
    torch.testing.assert_close(loss, torch.tensor(-math.log(0.5)))


def test_pos_loss_weights_points_by_exp_tau_confidence():
    p_pos = torch.tensor([[[0.5], [0.25]]])
    prior = torch.ones(1, 2, 1)
    loss = autoassign_pos_loss(p_pos, prior, torch.tensor([[True]]))
    w = [math.exp(3 * 0.5), math.exp(3 * 0.25)]  # tau = 3
    expected = -math.log((0.5 * w[0] + 0.25 * w[1]) / sum(w))
    torch.testing.assert_close(loss, torch.tensor(expected))


def test_pos_loss_ignores_padding_and_keeps_its_graph_finite():
    p_pos = torch.tensor([[[0.5, 0.3]]], requires_grad=True)
    prior = torch.tensor([[[1.0, 0.0]]])  # padding gt: all-zero prior
    loss = autoassign_pos_loss(p_pos, prior, torch.tensor([[True, False]]))
    torch.testing.assert_close(loss, torch.tensor(-math.log(0.5)))
    loss.backward()
    assert p_pos.grad[0, 0, 1] == 0 and torch.isfinite(p_pos.grad).all()


def test_neg_loss_is_focal_on_weighted_confidence():
    joint = torch.tensor([[[0.5, 0.2]]])
    weights = torch.tensor([[[1.0, 0.5]]])  # p = 0.5 and 0.1
    loss = autoassign_neg_loss(joint, weights)
    expected = 0.5**2 * -math.log(1 - 0.5) + 0.1**2 * -math.log(1 - 0.1)
    torch.testing.assert_close(loss, torch.tensor(expected))


def test_neg_loss_of_zero_weight_is_zero():
    joint = torch.full((1, 3, 2), 0.9)
    assert autoassign_neg_loss(joint, torch.zeros_like(joint)) == 0
