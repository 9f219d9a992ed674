"""CenterNetHead: parity with mmdet 3.3.0, decoding with and without the
border key, empty and hostile inputs, AMP, determinism."""
import head_parity
import numpy as np
import pytest
import torch
from mmdet.models.dense_heads import CenterNetHead as MMDetCenterNetHead
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from plugin.models.dense_heads import CenterNetHead

IMG = 64  # input side; the head's map is 16 x 16 (stride 4)
MAP = 16
NUM_CLASSES = 3
TEST_CFG = ConfigDict(topk=20, local_maximum_kernel=3, max_per_img=10,
                      nms=dict(type='nms', iou_threshold=0.5))


def head_cfg(**overrides):
    """A 1-channel CenterNet head small enough for exact CPU comparisons."""
    cfg = dict(in_channels=1, feat_channels=2, num_classes=NUM_CLASSES,
               test_cfg=TEST_CFG)
    cfg.update(overrides)
    return cfg


def make_heads(scale=0.5, **overrides):
    """Our head and mmdet's, with the same randomised weights."""
    mm_cfg = head_cfg(**overrides)
    mm_cfg.pop('heatmap_clamp', None)  # plugin's argument only
    return head_parity.make_twin_heads(
        lambda: CenterNetHead(**head_cfg(**overrides)),
        lambda: MMDetCenterNetHead(**mm_cfg), scale)


def make_feats(num_imgs, seed=1, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(num_imgs, 1, MAP, MAP, generator=g) * scale]


def gts(boxes, labels):
    return InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.tensor(labels, dtype=torch.long))


def batch_gts():
    """Image 0: two overlapping class-1 boxes, a class-0 box and a box
    smaller than a cell; image 1: one box at the border; image 2: none."""
    return [
        gts([[4, 6, 40, 44], [20, 18, 60, 62], [30, 2, 58, 30],
             [21, 41, 23, 42]], [1, 1, 0, 2]),
        gts([[0, 0, 10, 14]], [2]),
        gts([], []),
    ]


def metas(num_imgs, **extra):
    return [
        dict(img_shape=(IMG, IMG), ori_shape=(IMG, IMG),
             pad_shape=(IMG, IMG), batch_input_shape=(IMG, IMG), **extra)
        for _ in range(num_imgs)
    ]


def check_matches_mmdet(feats, gt_instances, **head_overrides):
    ours, theirs = make_heads(**head_overrides)
    return head_parity.check_matches_mmdet(ours, theirs, feats, gt_instances,
                                           metas(len(gt_instances)))


def test_forward_matches_mmdet():
    ours, theirs = make_heads()
    feats = make_feats(2)
    for a, b in zip(ours(feats), theirs(feats)):
        assert torch.equal(a[0], b[0])


def test_losses_and_grads_match_mmdet():
    losses, _ = check_matches_mmdet(make_feats(3), batch_gts())
    assert all(v > 0 for v in losses.values())


def test_one_gt_matches_mmdet():
    check_matches_mmdet(make_feats(1), [gts([[8, 8, 56, 40]], [1])])


def test_shared_centre_cells_match_mmdet():
    # same class and cell twice (one peak), another class on the same cell
    gt_instances = [gts([[8, 8, 40, 24], [9, 9, 39, 23], [10, 10, 38, 22]],
                        [1, 1, 2])]
    check_matches_mmdet(make_feats(1), gt_instances)


def test_other_losses_match_mmdet():
    check_matches_mmdet(
        make_feats(2), batch_gts()[:2],
        loss_center_heatmap=dict(type='GaussianFocalLoss', alpha=3.0,
                                 gamma=2.0, pos_weight=2.0, loss_weight=0.5),
        loss_wh=dict(type='SmoothL1Loss', beta=0.5, loss_weight=0.2))


def test_non_fused_heatmap_loss_matches_mmdet():
    # any other heatmap loss is called as mmdet calls it
    check_matches_mmdet(
        make_feats(2), batch_gts()[:2],
        loss_center_heatmap=dict(type='MSELoss', loss_weight=2.0))


def test_clamp_is_the_original_centernet_loss():
    """heatmap_clamp=1e-4 equals mmdet's loss on the clamped heatmap (mmdet's
    1e-12 inside the logs changes nothing at p >= 1e-4), gradients too: none
    where the clamp bites."""
    clamp = 1e-4
    ours, theirs = make_heads(scale=3.0, heatmap_clamp=clamp)
    feats = make_feats(2, scale=4.0)
    heat = ours(feats)[0][0]
    assert (heat < clamp).any() and (heat > 1 - clamp).any()  # it bites

    def clamped(head, x):
        heat, wh, offset = head(x)
        return [heat[0].clamp(clamp, 1 - clamp)], wh, offset

    gt_instances = batch_gts()[:2]
    our_losses, our_grads = head_parity.run_loss(ours, feats, gt_instances,
                                                 metas(2))
    mm_losses, mm_grads = head_parity.run_loss(theirs, feats, gt_instances,
                                               metas(2), forward=clamped)
    head_parity.assert_same(our_losses, mm_losses)
    head_parity.assert_same(our_grads, mm_grads)
    unclamped, _ = head_parity.run_loss(make_heads(scale=3.0)[0], feats,
                                        gt_instances, metas(2))
    assert our_losses['loss_center_heatmap'] < \
        unclamped['loss_center_heatmap']


def test_empty_batch_gives_zero_connected_losses():
    losses, grads = check_matches_mmdet(make_feats(2),
                                        [gts([], []), gts([], [])])
    assert losses['loss_wh'] == 0 and losses['loss_offset'] == 0
    assert losses['loss_center_heatmap'] > 0
    ours, _ = make_heads()
    # every parameter takes part in the graph (DDP would hang otherwise)
    for name, _ in ours.named_parameters():
        assert name in grads and torch.isfinite(grads[name]).all()


def test_boxes_off_the_image_are_finite():
    """mmdet raises IndexError here; ours clips or drops the boxes."""
    ours, theirs = make_heads()
    gt_instances = [
        gts([[56, 20, 96, 28], [-40, 40, 8, 48], [70, 70, 90, 90],
             [20, 20, 20, 40], [30, 30, 30, 30]], [2, 1, 0, 1, 0])
    ]
    losses, grads = head_parity.run_loss(ours, make_feats(1), gt_instances,
                                         metas(1))
    assert all(torch.isfinite(v) for v in losses.values())
    assert all(torch.isfinite(g).all() for g in grads.values())
    with pytest.raises(IndexError):
        head_parity.run_loss(theirs, make_feats(1), gt_instances, metas(1))


def test_batched_equals_single_image_sums():
    """Images do not interact: with the normaliser undone, the batch's
    heatmap loss is the sum of the per-image ones."""
    ours, _ = make_heads()
    feats, gt_instances = make_feats(3), batch_gts()
    eps = torch.finfo(torch.float32).eps

    def heat_sum(f, g):
        losses, _ = head_parity.run_loss(ours, f, g, metas(len(g)))
        targets = ours.get_batch_targets(g, (MAP, MAP), (IMG, IMG),
                                         torch.device('cpu'))
        return losses['loss_center_heatmap'] * (
            targets.num_peaks.clamp(min=1) + eps)

    singles = sum(heat_sum([f[i:i + 1] for f in feats], [g])
                  for i, g in enumerate(gt_instances))
    torch.testing.assert_close(heat_sum(feats, gt_instances), singles)


def test_deterministic_with_several_threads():
    ours, _ = make_heads()
    head_parity.check_deterministic(ours, make_feats(3), batch_gts(), metas(3))


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_precision_saturated_outputs_give_finite_losses(dtype):
    """What AMP can hand the loss: half-precision maps whose heatmap is
    exactly 0 or 1 in places (saturated logits). The loss runs in fp32 and
    stays finite and close to the fp32 result."""
    ours, _ = make_heads()
    gt_instances = batch_gts()
    with torch.no_grad():
        heat, wh, offset = ours(make_feats(3))
        heat[0][0, 0, :4] = 1.0  # saturated, on background
        heat[0][0, 1, :4] = 0.0
        ref = ours.loss_by_feat(heat, wh, offset, gt_instances, metas(3))
        half = ours.loss_by_feat([h.to(dtype) for h in heat],
                                 [w.to(dtype) for w in wh],
                                 [o.to(dtype) for o in offset],
                                 gt_instances, metas(3))
    for k in ref:
        assert half[k].dtype == torch.float32 and torch.isfinite(half[k])
        torch.testing.assert_close(half[k], ref[k], rtol=2e-2, atol=1e-3)


def test_saturated_logits_under_autocast_give_finite_gradients():
    """Logits far beyond fp16's sigmoid range: the heatmap is computed in
    fp32, so the gradients reaching the convolutions stay finite."""
    ours, _ = make_heads(scale=20.0)
    feats = [f.requires_grad_() for f in make_feats(3, scale=20.0)]
    with torch.autocast('cpu', dtype=torch.bfloat16):
        outs = ours(feats)
        assert outs[0][0].dtype == torch.float32
        assert ((outs[0][0] == 1) | (outs[0][0] == 0)).any()
        losses = ours.loss_by_feat(*outs, batch_gts(), metas(3))
    total = sum(losses.values())
    assert total.dtype == torch.float32 and torch.isfinite(total)
    total.backward()
    assert all(torch.isfinite(p.grad).all() for p in ours.parameters())
    assert torch.isfinite(feats[0].grad).all()


def predict(head, feats, img_metas, **kwargs):
    head.eval()
    with torch.no_grad():
        return head.predict_by_feat(*head(feats), batch_img_metas=img_metas,
                                    **kwargs)


@pytest.mark.parametrize('rescale', [False, True])
def test_predictions_match_mmdet_with_border(rescale):
    ours, theirs = make_heads()
    feats = make_feats(3)
    img_metas = metas(3)
    for i, meta in enumerate(img_metas):  # RandomCenterCropPad's keys
        meta['border'] = np.array([4. * i, 60., 2. * i, 62.],
                                  dtype=np.float32)
        meta['scale_factor'] = (0.5 + i, 2.0)
    our_res = predict(ours, feats, img_metas, rescale=rescale)
    mm_res = predict(theirs, feats, img_metas, rescale=rescale)
    for a, b in zip(our_res, mm_res):
        assert len(a) == TEST_CFG.topk
        assert torch.equal(a.bboxes, b.bboxes)
        assert torch.equal(a.scores, b.scores)
        assert torch.equal(a.labels, b.labels)


def test_predictions_without_border_key():
    """mmdet raises KeyError: 'border' with any pipeline but
    RandomCenterCropPad; ours reads the border as 0."""
    ours, theirs = make_heads()
    feats = make_feats(2)
    with pytest.raises(KeyError, match='border'):
        predict(theirs, feats, metas(2))
    res = predict(ours, feats, metas(2))
    ref = predict(theirs, feats, metas(2, border=(0., 0., 0., 0.)))
    for a, b in zip(res, ref):
        assert torch.equal(a.bboxes, b.bboxes)
        assert torch.equal(a.labels, b.labels)


def test_predictions_with_nms_match_mmdet():
    ours, theirs = make_heads()
    feats = make_feats(2)
    img_metas = metas(2, border=(0., 0., 0., 0.))
    our_res = predict(ours, feats, img_metas, with_nms=True)
    mm_res = predict(theirs, feats, img_metas, with_nms=True)
    for a, b in zip(our_res, mm_res):
        assert 0 < len(a) <= TEST_CFG.max_per_img
        torch.testing.assert_close(a.bboxes, b.bboxes)
        torch.testing.assert_close(a.scores, b.scores)
        assert torch.equal(a.labels, b.labels)


def test_perfect_targets_decode_to_the_gt_boxes():
    """Round trip: the target heatmap, wh and offset maps decode to the gt
    boxes (score 1) in input pixels."""
    ours, _ = make_heads()
    boxes = [[4, 6, 40, 44], [30, 2, 58, 30], [21, 41, 23, 42],
             [44, 40, 63, 63]]
    labels = [1, 0, 2, 1]
    targets = ours.get_batch_targets([gts(boxes, labels)], (MAP, MAP),
                                     (IMG, IMG), torch.device('cpu'))
    wh, offset, _ = targets.dense_regression_targets()
    res = ours.predict_by_feat([targets.heatmap], [wh], [offset],
                               batch_img_metas=metas(1), rescale=False)[0]
    found = res[res.scores == 1]
    assert len(found) == len(boxes)
    order = found.bboxes[:, 0].argsort()
    expected = torch.tensor(boxes, dtype=torch.float32)
    exp_order = expected[:, 0].argsort()
    torch.testing.assert_close(found.bboxes[order], expected[exp_order])
    assert found.labels[order].tolist() == \
        torch.tensor(labels)[exp_order].tolist()


def test_state_dict_round_trip_is_strict():
    head_parity.check_state_dicts_load_both_ways(
        *make_heads(), CenterNetHead(**head_cfg()),
        MMDetCenterNetHead(**head_cfg()))


def test_init_weights_match_mmdet():
    head_parity.check_init_weights_match_mmdet(
        lambda: CenterNetHead(**head_cfg()),
        lambda: MMDetCenterNetHead(**head_cfg()))


def test_builds_from_registry_with_scope():
    from mmdet.registry import MODELS
    head = MODELS.build(dict(type='plugin.CenterNetHead', **head_cfg()))
    assert type(head) is CenterNetHead
    assert type(head).__module__.startswith('plugin.')
    mm_head = MODELS.build(dict(type='CenterNetHead', **head_cfg()))
    assert type(mm_head) is MMDetCenterNetHead


def test_clamp_out_of_range_is_refused():
    with pytest.raises(ValueError, match='heatmap_clamp'):
        CenterNetHead(**head_cfg(heatmap_clamp=0.7))


def test_target_generator_options_from_the_config():
    """min_overlap and the window budget are config options of the head
    (mmdet's 0.3 by default): a 16 x 16 cell box has radius 3 at 0.3 and 1
    at 0.7 (CornerNet's case 2 is the smallest in both:
    (64 - sqrt(64^2 - 16 * 0.7 * 256)) / 8 = 3.62 and
    (64 - sqrt(64^2 - 16 * 0.3 * 256)) / 8 = 1.31)."""
    from mmdet.registry import MODELS
    default = MODELS.build(dict(type='plugin.CenterNetHead', **head_cfg()))
    assert default.target_generator.min_overlap == 0.3
    tight = MODELS.build(
        dict(type='plugin.CenterNetHead',
             target_generator=dict(type='plugin.CenterNetTarget',
                                   min_overlap=0.7, window_budget=64),
             **head_cfg()))
    assert tight.target_generator.min_overlap == 0.7
    assert tight.target_generator.window_budget == 64
    box = [[0., 0., 16. * IMG / MAP, 16. * IMG / MAP]]
    radii = [
        head.get_batch_targets([gts(box, [0])], (MAP, MAP), (IMG, IMG),
                               torch.device('cpu')).radius.item()
        for head in (default, tight)
    ]
    assert radii == [3, 1]
