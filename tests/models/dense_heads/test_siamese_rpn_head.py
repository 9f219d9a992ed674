"""SiameseRPNHead: SiamRPN's labels on hand-placed targets, its losses on
a hand-computed case, both correlations, several levels."""
import math

import pytest
import torch
from mmengine.structures import InstanceData

from plugin.models.dense_heads import SiameseRPNHead

TRAIN_CFG = dict(
    assigner=dict(
        type='plugin.BatchMaxIoUAssigner',
        pos_iou_thr=0.6,
        pos_iou_strict=True,
        neg_iou_thr=0.3,
        match_low_quality=False),
    sampler=dict(type='plugin.SiamRPNSampler', pos_num=16, neg_num=48),
    neg_radius=1)


def make_head(stride=8, scales=(4., ), ratios=(1., ), **kwargs):
    """32 x 32 anchors on a stride-8 grid by default."""
    return SiameseRPNHead(
        8,
        feat_channels=8,
        anchor_generator=dict(
            type='plugin.SiamRPNAnchorGenerator',
            stride=stride,
            ratios=ratios,
            scales=scales),
        train_cfg=TRAIN_CFG,
        **kwargs)


def target(*box):
    return InstanceData(
        bboxes=torch.tensor([box], dtype=torch.float32),
        labels=torch.zeros(1, dtype=torch.long))


def no_target():
    return InstanceData(
        bboxes=torch.zeros((0, 4)), labels=torch.zeros(0, dtype=torch.long))


def test_labels_by_hand():
    """5 x 5 map of 32 x 32 anchors every 8 px on a 64 px crop, target the
    centre anchor's box: IoU of an anchor (dx, dy) cells away is
    (32 - 8|dx|)(32 - 8|dy|) / (2048 - that)."""
    head = make_head()
    t = head.get_batch_targets(5, 64, [target(16, 16, 48, 48)],
                               torch.device('cpu'))
    expected = [
        [0, 0, -1, 0, 0],  # |dy| = 2: 512 / 1536 = 1/3 at dx = 0, ignored
        [0, -1, -1, -1, 0],  # (1, 1): 0.39; (2, 1): 0.23, negative
        [-1, -1, 1, -1, -1],  # (1, 0): exactly 0.6, not > 0.6: ignored
        [0, -1, -1, -1, 0],
        [0, 0, -1, 0, 0],
    ]
    assert t.gt_inds.reshape(5, 5).tolist() == expected
    assert t.samples.pos.sum().item() == 1
    assert t.samples.neg.sum().item() == 12


def test_no_best_anchor_rule():
    """A 16 x 16 target overlaps its best anchor by 0.25 only: no positive
    (mmdet's low-quality matching would make that anchor one)."""
    head = make_head()
    t = head.get_batch_targets(5, 64, [target(24, 24, 40, 40)],
                               torch.device('cpu'))
    assert (t.gt_inds > 0).sum().item() == 0
    assert t.samples.pos.sum().item() == 0
    assert t.samples.reg_weight.abs().sum().item() == 0


def test_at_most_16_of_64():
    """32 x 32 anchors every 2 px: many positives; 16 and 48 drawn."""
    head = make_head(stride=2, scales=(16., ))
    t = head.get_batch_targets(15, 64, [target(16, 16, 48, 48)] * 2,
                               torch.device('cpu'))
    assert ((t.gt_inds == 1).sum(1) > 16).all()
    assert t.samples.pos.sum(1).tolist() == [16, 16]
    assert t.samples.neg.sum(1).tolist() == [48, 48]
    # every drawn positive is one
    drawn = t.gt_inds.gather(1, t.samples.inds)
    assert (drawn[t.samples.pos] == 1).all()
    assert (drawn[t.samples.neg] == 0).all()


def test_negative_pair_centre_only():
    """No target: only negatives, from the 3 x 3 cells around the centre
    (neg_radius 1), no regression."""
    head = make_head()
    t = head.get_batch_targets(5, 64, [no_target()], torch.device('cpu'))
    labels = t.gt_inds.reshape(5, 5)
    expected = torch.full((5, 5), -1)
    expected[1:4, 1:4] = 0
    assert labels.tolist() == expected.tolist()
    assert t.samples.pos.sum().item() == 0
    assert t.samples.neg.sum().item() == 9
    assert t.samples.reg_weight.abs().sum().item() == 0


def test_loss_by_hand():
    """Pair 0: the target of test_labels_by_hand (1 positive, 12
    negatives), logits (0, 1), deltas 0.1; pair 1: negative pair (9
    negatives), logits 0."""
    head = make_head()
    cls = torch.zeros(2, 2, 5, 5)
    cls[0, 1] = 1.  # channel c * K + k: c = 1 (target), k = 0
    reg = torch.full((2, 4, 5, 5), 0.1)
    losses = head.loss_by_feat(cls, reg,
                               [target(16, 16, 48, 48), no_target()], 64)
    ce_pos = math.log(1 + math.exp(-1))  # label 1, logits (0, 1)
    ce_neg0 = math.log(1 + math.exp(1))  # label 0, logits (0, 1)
    ce_neg1 = math.log(2)  # label 0, logits (0, 0)
    expected_cls = 0.5 * ce_pos + 0.5 * (12 * ce_neg0 + 9 * ce_neg1) / 21
    # target = anchor: deltas 0; L1 summed over 4 = 0.4, 1 / (1 positive)
    # of pair 0, averaged over the 2 pairs, times 1.2 (LOC_WEIGHT)
    expected_bbox = 0.4 / 1 / 2 * 1.2
    assert losses['loss_cls'].item() == pytest.approx(expected_cls, rel=1e-6)
    assert losses['loss_bbox'].item() == pytest.approx(expected_bbox,
                                                       rel=1e-6)


def test_loss_regression_target_is_seed_delta():
    """Seed 000: delta = ((tcx - cx) / w, (tcy - cy) / h, log(tw / w),
    log(th / h)); the L1 of zero predictions is its absolute sum."""
    head = make_head(ratios=(1., ), scales=(4., ))
    box = (18., 17., 50., 47.)  # centre (34, 32), 32 x 30
    t = head.get_batch_targets(5, 64, [target(*box)], torch.device('cpu'))
    pos = t.samples.pos[0]
    anchors = t.anchors[t.samples.inds[0][pos]]
    cx = (anchors[:, 0] + anchors[:, 2]) / 2
    cy = (anchors[:, 1] + anchors[:, 3]) / 2
    expected = torch.stack([(34 - cx) / 32, (32 - cy) / 32,
                            torch.full_like(cx, math.log(32 / 32)),
                            torch.full_like(cx, math.log(30 / 32))], 1)
    assert torch.allclose(t.bbox_targets[0][pos], expected, atol=1e-6)


@pytest.mark.parametrize('corr', ['depthwise', 'up_channel'])
def test_forward_shapes_and_decode(corr):
    head = SiameseRPNHead(8, feat_channels=8, corr=corr).eval()
    z = [torch.randn(2, 8, 6, 6)]
    x = [torch.randn(2, 8, 22, 22)]
    cls, reg = head(z, x)
    assert cls.shape == (2, 10, 17, 17) and reg.shape == (2, 20, 17, 17)
    score, boxes = head.decode(cls, reg, 255)
    assert score.shape == (2, 1445) and boxes.shape == (2, 1445, 4)
    assert ((score >= 0) & (score <= 1)).all()
    # zero deltas decode to the anchors
    score, boxes = head.decode(cls, torch.zeros_like(reg), 255)
    assert torch.allclose(boxes[1], head.anchors(17, 255, cls.device))


def test_layout_matches_pysot():
    """Scores (B, 2K, S, S): channel c * K + k; deltas channel j * K + k
    (pysot's ``view(b, 2, k, h, w)`` and ``view(b, 4, k, h, w)``)."""
    head = make_head(ratios=(0.5, 1., 2.))
    cls = torch.arange(2 * 6 * 3 * 3, dtype=torch.float32).reshape(
        2, 6, 3, 3)
    reg = torch.arange(2 * 12 * 3 * 3, dtype=torch.float32).reshape(
        2, 12, 3, 3)
    logits, deltas = head.flatten(cls, reg)
    b, k, y, x = 1, 2, 0, 1
    a = k * 9 + y * 3 + x
    assert logits[b, a].tolist() == [cls[b, 0 * 3 + k, y, x].item(),
                                     cls[b, 1 * 3 + k, y, x].item()]
    assert deltas[b, a].tolist() == [
        reg[b, j * 3 + k, y, x].item() for j in range(4)
    ]


def test_levels_weighted():
    """Three levels fused by softmax weights: equal weights at init give
    the average of the three levels' outputs."""
    head = SiameseRPNHead([8, 8, 8], feat_channels=8).eval()
    z = [torch.randn(1, 8, 7, 7) for _ in range(3)]
    x = [torch.randn(1, 8, 15, 15) for _ in range(3)]
    cls, reg = head(z, x)
    parts = [(br(br.template(zz), xx), rb(rb.template(zz), xx))
             for zz, xx, br, rb in zip(z, x, head.cls_branches,
                                       head.reg_branches)]
    assert torch.allclose(cls, sum(p[0] for p in parts) / 3, atol=1e-6)
    assert torch.allclose(reg, sum(p[1] for p in parts) / 3, atol=1e-6)
    assert head.cls_weight.requires_grad


def test_per_level_hidden_widths():
    """pysot's MultiRPN: level l's depthwise branches have in_channels[l]
    hidden channels (its siamrpn_r50_l234_dwxcorr_lt: 128, 256, 512)."""
    head = SiameseRPNHead([4, 8, 16], feat_channels=[4, 8, 16]).eval()
    assert [br.conv_kernel[0].out_channels for br in head.cls_branches] == \
        [4, 8, 16]
    z = [torch.randn(1, c, 7, 7) for c in (4, 8, 16)]
    x = [torch.randn(1, c, 15, 15) for c in (4, 8, 16)]
    cls, reg = head(z, x)
    assert cls.shape == (1, 10, 9, 9) and reg.shape == (1, 20, 9, 9)
    with pytest.raises(ValueError, match='feat_channels'):
        SiameseRPNHead([4, 8], feat_channels=[4, 8, 16])


def test_bad_corr():
    with pytest.raises(ValueError, match='corr'):
        SiameseRPNHead(8, corr='fft')


@pytest.mark.parametrize('box', [
    (30., 30., 30., 50.),  # zero width
    (500., 500., 540., 540.),  # far outside the crop
    (-1e4, -1e4, 1e4, 1e4),  # larger than everything
])
def test_degenerate_targets_give_finite_losses(box):
    """No anchor reaches IoU 0.6: no positive, no regression, finite
    losses, every output still in the graph (DDP-safe)."""
    head = make_head()
    cls = torch.zeros(2, 2, 5, 5, requires_grad=True)
    reg = torch.zeros(2, 4, 5, 5, requires_grad=True)
    losses = head.loss_by_feat(cls, reg, [target(*box), no_target()], 64)
    assert all(torch.isfinite(v) for v in losses.values())
    assert losses['loss_bbox'].item() == 0
    sum(losses.values()).backward()
    assert reg.grad is not None and torch.isfinite(reg.grad).all()
    assert torch.isfinite(cls.grad).all()


def test_only_negative_pairs():
    head = make_head()
    cls = torch.randn(3, 2, 5, 5, requires_grad=True)
    reg = torch.randn(3, 4, 5, 5, requires_grad=True)
    losses = head.loss_by_feat(cls, reg, [no_target()] * 3, 64)
    sum(losses.values()).backward()
    assert losses['loss_bbox'].item() == 0
    assert losses['loss_cls'].item() > 0
    assert reg.grad is not None  # connected zero: no unused output
