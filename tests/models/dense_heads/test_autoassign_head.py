"""AutoAssignHead: parity with mmdet 3.3.0, edge cases, determinism."""
import head_parity
import pytest
import torch
from mmdet.models.dense_heads import AutoAssignHead as MMDetAutoAssignHead
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from plugin.models.dense_heads import AutoAssignHead

STRIDES = (8, 16)
IMG = 64  # image side: 8x8 and 4x4 feature maps, P = 80 points
NUM_CLASSES = 3


def head_cfg(**overrides):
    """A 1-channel AutoAssign head small enough for exact CPU comparisons."""
    cfg = dict(
        num_classes=NUM_CLASSES,
        in_channels=1,
        feat_channels=2,
        stacked_convs=1,
        strides=STRIDES,
        norm_cfg=dict(type='GN', num_groups=1, requires_grad=True),
        loss_bbox=dict(type='GIoULoss', loss_weight=5.0),
        test_cfg=ConfigDict(
            nms_pre=1000,
            min_bbox_size=0,
            score_thr=0.0,
            nms=dict(type='nms', iou_threshold=0.6),
            max_per_img=100))
    cfg.update(overrides)
    return cfg


def make_heads(**overrides):
    """Our head and mmdet's, with the same randomised weights."""
    torch.manual_seed(0)
    ours = AutoAssignHead(**head_cfg(**overrides))
    ours.init_weights()
    with torch.no_grad():  # move away from the init so every term matters
        for name, p in ours.named_parameters():
            if name == 'center_prior.sigma':
                p.uniform_(0.6, 1.4)
            else:
                p.add_(torch.randn_like(p) * 0.5)
    theirs = MMDetAutoAssignHead(**head_cfg(**overrides))
    theirs.load_state_dict(ours.state_dict(), strict=True)
    return ours, theirs


def make_feats(num_imgs, seed=1):
    g = torch.Generator().manual_seed(seed)
    return [
        torch.randn(num_imgs, 1, IMG // s, IMG // s, generator=g)
        for s in STRIDES
    ]


def gts(boxes, labels):
    return InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.tensor(labels, dtype=torch.long))


def batch_gts():
    """Image 0: two class-1 boxes that overlap (the ambiguous case) and a
    class-0 box; image 1: one box; image 2: none."""
    return [
        gts([[4, 6, 40, 44], [20, 18, 60, 62], [30, 2, 58, 30]], [1, 1, 0]),
        gts([[10, 12, 50, 40]], [2]),
        gts([], []),
    ]


def metas(num_imgs):
    return [
        dict(img_shape=(IMG, IMG), ori_shape=(IMG, IMG), pad_shape=(IMG, IMG),
             scale_factor=(1.0, 1.0)) for _ in range(num_imgs)
    ]


def run_loss(head, feats, gt_instances):
    return head_parity.run_loss(head, feats, gt_instances,
                                metas(len(gt_instances)))


def check_matches_mmdet(feats, gt_instances, **head_overrides):
    """Run our head and mmdet's (same weights) on the same inputs, assert
    equal losses and gradients, and return ours."""
    ours, theirs = make_heads(**head_overrides)
    return head_parity.check_matches_mmdet(ours, theirs, feats, gt_instances,
                                           metas(len(gt_instances)))


@pytest.mark.parametrize('force_topk', [False, True])
def test_losses_and_grads_match_mmdet(single_thread, force_topk):
    losses, _ = check_matches_mmdet(make_feats(3), batch_gts(),
                                    force_topk=force_topk)
    assert all(v > 0 for v in losses.values())


@pytest.mark.parametrize('loss_bbox', [
    dict(type='IoULoss', loss_weight=1.0),  # mmdet's default
    dict(type='GIoULoss', loss_weight=2.0, eps=1e-7),  # not the fast path
])
def test_other_box_losses_match_mmdet(single_thread, loss_bbox):
    check_matches_mmdet(make_feats(3), batch_gts(), loss_bbox=loss_bbox)


def test_tiny_gt_force_topk_matches_mmdet(single_thread):
    # 3x3 px boxes between grid points: no point lies inside either of them
    gt_instances = [gts([[9, 9, 12, 12], [25, 41, 28, 44]], [0, 2])]
    _, grads = check_matches_mmdet(make_feats(1), gt_instances,
                                   force_topk=True)
    # topk points were borrowed, so the prior (and the centre loss) is live
    assert grads['center_prior.mean'].abs().sum() > 0


def test_tiny_gt_without_force_topk_is_finite(single_thread):
    gt_instances = [gts([[9, 9, 12, 12]], [0])]
    _, grads = check_matches_mmdet(make_feats(1), gt_instances,
                                   force_topk=False)
    assert all(torch.isfinite(g).all() for g in grads.values())


def test_one_gt_matches_mmdet(single_thread):
    check_matches_mmdet(make_feats(1), [gts([[8, 8, 56, 40]], [1])])


def test_empty_batch_gives_zero_connected_losses():
    ours, _ = make_heads()
    losses, grads = check_matches_mmdet(make_feats(2),
                                        [gts([], []), gts([], [])])
    assert losses['loss_pos'] == 0 and losses['loss_center'] == 0
    assert losses['loss_neg'] > 0
    # every parameter takes part in the graph (DDP would hang otherwise)
    for name, _ in ours.named_parameters():
        assert name in grads and torch.isfinite(grads[name]).all()


def test_predictions_match_mmdet():
    ours, theirs = make_heads()
    feats = make_feats(2)
    ours.eval(), theirs.eval()
    with torch.no_grad():
        our_res = ours.predict_by_feat(
            *ours(feats), batch_img_metas=metas(2), rescale=False)
        mm_res = theirs.predict_by_feat(
            *theirs(feats), batch_img_metas=metas(2), rescale=False)
    for a, b in zip(our_res, mm_res):
        assert len(a) > 0
        torch.testing.assert_close(a.bboxes, b.bboxes)
        torch.testing.assert_close(a.scores, b.scores)
        assert torch.equal(a.labels, b.labels)


def test_state_dict_round_trip_is_strict():
    head_parity.check_state_dicts_load_both_ways(
        *make_heads(), AutoAssignHead(**head_cfg()),
        MMDetAutoAssignHead(**head_cfg()))


def test_batched_equals_single_image_sums(single_thread):
    """Images do not interact: with the normalisers undone, the batch loss
    is the sum of the per-image losses."""
    ours, _ = make_heads()
    feats, gt_instances = make_feats(3), batch_gts()
    batched, _ = run_loss(ours, feats, gt_instances)
    num_gts = sum(len(g) for g in gt_instances)
    pos_sum, center_sum = 0, 0
    for i, g in enumerate(gt_instances):
        single, _ = run_loss(ours, [f[i:i + 1] for f in feats], [g])
        # loss_pos is divided by the number of gts (at least 1), loss_center
        # is a mean over images
        pos_sum = pos_sum + single['loss_pos'] * max(len(g), 1)
        center_sum = center_sum + single['loss_center']
    torch.testing.assert_close(batched['loss_pos'] * num_gts, pos_sum)
    torch.testing.assert_close(batched['loss_center'] * 3, center_sum)


def test_deterministic_with_several_threads():
    ours, _ = make_heads()
    feats, gt_instances = make_feats(3), batch_gts()
    prev = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        ref, _ = run_loss(ours, feats, gt_instances)
    finally:
        torch.set_num_threads(prev)
    losses, _ = head_parity.check_deterministic(ours, feats, gt_instances,
                                                metas(3))
    # and within 1e-6 of the single-thread result
    for k in ref:
        torch.testing.assert_close(losses[k], ref[k], rtol=1e-6, atol=0)


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_precision_outputs_give_finite_close_losses(dtype):
    """What AMP hands the loss: half-precision logits. The loss runs in fp32
    and stays close to the fp32 result."""
    ours, _ = make_heads()
    feats, gt_instances = make_feats(3), batch_gts()
    with torch.no_grad():
        cls, box, obj = ours(feats)
        ref = ours.loss_by_feat(cls, box, obj, gt_instances, metas(3))
        half = ours.loss_by_feat([c.to(dtype) for c in cls],
                                 [b.to(dtype) for b in box],
                                 [o.to(dtype) for o in obj], gt_instances,
                                 metas(3))
    for k in ref:
        assert half[k].dtype == torch.float32
        assert torch.isfinite(half[k])
        torch.testing.assert_close(half[k], ref[k], rtol=2e-2, atol=1e-3)


def test_loss_under_cpu_autocast_is_fp32_and_finite():
    ours, _ = make_heads()
    feats, gt_instances = make_feats(3), batch_gts()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        outs = ours(feats)
        losses = ours.loss_by_feat(*outs, gt_instances, metas(3))
    total = sum(losses.values())
    assert total.dtype == torch.float32 and torch.isfinite(total)
    total.backward()
    assert all(torch.isfinite(p.grad).all() for p in ours.parameters()
               if p.grad is not None)


def test_degenerate_boxes_are_finite(single_thread):
    """Zero-width, zero-area and out-of-image boxes: finite, same as mmdet."""
    gt_instances = [
        gts([[20, 20, 20, 40], [30, 30, 30, 30], [60, 60, 90, 90],
             [-10, -10, 5, 5]], [0, 1, 2, 0])
    ]
    for force_topk in (False, True):
        _, grads = check_matches_mmdet(make_feats(1), gt_instances,
                                       force_topk=force_topk)
        assert all(torch.isfinite(g).all() for g in grads.values())


def test_builds_from_registry_with_scope():
    from mmdet.registry import MODELS
    head = MODELS.build(dict(type='plugin.AutoAssignHead', **head_cfg()))
    assert type(head) is AutoAssignHead
    mm_head = MODELS.build(dict(type='AutoAssignHead', **head_cfg()))
    assert type(mm_head) is MMDetAutoAssignHead
