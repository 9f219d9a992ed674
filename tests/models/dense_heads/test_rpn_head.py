"""RPNHead: parity with mmdet 3.3.0 (losses, gradients, proposals), mmdet's
train_cfg, the SiamRPN preset on a hand-computed case, empty and hostile
inputs, AMP, determinism."""
import copy
import math
import os.path as osp

import head_parity
import mmdet
import pytest
import torch
from mmdet.models.dense_heads import RPNHead as MMDetRPNHead
from mmdet.models.task_modules.coders import DeltaXYWHBBoxCoder
from mmengine.config import Config, ConfigDict
from mmengine.structures import InstanceData

from plugin.models.dense_heads import RPNHead
from plugin.models.task_modules.assigners import BatchMaxIoUAssigner
from plugin.models.task_modules.prior_generators import anchor_grid
from plugin.models.task_modules.samplers import (BatchPseudoSampler,
                                                 BatchRandomSampler)

IMG = 64  # input side; maps of 16, 8 and 4 (strides 4, 8, 16)
STRIDES = [4, 8, 16]
ANCHORS = dict(type='AnchorGenerator', scales=[2, 4], ratios=[0.5, 1., 2.],
               strides=STRIDES)  # 6 anchors per position, 8..64 px
TEST_CFG = ConfigDict(nms_pre=100, max_per_img=50,
                      nms=dict(type='nms', iou_threshold=0.7),
                      min_bbox_size=0)
# keeps every anchor (num >= anchors), so that mmdet's random choice never
# runs and both heads see the same sample
KEEP_ALL = dict(type='RandomSampler', num=100000, pos_fraction=1.0,
                neg_pos_ub=-1, add_gt_as_proposals=False)


def train_cfg(sampler=KEEP_ALL, **assigner):
    cfg = dict(type='MaxIoUAssigner', pos_iou_thr=0.7, neg_iou_thr=0.3,
               min_pos_iou=0.3, ignore_iof_thr=-1)
    cfg.update(assigner)
    out = ConfigDict(assigner=cfg, allowed_border=-1, pos_weight=-1,
                     debug=False)
    if sampler is not None:
        out.sampler = sampler
    return out


def head_cfg(**overrides):
    """A 1-channel RPN head small enough for exact CPU comparisons."""
    cfg = dict(in_channels=1, feat_channels=2, anchor_generator=ANCHORS,
               loss_bbox=dict(type='L1Loss', loss_weight=1.0),
               train_cfg=train_cfg(), test_cfg=TEST_CFG)
    cfg.update(overrides)
    return cfg


def make_heads(scale=0.5, **overrides):
    """Our head and mmdet's, with the same randomised weights."""
    return head_parity.make_twin_heads(
        lambda: RPNHead(**head_cfg(**overrides)),
        lambda: MMDetRPNHead(**head_cfg(**overrides)), scale)


def make_feats(num_imgs, seed=1, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return [
        torch.randn(num_imgs, 1, IMG // s, IMG // s, generator=g) * scale
        for s in STRIDES
    ]


def gts(boxes):
    boxes = torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)
    return InstanceData(bboxes=boxes,
                        labels=torch.zeros(len(boxes), dtype=torch.long))


def batch_gts():
    """Image 0: overlapping boxes, a small one and one crossing the image
    border; image 1: one box; image 2: none."""
    return [
        gts([[4, 6, 40, 44], [20, 18, 60, 62], [30, 2, 58, 30],
             [21, 41, 27, 46], [50, 40, 70, 66]]),
        gts([[0, 0, 10, 14]]),
        gts([]),
    ]


def metas(num_imgs, img_shape=(IMG, IMG), **extra):
    return [
        dict(img_shape=img_shape, ori_shape=img_shape, pad_shape=(IMG, IMG),
             batch_input_shape=(IMG, IMG), scale_factor=(1., 1.), **extra)
        for _ in range(num_imgs)
    ]


# ---------------------------------------------------------------- building
def test_builds_from_registry_with_scope():
    from mmdet.registry import MODELS
    head = MODELS.build(dict(type='plugin.RPNHead', **head_cfg()))
    assert type(head) is RPNHead
    assert type(head).__module__.startswith('plugin.')
    assert isinstance(head.assigner, BatchMaxIoUAssigner)
    assert isinstance(head.sampler, BatchRandomSampler)
    mm_head = MODELS.build(dict(type='RPNHead', **head_cfg()))
    assert type(mm_head) is MMDetRPNHead


@pytest.mark.parametrize('num_convs', [1, 2])
def test_state_dict_round_trip_is_strict(num_convs):
    head_parity.check_state_dicts_load_both_ways(
        *make_heads(num_convs=num_convs),
        RPNHead(**head_cfg(num_convs=num_convs)),
        MMDetRPNHead(**head_cfg(num_convs=num_convs)))


def test_init_weights_match_mmdet():
    head_parity.check_init_weights_match_mmdet(
        lambda: RPNHead(**head_cfg()), lambda: MMDetRPNHead(**head_cfg()))


def test_mmdet_rpn_train_cfg_builds_and_runs_unchanged():
    """The train_cfg of mmdet's rpn_r50_fpn (MaxIoUAssigner +
    RandomSampler 256 at 0.5) runs on the batched components."""
    base = Config.fromfile(
        osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs', '_base_',
                 'models', 'rpn_r50_fpn.py'))
    rpn_cfg = base.model.train_cfg.rpn
    head = RPNHead(**head_cfg(train_cfg=rpn_cfg))
    assert isinstance(head.assigner, BatchMaxIoUAssigner)
    assert head.assigner.min_pos_iou == 0.3
    assert isinstance(head.sampler, BatchRandomSampler)
    assert (head.sampler.num, head.sampler.pos_fraction) == (256, 0.5)
    feats = make_feats(3)
    gt_instances = batch_gts()
    targets = head.get_batch_targets([f.shape[-2:] for f in feats],
                                     gt_instances, metas(3))
    samples = targets.samples
    assert (samples.pos.sum(1) <= 128).all()
    assert ((samples.pos | samples.neg).sum(1) == 256).all()
    assert samples.pos.sum(1)[2] == 0  # no gt, no positive
    losses, _ = head_parity.run_loss(head, feats, gt_instances, metas(3))
    assert all(torch.isfinite(v).all() for v in losses.values())


@pytest.mark.parametrize('bad, match', [
    (dict(train_cfg=ConfigDict(train_cfg(), rpn_proposal=dict())),
     'train_cfg keys'),
    (dict(train_cfg=train_cfg(sampler=dict(
        KEEP_ALL, add_gt_as_proposals=True))), 'add_gt_as_proposals'),
    (dict(train_cfg=train_cfg(sampler=dict(type='OHEMSampler', num=256,
                                           pos_fraction=0.5))),
     'no batched sampler'),
    (dict(train_cfg=train_cfg(type='ATSSAssigner')), 'no batched assigner'),
    (dict(train_cfg=train_cfg(perm_repeat_gt_cfg=dict(iou_thr=0.97))),
     'perm_repeat_gt_cfg'),
    (dict(train_cfg=train_cfg(unknown_key=1)), 'unsupported assigner'),
    (dict(train_cfg=train_cfg(sampler=dict(KEEP_ALL, rng=1))),
     'unsupported sampler'),
    (dict(num_classes=2), 'one class'),
])
def test_unsupported_config_is_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        RPNHead(**head_cfg(**bad))


def test_pseudo_sampler_and_plugin_names():
    head = RPNHead(**head_cfg(train_cfg=train_cfg(sampler=None)))
    assert isinstance(head.sampler, BatchPseudoSampler)
    cfg = ConfigDict(
        assigner=dict(type='plugin.BatchMaxIoUAssigner', pos_iou_thr=0.7,
                      neg_iou_thr=0.3),
        sampler=dict(type='plugin.SiamRPNSampler'))
    head = RPNHead(**head_cfg(train_cfg=cfg))
    assert type(head.sampler).__name__ == 'SiamRPNSampler'


# ----------------------------------------------------------------- parity
def test_forward_matches_mmdet():
    ours, theirs = make_heads()
    feats = make_feats(2)
    for a, b in zip(ours(feats), theirs(feats)):
        for x, y in zip(a, b):
            assert torch.equal(x, y)


@pytest.mark.parametrize('overrides', [
    dict(),  # every anchor kept, L1
    dict(train_cfg=train_cfg(sampler=None)),  # mmdet's PseudoSampler
    dict(loss_bbox=dict(type='SmoothL1Loss', beta=1 / 9, loss_weight=2.)),
    dict(train_cfg=ConfigDict(train_cfg(), allowed_border=0, pos_weight=2.)),
    dict(train_cfg=train_cfg(min_pos_iou=0., gt_max_assign_all=False)),
    dict(loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False,
                       loss_weight=1.)),  # softmax: called, not fused
    dict(reg_decoded_bbox=True, loss_bbox=dict(type='GIoULoss',
                                               loss_weight=2.)),  # fused
    dict(reg_decoded_bbox=True, loss_bbox=dict(type='IoULoss',
                                               loss_weight=2.)),  # called
    dict(num_convs=2),
])
def test_losses_and_grads_match_mmdet(overrides):
    ours, theirs = make_heads(**overrides)
    losses, _ = head_parity.check_matches_mmdet(ours, theirs, make_feats(3),
                                                batch_gts(), metas(3))
    assert losses['loss_rpn_cls'].shape == (3, )  # one loss per level
    assert (losses['loss_rpn_bbox'] > 0).any()


def window_heads(**overrides):
    """Our head with the assigner's window path forced (the test images
    are below the auto rule's size), mmdet's as usual."""
    def ours():
        cfg = head_cfg(**overrides)
        cfg['train_cfg'] = ConfigDict(cfg['train_cfg'], assigner=dict(
            cfg['train_cfg'].assigner, type='plugin.BatchMaxIoUAssigner',
            mode='window'))
        return RPNHead(**cfg)

    return head_parity.make_twin_heads(
        ours, lambda: MMDetRPNHead(**head_cfg(**overrides)), 0.5)


@pytest.mark.parametrize('overrides', [
    dict(),
    dict(train_cfg=ConfigDict(train_cfg(), allowed_border=0)),
    dict(train_cfg=train_cfg(min_pos_iou=0.1, gt_max_assign_all=False)),
])
def test_window_assignment_matches_mmdet(overrides):
    ours, theirs = window_heads(**overrides)
    sizes = [(IMG // s, IMG // s) for s in STRIDES]
    assert ours.assigner.uses_windows(
        'cpu', 3, 5, 2016, anchor_grid(ours.prior_generator, sizes))
    head_parity.check_matches_mmdet(ours, theirs, make_feats(3), batch_gts(),
                                    metas(3))


def test_ignore_boxes_match_mmdet():
    ours, theirs = make_heads(train_cfg=train_cfg(ignore_iof_thr=0.5))
    ignore = [gts([[0, 40, 30, 64]]), None, gts([[10, 10, 50, 50]])]
    feats, gt_instances = make_feats(3), batch_gts()
    ours_out = head_parity.run_loss(ours, feats, gt_instances, metas(3),
                                    gt_instances_ignore=ignore)
    theirs_out = head_parity.run_loss(theirs, feats, gt_instances, metas(3),
                                      gt_instances_ignore=ignore)
    for a, b in zip(ours_out, theirs_out):
        head_parity.assert_same(a, b)
    plain, _ = head_parity.run_loss(ours, feats, gt_instances, metas(3))
    assert not torch.equal(plain['loss_rpn_cls'], ours_out[0]['loss_rpn_cls'])


def predict(head, feats, img_metas, **kwargs):
    head.eval()
    with torch.no_grad():
        return head.predict_by_feat(*head(feats), batch_img_metas=img_metas,
                                    **kwargs)


@pytest.mark.parametrize('rescale', [False, True])
@pytest.mark.parametrize('test_cfg', [
    TEST_CFG,
    ConfigDict(TEST_CFG, nms_pre=-1, max_per_img=1000),
    ConfigDict(TEST_CFG, nms_pre=30, min_bbox_size=8),
])
def test_proposals_match_mmdet(rescale, test_cfg):
    ours, theirs = make_heads(test_cfg=test_cfg)
    feats = make_feats(2)
    img_metas = metas(2, img_shape=(60, 50))
    img_metas[1].update(img_shape=(64, 40), scale_factor=(0.5, 0.625))
    mine = predict(ours, feats, img_metas, rescale=rescale)
    mm = predict(theirs, feats, img_metas, rescale=rescale)
    for a, b in zip(mine, mm):
        assert len(a) > 0
        assert torch.equal(a.bboxes, b.bboxes)
        assert torch.equal(a.scores, b.scores)
        assert a.labels.tolist() == [0] * len(a)


def test_loss_and_predict_matches_mmdet():
    """The two-stage detectors' entry point: losses and training proposals
    (with rpn_proposal as cfg)."""
    from mmdet.structures import DetDataSample
    ours, theirs = make_heads()
    samples = []
    for gt, meta in zip(batch_gts(), metas(3)):
        s = DetDataSample(metainfo=meta)
        s.gt_instances = gt
        samples.append(s)
    feats = make_feats(3)
    proposal_cfg = ConfigDict(TEST_CFG, nms_pre=50, max_per_img=20)
    l1, p1 = ours.loss_and_predict(feats, samples, proposal_cfg)
    l2, p2 = theirs.loss_and_predict(feats, samples, proposal_cfg)
    for k in l1:
        torch.testing.assert_close(torch.stack(l1[k]), torch.stack(l2[k]))
    for a, b in zip(p1, p2):
        assert torch.equal(a.bboxes, b.bboxes)
        assert not a.bboxes.requires_grad


# ------------------------------------------------------------- behaviour
def test_perfect_prediction_recovers_the_gts():
    """Deltas that encode each gt from one anchor, high objectness there
    and low elsewhere: the top proposals are the gt boxes."""
    head = RPNHead(**head_cfg(test_cfg=ConfigDict(TEST_CFG, nms_pre=-1)))
    boxes = torch.tensor([[4., 6., 40., 44.], [30., 2., 58., 30.],
                          [20., 41., 27., 56.]])
    sizes = [(IMG // s, IMG // s) for s in STRIDES]
    anchors, num_level = head.anchors(sizes, torch.device('cpu'))
    cls = torch.full((1, anchors.size(0), 1), -10.)
    reg = torch.zeros(1, anchors.size(0), 4)
    coder = DeltaXYWHBBoxCoder()
    for k, box in enumerate(boxes):
        i = int((anchors[:, :2] - box[:2]).abs().sum(1).argmin())
        reg[0, i] = coder.encode(anchors[i:i + 1], box[None])[0]
        cls[0, i] = 10. - k
    # back to the per-level (B, A * C, H, W) layout
    cls_scores, bbox_preds = [], []
    for (h, w), c, r in zip(sizes, cls.split(num_level, 1),
                            reg.split(num_level, 1)):
        cls_scores.append(c.reshape(1, h, w, 6).permute(0, 3, 1, 2))
        bbox_preds.append(r.reshape(1, h, w, 24).permute(0, 3, 1, 2))
    result = head.predict_by_feat(cls_scores, bbox_preds,
                                  batch_img_metas=metas(1))[0]
    torch.testing.assert_close(result.bboxes[:3], boxes)


def dense_targets(targets, i):
    """Image i's (N, 4) box targets (slots in anchor order, unused ones last)."""
    samples = targets.samples
    dense = torch.zeros(targets.anchors.size(0), 4)
    pos = samples.pos[i]
    dense[samples.inds[i, pos]] = targets.bbox_targets[i, pos]
    return dense


def test_batched_equals_per_image():
    ours, _ = make_heads()
    feats, gt_instances = make_feats(3), batch_gts()
    sizes = [f.shape[-2:] for f in feats]
    batched = ours.get_batch_targets(sizes, gt_instances, metas(3))
    with torch.no_grad():
        outs = ours(feats)
    batched_props = ours.predict_by_feat(*outs, batch_img_metas=metas(3))
    for i in range(3):
        single = ours.get_batch_targets(sizes, gt_instances[i:i + 1],
                                        metas(1))
        assert torch.equal(batched.assignment.gt_inds[i],
                           single.assignment.gt_inds[0])
        assert torch.equal(dense_targets(batched, i),
                           dense_targets(single, 0))
        props = ours.predict_by_feat(
            *[[o[i:i + 1] for o in out] for out in outs],
            batch_img_metas=metas(1))[0]
        assert torch.equal(batched_props[i].bboxes, props.bboxes)


def test_sampling_is_seeded():
    ours, _ = make_heads(train_cfg=train_cfg(sampler=dict(
        type='RandomSampler', num=32, pos_fraction=0.5)))
    feats, gt_instances = make_feats(3), batch_gts()
    torch.manual_seed(5)
    first, _ = head_parity.run_loss(ours, feats, gt_instances, metas(3))
    torch.manual_seed(5)
    again, _ = head_parity.run_loss(ours, feats, gt_instances, metas(3))
    other, _ = head_parity.run_loss(ours, feats, gt_instances, metas(3))
    assert torch.equal(first['loss_rpn_cls'], again['loss_rpn_cls'])
    assert not torch.equal(first['loss_rpn_cls'], other['loss_rpn_cls'])


def test_siamrpn_losses_on_a_hand_computed_case():
    """One 2x2 map of stride 16, one 16 px anchor per position, one gt:
    anchor 3 is the only positive, anchors 0-2 are negatives."""
    cfg = ConfigDict(
        assigner=dict(type='plugin.BatchMaxIoUAssigner', pos_iou_thr=0.6,
                      pos_iou_strict=True, neg_iou_thr=0.3,
                      match_low_quality=False),
        sampler=dict(type='plugin.SiamRPNSampler', pos_num=16, neg_num=48),
        allowed_border=-1, pos_weight=-1)
    head = RPNHead(
        in_channels=1, feat_channels=1, train_cfg=cfg,
        anchor_generator=dict(type='AnchorGenerator', scales=[1],
                              ratios=[1.], strides=[16]),
        loss_bbox=dict(type='L1Loss', loss_weight=1.2))
    # anchors [-8, -8, 8, 8], [8, -8, 24, 8], [-8, 8, 8, 24], [8, 8, 24, 24]
    gt = [gts([[10., 8., 26., 24.]])]  # IoU 224 / 288 = 0.78 with anchor 3
    logits = torch.tensor([0.5, -1., 2., 1.5])
    deltas = torch.tensor([[0.1, 0.2, 0.3, 0.4]] * 3 +
                          [[0.2, -0.1, 0.05, 0.]])
    cls = logits.reshape(1, 1, 2, 2)
    reg = deltas.T.reshape(1, 4, 2, 2)
    losses = head.loss_by_feat([cls], [reg], gt,
                               [dict(img_shape=(32, 32), pad_shape=(32, 32))])
    # 0.5 x BCE of the one positive + 0.5 x mean BCE of the 3 negatives
    pos = math.log1p(math.exp(-1.5))
    neg = sum(math.log1p(math.exp(v)) for v in (0.5, -1., 2.)) / 3
    assert losses['loss_rpn_cls'][0].item() == pytest.approx(
        0.5 * pos + 0.5 * neg, rel=1e-6)
    # target of anchor 3: dx = (18 - 16) / 16, the rest 0; L1 summed over
    # the 4 deltas, / 1 positive, / 1 image, x 1.2
    l1 = abs(0.2 - 0.125) + 0.1 + 0.05 + 0.
    assert losses['loss_rpn_bbox'][0].item() == pytest.approx(
        1.2 * l1, rel=1e-6)


def test_empty_batch_gives_finite_connected_losses():
    ours, _ = make_heads()
    feats = [f.requires_grad_() for f in make_feats(2)]
    losses = ours.loss_by_feat(*ours(feats), [gts([]), gts([])], metas(2))
    total = head_parity.total_loss(losses)
    assert torch.isfinite(total) and total > 0  # negatives still learn
    assert sum(losses['loss_rpn_bbox']) == 0
    total.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all()
               for p in ours.parameters())


@pytest.mark.parametrize('loss_bbox', ['L1Loss', 'GIoULoss', 'IoULoss'])
def test_batch_without_positives_with_each_box_loss(loss_bbox):
    """mmdet's IoULoss module returns a scalar instead of element-wise
    losses when no weight is positive: still one zero per level."""
    ours, _ = make_heads(reg_decoded_bbox=loss_bbox != 'L1Loss',
                         loss_bbox=dict(type=loss_bbox, loss_weight=1.))
    feats = [f.requires_grad_() for f in make_feats(2)]
    losses = ours.loss_by_feat(*ours(feats), [gts([]), gts([])], metas(2))
    assert [v.item() for v in losses['loss_rpn_bbox']] == [0., 0., 0.]
    head_parity.total_loss(losses).backward()
    assert torch.isfinite(feats[0].grad).all()


def test_no_anchor_inside_the_image_gives_zero_losses():
    """mmdet raises ValueError here (after a host sync); every anchor is
    ignored instead, and the losses stay connected zeros."""
    ours, _ = make_heads(train_cfg=ConfigDict(train_cfg(), allowed_border=0))
    feats = [f.requires_grad_() for f in make_feats(1)]
    img_metas = metas(1, img_shape=(4, 4))  # smaller than every anchor
    losses = ours.loss_by_feat(*ours(feats), batch_gts()[:1], img_metas)
    total = head_parity.total_loss(losses)
    assert total == 0
    total.backward()
    assert torch.isfinite(feats[0].grad).all()


def test_crowded_image_assigns_in_chunks():
    """A thousand gts with a small chunk budget: the same targets."""
    g = torch.Generator().manual_seed(0)
    xy = torch.rand(1000, 2, generator=g) * 56
    boxes = torch.cat([xy, xy + 2 + torch.rand(1000, 2, generator=g) * 20],
                      1)
    ours, _ = make_heads()
    sizes = [(IMG // s, IMG // s) for s in STRIDES]
    whole = ours.get_batch_targets(sizes, [gts(boxes.tolist())], metas(1))
    ours.assigner.max_pairs = 1000 * 64
    chunked = ours.get_batch_targets(sizes, [gts(boxes.tolist())],
                                     metas(1))
    assert torch.equal(whole.assignment.gt_inds, chunked.assignment.gt_inds)
    assert torch.equal(dense_targets(whole, 0), dense_targets(chunked, 0))
    ours.assigner.mode = 'window'  # every chunk size: the same targets
    for max_pairs in (None, 1000):
        ours.assigner.max_pairs = max_pairs
        window = ours.get_batch_targets(sizes, [gts(boxes.tolist())],
                                        metas(1))
        assert torch.equal(whole.assignment.gt_inds,
                           window.assignment.gt_inds)
        assert torch.equal(whole.assignment.max_overlaps,
                           window.assignment.max_overlaps)


def test_deterministic_with_several_threads():
    ours, _ = make_heads()
    head_parity.check_deterministic(ours, make_feats(3), batch_gts(), metas(3))


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_precision_outputs_give_fp32_losses(dtype):
    """What AMP hands the loss: half-precision logits (some saturated) and
    deltas. The loss runs in fp32, finite and close to the fp32 result."""
    ours, _ = make_heads()
    with torch.no_grad():
        cls, reg = ours(make_feats(3))
        cls[0][0, :, :2] = 30.  # saturated objectness on background
        ref = ours.loss_by_feat(cls, reg, batch_gts(), metas(3))
        half = ours.loss_by_feat([c.to(dtype) for c in cls],
                                 [r.to(dtype) for r in reg], batch_gts(),
                                 metas(3))
    for k in ref:
        for a, b in zip(half[k], ref[k]):
            assert a.dtype == torch.float32 and torch.isfinite(a)
            torch.testing.assert_close(a, b, rtol=2e-2, atol=1e-3)


def test_trains_under_autocast():
    ours, _ = make_heads()
    feats = [f.requires_grad_() for f in make_feats(3)]
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = ours.loss_by_feat(*ours(feats), batch_gts(), metas(3))
    total = head_parity.total_loss(losses)
    assert total.dtype == torch.float32 and torch.isfinite(total)
    total.backward()
    assert all(torch.isfinite(p.grad).all() for p in ours.parameters())


def test_train_cfg_is_not_modified():
    cfg = train_cfg()
    before = copy.deepcopy(cfg)
    RPNHead(**head_cfg(train_cfg=cfg))
    assert cfg == before


def test_same_sample_gives_bitwise_the_same_losses():
    """KEEP_ALL draws the same sample (every anchor) under every seed, in
    another key order each time. The samplers put the slots in canonical
    order, so the losses (sums over the slots) and the gradients are
    bitwise equal, not merely close."""
    ours, _ = make_heads()
    feats, gt_instances = make_feats(3), batch_gts()
    runs = []
    for seed in (0, 1, 2):
        torch.manual_seed(seed)
        runs.append(
            head_parity.run_loss(ours, feats, gt_instances, metas(3)))
    (losses, grads), others = runs[0], runs[1:]
    for other_losses, other_grads in others:
        for k in losses:
            assert torch.equal(other_losses[k], losses[k]), k
        for k in grads:
            assert torch.equal(other_grads[k], grads[k]), k
