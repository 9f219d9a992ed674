"""AutoAssignHead's window path (``assign_mode='window'``): the same losses
and gradients as the dense path and as mmdet 3.3.0, on hand-made and random
layouts, and the rule that picks the path.

Tolerances: losses to 1e-6 relative (``loss_neg`` sums the same terms in
another order: 1 ulp apart). Gradients to 1e-5 of each tensor's largest
entry: the parameters' gradients are float32 sums over every point, and
the two paths add a point's terms over its gts in another order. On the
random layouts below window and dense differ by up to 3.9e-6 of the
largest entry, and the dense path and mmdet by up to 3.2e-6: the same
float32 noise floor.
"""
import head_parity
import pytest
import torch
from ddp_runner import (assert_equal_grads, init_rank, run_ranks,
                        train_and_save_grads)
from mmengine.structures import InstanceData
from models.dense_heads.test_autoassign_head import (IMG, NUM_CLASSES,
                                                      batch_gts, gts,
                                                      head_cfg, make_feats,
                                                      make_heads, metas)

from plugin.models.dense_heads import AutoAssignHead
from plugin.models.dense_heads.autoassign_head import (AUTO_MIN_TRIPLES,
                                                      AUTO_MIN_TRIPLES_CPU)


def run(head, mode, feats, gt_instances):
    head.assign_mode = mode
    return head_parity.run_loss(head, feats, gt_instances,
                                metas(len(gt_instances)))


def assert_window_equals_dense(gt_instances, **overrides):
    head, _ = make_heads(**overrides)
    feats = make_feats(len(gt_instances))
    dense, dense_grads = run(head, 'dense', feats, gt_instances)
    window, window_grads = run(head, 'window', feats, gt_instances)
    for k in dense:
        torch.testing.assert_close(window[k], dense[k], rtol=1e-6, atol=0)
    assert window_grads.keys() == dense_grads.keys()
    for name, ref in dense_grads.items():
        scale = ref.abs().max().clamp(min=1e-30)
        err = (window_grads[name] - ref).abs().max() / scale
        assert err <= 1e-5, (name, err.item())
    return window


def random_layout(num_gts, g):
    """Boxes from 0.5 px (between the grid points) to 30 px, some reaching
    5 px beyond the 64 px image, three classes (same-class overlaps)."""
    xy = torch.rand(num_gts, 2, generator=g) * 70 - 5
    wh = torch.rand(num_gts, 2, generator=g) * 30 + 0.5
    return InstanceData(
        bboxes=torch.cat([xy, xy + wh], dim=1),
        labels=torch.randint(0, NUM_CLASSES, (num_gts, ), generator=g))


@pytest.mark.parametrize('force_topk', [False, True])
def test_hand_made_batch_equals_dense(single_thread, force_topk):
    # overlapping same-class boxes, one box, an image without gts
    losses = assert_window_equals_dense(batch_gts(), force_topk=force_topk)
    assert all(v > 0 for v in losses.values())


@pytest.mark.parametrize('seed', [0, 1, 2])
@pytest.mark.parametrize('force_topk', [False, True])
def test_random_layouts_equal_dense(single_thread, seed, force_topk):
    g = torch.Generator().manual_seed(seed)
    layout = [random_layout(n, g) for n in (12, 0, 5)]
    assert_window_equals_dense(layout, force_topk=force_topk)


def test_degenerate_and_outside_boxes_equal_dense(single_thread):
    layout = [
        gts([[20, 20, 20, 40], [30, 30, 30, 30], [60, 60, 90, 90],
             [-10, -10, 5, 5], [9, 9, 12, 12]], [0, 1, 2, 0, 1])
    ]
    for force_topk in (False, True):
        assert_window_equals_dense(layout, force_topk=force_topk)


@pytest.mark.parametrize('loss_bbox', [
    dict(type='IoULoss', loss_weight=1.0),
    dict(type='GIoULoss', loss_weight=2.0, eps=1e-7),
])
def test_other_box_losses_equal_dense(single_thread, loss_bbox):
    assert_window_equals_dense(batch_gts(), loss_bbox=loss_bbox)


@pytest.mark.parametrize('force_topk', [False, True])
def test_window_path_matches_mmdet(single_thread, force_topk):
    ours, theirs = make_heads(force_topk=force_topk)
    ours.assign_mode = 'window'
    g = torch.Generator().manual_seed(5)
    layout = batch_gts()[:2] + [random_layout(9, g)]
    head_parity.check_matches_mmdet(ours, theirs, make_feats(3), layout,
                                    metas(3))


def test_window_batched_equals_single_image_sums(single_thread):
    head, _ = make_heads()
    feats, layout = make_feats(3), batch_gts()
    batched, _ = run(head, 'window', feats, layout)
    pos_sum = center_sum = 0
    for i, g in enumerate(layout):
        single, _ = run(head, 'window', [f[i:i + 1] for f in feats], [g])
        pos_sum = pos_sum + single['loss_pos'] * max(len(g), 1)
        center_sum = center_sum + single['loss_center']
    num_gts = sum(len(g) for g in layout)
    torch.testing.assert_close(batched['loss_pos'] * num_gts, pos_sum)
    torch.testing.assert_close(batched['loss_center'] * 3, center_sum)


def test_rule_picks_the_path():
    head = AutoAssignHead(**head_cfg())
    assert head.assign_mode == 'auto'
    points = (IMG // 8)**2 + (IMG // 16)**2  # 80
    assert not head.uses_windows('cpu', 2, points, 3)  # the head tests
    assert head.uses_windows('cpu', 1, AUTO_MIN_TRIPLES_CPU, 1)
    assert not head.uses_windows('cpu', 1, AUTO_MIN_TRIPLES_CPU - 1, 1)
    assert not head.uses_windows('cpu', 8, 10**6, 0)  # nothing to list
    assert head.uses_windows('cuda', 1, AUTO_MIN_TRIPLES, 1)
    assert not head.uses_windows('cuda', 1, AUTO_MIN_TRIPLES - 1, 1)
    head.assign_mode = 'window'
    assert head.uses_windows('cuda', 1, 1, 1)
    assert not head.uses_windows('cuda', 1, 1, 0)
    head.assign_mode = 'dense'
    assert not head.uses_windows('cpu', 8, 10**6, 1000)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match='assign_mode'):
        AutoAssignHead(**head_cfg(assign_mode='sparse'))


def _window_worker(rank: int, world_size: int, init_file: str,
                   out_dir: str):
    import plugin  # noqa: F401
    from plugin.models.dense_heads import AutoAssignHead

    init_rank(rank, world_size, init_file)
    torch.manual_seed(0)
    head = AutoAssignHead(
        num_classes=3, in_channels=1, feat_channels=2, stacked_convs=1,
        strides=(8, 16), norm_cfg=dict(type='GN', num_groups=1),
        loss_bbox=dict(type='GIoULoss', loss_weight=5.0),
        assign_mode='window')
    g = torch.Generator().manual_seed(rank)
    feats = [torch.randn(1, 1, 64 // s, 64 // s, generator=g) for s in (8, 16)]
    train_and_save_grads(head, feats, [dict()], rank, out_dir)


def test_ddp_rank_without_gts_beside_a_window_rank(tmp_path):
    """Rank 0 takes the window path, rank 1 (no gts) the dense one: both
    all-reduce the same normalisers in the same order, no deadlock."""
    grads = run_ranks(_window_worker, tmp_path)
    assert_equal_grads(grads)
    assert grads[0]['center_prior.mean'].abs().sum() > 0
