"""pairwise_giou: hand values, mmdet parity (values and gradients), and a
numerical gradient check of the written-out backward pass."""
import torch
from mmdet.models.losses import GIoULoss
from mmdet.structures.bbox import bbox_overlaps

from plugin.models.losses import pairwise_giou


def test_hand_made_pairs():
    pred = torch.tensor([[[0., 0., 2., 2.], [0., 0., 1., 1.]]])
    gt = torch.tensor([[[1., 1., 3., 3.], [0., 0., 1., 1.], [2., 0., 3., 1.]]])
    giou, iou = pairwise_giou(pred, gt)
    # (0,0,2,2) vs (1,1,3,3): overlap 1, union 7, enclosing box 9
    # (0,0,1,1) vs itself: 1; vs (2,0,3,1): disjoint, enclosing box 3
    expected_iou = [[1 / 7, 1 / 4, 0.0], [0.0, 1.0, 0.0]]
    expected_giou = [[1 / 7 - 2 / 9, 1 / 4 - 0 / 4, 0 - (6 - 5) / 6],
                     [0 - (9 - 5) / 9, 1.0, 0 - (3 - 2) / 3]]
    torch.testing.assert_close(iou[0], torch.tensor(expected_iou))
    torch.testing.assert_close(giou[0], torch.tensor(expected_giou))


def random_boxes(n, *lead, generator):
    xy = torch.rand(*lead, n, 2, generator=generator) * 50
    wh = torch.rand(*lead, n, 2, generator=generator) * 30
    return torch.cat([xy, xy + wh], -1)


def test_matches_mmdet_giou_loss_with_ties_and_degenerate_boxes():
    g = torch.Generator().manual_seed(0)
    pred = random_boxes(300, 2, generator=g)
    gt = random_boxes(7, 2, generator=g)
    pred[0, :5] = gt[0, 0]  # identical boxes: every min/max ties
    pred[0, 5, 2] = pred[0, 5, 0]  # zero-width prediction
    gt[1, 3, 2] = gt[1, 3, 0]  # zero-width gt
    pred[1, 7, :2] = gt[1, 2, :2]  # shared corner
    num_p, num_g = pred.size(1), gt.size(1)
    pair_pred = pred[:, :, None].expand(-1, -1, num_g, -1)
    pair_gt = gt[:, None].expand(-1, num_p, -1, -1)

    ref_pred = pred.clone().requires_grad_()
    ref = GIoULoss(loss_weight=5.0)(
        ref_pred[:, :, None].expand(-1, -1, num_g, -1), pair_gt,
        reduction_override='none')
    our_pred = pred.clone().requires_grad_()
    giou, iou = pairwise_giou(our_pred, gt)
    ours = 5.0 * (1 - giou)
    assert torch.equal(ours, ref)
    assert torch.equal(iou, bbox_overlaps(pair_pred, pair_gt,
                                          is_aligned=True))

    upstream = torch.randn(ours.shape, generator=g)
    (ref * upstream).sum().backward()
    (ours * upstream).sum().backward()
    scale = ref_pred.grad.abs().max()
    torch.testing.assert_close(
        our_pred.grad, ref_pred.grad, rtol=1e-5, atol=1e-6 * scale)


def test_backward_passes_gradcheck():
    g = torch.Generator().manual_seed(1)
    pred = random_boxes(6, 2, generator=g).double().requires_grad_()
    gt = random_boxes(3, 2, generator=g).double()
    assert torch.autograd.gradcheck(
        lambda p: pairwise_giou(p, gt)[0], (pred, ), eps=1e-6, atol=1e-6)


def test_iou_is_not_differentiable():
    pred = torch.tensor([[[0., 0., 2., 2.]]], requires_grad=True)
    giou, iou = pairwise_giou(pred, torch.tensor([[[1., 1., 3., 3.]]]))
    assert giou.requires_grad and not iou.requires_grad
