"""AutoAssign losses: exact values on hand-made probabilities."""
import math

import torch

from plugin.models.losses import autoassign_confidences, autoassign_pos_loss


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


def logit(p):
    return math.log(p / (1 - p))


# sigmoid(30) rounds to exactly 1.0 in float32: "objectness certain"
CERTAIN = 30.0


def test_neg_loss_is_focal_on_weighted_confidence():
    cls_logits = torch.tensor([[[0.0, logit(0.2)]]])  # P(cls) = 0.5, 0.2
    obj_logits = torch.tensor([[[CERTAIN]]])
    weights = torch.tensor([[[1.0, 0.5]]])  # p = 0.5 and 0.1
    loss, _ = autoassign_confidences(cls_logits, obj_logits, weights,
                                     torch.zeros(1, 0, dtype=torch.long))
    expected = 0.5**2 * -math.log(1 - 0.5) + 0.1**2 * -math.log(1 - 0.1)
    torch.testing.assert_close(loss, torch.tensor(expected))


def test_objectness_gates_the_class_confidences():
    cls_logits = torch.tensor([[[0.0, logit(0.2), logit(0.8)]] * 2])
    obj_logits = torch.tensor([[[0.0], [logit(0.25)]]])
    labels = torch.tensor([[2, 0]])
    _, p_cls = autoassign_confidences(cls_logits, obj_logits,
                                      torch.ones(1, 2, 3), labels)
    # point 0 (objectness 0.5), point 1 (0.25); gts of class 2 and 0
    expected = [[0.8 * 0.5, 0.5 * 0.5], [0.8 * 0.25, 0.5 * 0.25]]
    torch.testing.assert_close(p_cls[0], torch.tensor(expected))


def test_neg_loss_of_zero_weight_is_zero():
    cls_logits = torch.full((1, 3, 2), 2.0)
    loss, _ = autoassign_confidences(cls_logits, torch.zeros(1, 3, 1),
                                     torch.zeros(1, 3, 2),
                                     torch.zeros(1, 0, dtype=torch.long))
    assert loss == 0


def test_matches_the_autograd_formula_in_value_and_gradient():
    """Against mmdet's formula through autograd, p from 0 to 1, with a
    gradient also coming in through the gathered class confidences."""
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(0)
    cls_logits = torch.randn(2, 6, 4, generator=g) * 4
    cls_logits[0, 0, 0] = CERTAIN  # p = 1 exactly: BCE's clamp at 100
    cls_logits[0, 1, 1] = -CERTAIN  # p = 0
    obj_logits = torch.randn(2, 6, 1, generator=g) * 2
    obj_logits[0, :2] = CERTAIN
    weights = torch.rand(2, 6, 4, generator=g)
    weights[0, :2] = 1.0
    labels = torch.tensor([[0, 3, 3], [1, 2, 0]])
    upstream = torch.randn(2, 6, 3, generator=g)

    ours_c = cls_logits.clone().requires_grad_()
    ours_o = obj_logits.clone().requires_grad_()
    loss, p_cls = autoassign_confidences(ours_c, ours_o, weights, labels)
    (loss + (p_cls * upstream).sum()).backward()

    ref_c = cls_logits.clone().requires_grad_()
    ref_o = obj_logits.clone().requires_grad_()
    joint = ref_c.sigmoid() * ref_o.sigmoid()
    p = joint * weights
    ref_loss = (p**2 * F.binary_cross_entropy(
        p, torch.zeros_like(p), reduction='none')).sum()
    ref_p_cls = joint.gather(2, labels[:, None].expand(-1, 6, -1))
    (ref_loss + (ref_p_cls * upstream).sum()).backward()

    torch.testing.assert_close(loss, ref_loss)
    torch.testing.assert_close(p_cls, ref_p_cls)
    torch.testing.assert_close(ours_c.grad, ref_c.grad, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(ours_o.grad, ref_o.grad, rtol=1e-5, atol=1e-6)


def test_negative_loss_sum_is_accurate_on_large_inputs():
    """1.3M (point, class) terms: a float32 running sum drifts by ~1e-5;
    the pairwise sum stays at float32 precision."""
    g = torch.Generator().manual_seed(0)
    cls = torch.randn(2, 8000, 80, generator=g)
    obj = torch.randn(2, 8000, 1, generator=g)
    neg_weights = torch.rand(2, 8000, 80, generator=g)
    labels = torch.randint(0, 80, (2, 3), generator=g)
    loss, _ = autoassign_confidences(cls, obj, neg_weights, labels)
    p = cls.double().sigmoid() * obj.double().sigmoid() * neg_weights
    expected = (p * p * -torch.log1p(-p)).sum()
    assert abs(loss.double() / expected - 1) < 1e-6
