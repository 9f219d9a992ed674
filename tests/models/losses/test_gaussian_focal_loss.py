"""The fused modified focal loss: hand-computed values with and without the
clamp, gradients, and equality with mmdet's gaussian_focal_loss."""
import math

import pytest
import torch
from mmdet.models.losses.gaussian_focal_loss import gaussian_focal_loss

from plugin.models.losses import gaussian_focal_loss_sum

# one image, one class, a 1 x 4 map: a peak, a gaussian shoulder (y = 0.5),
# a plain negative and a saturated negative
PRED = [0.5, 0.25, 0.9, 1.0]
TARGET = [1.0, 0.5, 0.0, 0.0]


def loss_of(pred, target=TARGET, clamp=0.0, **kwargs):
    pred = torch.tensor(pred, dtype=torch.float64).view(1, 1, 1, -1)
    pred.requires_grad_()
    target = torch.tensor(target, dtype=torch.float64).view(1, 1, 1, -1)
    peaks = (target.view(-1) == 1).nonzero().view(-1)
    loss = gaussian_focal_loss_sum(pred, target, peaks,
                                   torch.ones(len(peaks)), clamp=clamp,
                                   **kwargs)
    loss.backward()
    return loss.item(), pred.grad.view(-1).tolist()


def test_hand_computed_without_clamp():
    eps = 1e-12
    expected = (-math.log(0.5 + eps) * 0.5**2  # peak
                - math.log(0.75 + eps) * 0.25**2 * 0.5**4  # shoulder
                - math.log(0.1 + eps) * 0.9**2  # negative
                - math.log(0 + eps) * 1.0**2)  # saturated: -log(1e-12)
    loss, grad = loss_of(PRED)
    assert loss == pytest.approx(expected, rel=1e-12)
    assert loss == pytest.approx(0.173287 + 0.001124 + 1.865094 + 27.631021,
                                 rel=1e-6)
    # d/dp of the peak: -(1 - p)^2 / p + 2 (1 - p) log p at 0.5
    assert grad[0] == pytest.approx(-0.25 / 0.5 + 2 * 0.5 * math.log(0.5))
    # saturated negative: p^2 / (1 - p + eps) - 2 p log(1 - p + eps), finite
    assert grad[3] == pytest.approx(1 / eps - 2 * math.log(eps), rel=1e-6)


def test_hand_computed_with_clamp():
    c = 1e-4
    expected = (-math.log(0.5) * 0.5**2 - math.log(0.75) * 0.25**2 * 0.5**4
                - math.log(0.1) * 0.9**2
                - math.log(c) * (1 - c)**2)  # p clamped to 1 - 1e-4
    loss, grad = loss_of(PRED, clamp=c)
    assert loss == pytest.approx(expected, rel=1e-12)
    assert loss == pytest.approx(0.173287 + 0.001124 + 1.865094 + 9.208500,
                                 rel=1e-6)
    assert grad[3] == 0  # no gradient where the clamp bites
    assert grad[:3] == pytest.approx(loss_of(PRED)[1][:3])


@pytest.mark.parametrize('clamp', [0.0, 1e-4])
def test_gradcheck(clamp):
    g = torch.Generator().manual_seed(0)
    pred = (torch.rand(2, 2, 3, 3, generator=g, dtype=torch.float64) * 0.8 +
            0.1).requires_grad_()
    target = torch.rand(2, 2, 3, 3, generator=g, dtype=torch.float64) * 0.9
    target.view(-1)[[1, 7, 20]] = 1
    peaks = torch.tensor([1, 7, 20, 7])  # a masked-off duplicate
    mask = torch.tensor([1., 1., 1., 0.], dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda p: gaussian_focal_loss_sum(p, target, peaks, mask,
                                          clamp=clamp), (pred, ))


@pytest.mark.parametrize('params', [
    dict(),
    dict(alpha=3.0, gamma=2.0, pos_weight=2.0, neg_weight=0.5),
])
def test_matches_mmdet(params):
    g = torch.Generator().manual_seed(1)
    pred = torch.rand(2, 4, 16, 16, generator=g)
    pred.view(-1)[:5] = 1.0  # saturated
    pred.view(-1)[5:10] = 0.0
    target = torch.rand(2, 4, 16, 16, generator=g)**8
    peaks = torch.randperm(target.numel(), generator=g)[:20]
    target.view(-1)[peaks] = 1
    ours_pred = pred.clone().requires_grad_()
    ours = gaussian_focal_loss_sum(ours_pred, target, peaks,
                                   torch.ones(20), **params)
    ours.backward()
    theirs_pred = pred.clone().requires_grad_()
    theirs = gaussian_focal_loss(theirs_pred, target, reduction='sum',
                                 **params)
    theirs.backward()
    torch.testing.assert_close(ours, theirs, rtol=1e-6, atol=0)
    torch.testing.assert_close(ours_pred.grad, theirs_pred.grad, rtol=1e-6,
                               atol=1e-6 * theirs_pred.grad.abs().max())


def test_no_peaks_is_the_negative_term_only():
    pred = torch.full((1, 2, 2, 2), 0.5, requires_grad=True)
    loss = gaussian_focal_loss_sum(pred, torch.zeros(1, 2, 2, 2),
                                   torch.zeros(0, dtype=torch.long),
                                   torch.zeros(0))
    assert loss.item() == pytest.approx(8 * -math.log(0.5) * 0.25, rel=1e-6)
    loss.backward()
    assert torch.isfinite(pred.grad).all()


def test_clamp_out_of_range_is_refused():
    with pytest.raises(ValueError, match='clamp'):
        loss_of(PRED, clamp=0.5)
