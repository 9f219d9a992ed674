"""Host-sync budget of each head's forward + loss_by_feat + backward.

Counted on the CPU with ``OpCounter`` (a proxy for CUDA: the ops that would
block the host there). The budget per batch is the one documented read of
the gt check (``check_batch_gt``: labels in range, finite boxes), and none
at all for a batch without gts (nothing to check). The heads and inputs are
the 1-channel ones of the head tests (64x64 images).
"""
import pytest
import torch
# the 1-channel heads of the head tests (tests/ is on the path)
from models.dense_heads import test_autoassign_head as autoassign
from models.dense_heads import test_centernet_head as centernet
from models.dense_heads import test_rpn_head as rpn

import head_parity
from plugin.analysis.op_count import OpCounter

CHECK = 'plugin.models.utils.batch_gt:check_batch_gt'
WINDOW_READ = ('plugin.models.task_modules.assigners.max_iou_assigner:'
               'BatchMaxIoUAssigner._assign_windows')
AUTOASSIGN_PAIRS_READ = ('plugin.models.dense_heads.autoassign_head:'
                         'AutoAssignHead._window_loss')
# mmdet's rpn_r50_fpn sampler, so that the random draw runs (the RPN tests
# keep every anchor instead)
RPN_SAMPLER = dict(type='RandomSampler', num=256, pos_fraction=0.5,
                   neg_pos_ub=-1, add_gt_as_proposals=False)


def empty_gts(module):
    """An image without gts, as the head test builds one."""
    if module is rpn:
        return rpn.gts([])
    return module.gts([], [])


def make_head(module):
    if module is rpn:
        ours, _ = rpn.make_heads(train_cfg=rpn.train_cfg(RPN_SAMPLER))
    else:
        ours, _ = module.make_heads()
    return ours


def batch(module, case):
    """gts of a 2-image batch: ``'gts'`` both images with gts, ``'one
    empty'`` the second without, ``'none'`` no gt in the batch."""
    full = module.batch_gts()  # images 0 and 1 hold gts, image 2 none
    if case == 'gts':
        return full[:2]
    if case == 'one empty':
        return [full[0], empty_gts(module)]
    return [empty_gts(module), empty_gts(module)]


@pytest.mark.parametrize('case, expected', [
    ('gts', [CHECK]),
    ('one empty', [CHECK]),
    ('none', []),
])
@pytest.mark.parametrize('module', [autoassign, centernet, rpn],
                         ids=['autoassign', 'centernet', 'rpn'])
def test_only_sync_is_the_gt_check(module, case, expected):
    head = make_head(module)
    gt_instances = batch(module, case)
    feats = module.make_feats(len(gt_instances))
    metas = module.metas(len(gt_instances))
    torch.manual_seed(0)  # the RPN's sampler draws
    with OpCounter() as counter:
        losses, _ = head_parity.run_loss(head, feats, gt_instances, metas)
    assert [where for _, where in counter.syncs] == expected, \
        counter.summary()
    assert counter.total > 0  # the count saw the run
    assert all(torch.isfinite(v).all() for v in losses.values())


def test_rpn_window_assignment_reads_its_pair_count_once():
    """The assigner's window path sizes its chunks from one host read per
    batch (the rows of each width class, and whether any anchor is
    excluded), after the gt check; the sampler and losses add none."""
    head = make_head(rpn)
    head.assigner.mode = 'window'
    gt_instances = batch(rpn, 'gts')
    feats = rpn.make_feats(2)
    torch.manual_seed(0)
    with OpCounter() as counter:
        head_parity.run_loss(head, feats, gt_instances, rpn.metas(2))
    assert [where for _, where in counter.syncs] == [CHECK, WINDOW_READ], \
        counter.summary()


def test_autoassign_window_path_reads_its_pair_count_once():
    """On the window path the loss lists the (gt, point) pairs inside the
    boxes and the (point, gt) pairs of the IoU bands: one host read of the
    two numbers per batch, after the gt check."""
    head = make_head(autoassign)
    head.assign_mode = 'window'
    for case in ('gts', 'one empty'):
        gt_instances = batch(autoassign, case)
        with OpCounter() as counter:
            head_parity.run_loss(head, autoassign.make_feats(2),
                                 gt_instances, autoassign.metas(2))
        assert [where for _, where in counter.syncs] == [
            CHECK, AUTOASSIGN_PAIRS_READ
        ], counter.summary()
    head.center_prior.force_topk = True  # the topk candidates add none
    with OpCounter() as counter:
        head_parity.run_loss(head, autoassign.make_feats(2),
                             batch(autoassign, 'gts'), autoassign.metas(2))
    assert len(counter.syncs) == 2, counter.summary()


def test_centernet_radius_classes_read_their_sizes_once(monkeypatch):
    """Above ``CLASS_MIN_CELLS`` window cells the gaussians are drawn by
    radius class: one more host read (the classes' sizes), no other."""
    import plugin.models.utils.gaussian_target as gaussian_target
    monkeypatch.setattr(gaussian_target, 'CLASS_MIN_CELLS', 0)
    head = make_head(centernet)
    with OpCounter() as counter:
        head_parity.run_loss(head, centernet.make_feats(2),
                             batch(centernet, 'gts'), centernet.metas(2))
    assert [where for _, where in counter.syncs] == [
        CHECK, 'plugin.models.utils.gaussian_target:_draw_by_radius_class'
    ], counter.summary()
