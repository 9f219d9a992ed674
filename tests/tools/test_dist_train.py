"""tools/dist_train.sh and tools/dist_test.sh on the CPU: 2 processes with
batch b equal 1 process with batch 2b.

Both runs start from the same weights (seed 0; DDP broadcasts rank 0's) and
see the same images in the same order: the DefaultSampler shuffles with the
config's seed, and rank r takes every other image of that order, so step k
of the two ranks together is step k of one process. What would make them
differ is switched off, each for a stated reason:

* BN's batch statistics are each process's own (SyncBN needs CUDA), so the
  backbone's BN uses its running statistics (``norm_eval=True``);
* RandomFlip draws per process, so the train pipeline has no flip;
* AspectRatioBatchSampler groups each rank's images by orientation on its
  own, so batches are plain consecutive images;
* the RPN's RandomSampler draws 256 anchors an image from each process's
  generator: the test samples every anchor (``num`` above the anchor
  count), and the RoI head every proposal (the Faster R-CNN test). mmdet's
  RoI head divides by each process's own sample count, not the ranks'
  mean; the two agree here because each image keeps as many proposals
  (``max_per_img``) after NMS;
* SGD, not AdamW: Adam's first step is ``lr * sign(grad)``, which flips on
  float noise where a gradient is near 0; SGD's update is linear in it.

Tolerances: the ranks' losses sum images in another order and DDP sums two
gradient halves, so values agree to float32 reduction error, not bitwise.
Measured: losses within 2e-7 relative, weights after 3 steps within 1.5e-8
(AutoAssign, RPN), 1e-9 (CenterNet) and 7.5e-9 (Faster R-CNN). The bounds
(1e-5 relative, 1e-6 absolute) leave room for other CPUs' kernels and stay
far below a real difference: a normaliser not averaged over the ranks, or
one image missing, moves a loss by percent.
"""
import json
import os.path as osp
import re
import sys

import pytest
import torch

from tool_runner import (ROOT, checkpoint_weights, data_options, free_port,
                         run)

HERE = osp.dirname(osp.abspath(__file__))
STEPS = 3  # SGD steps compared: 12 images, batch 4 (2 x 2 per rank)

# a child of each shapes config, with what would differ switched off
CHILD = '''
_base_ = {base!r}
custom_imports = dict(imports=['plugin', 'rank_losses'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='plugin.RNGStateHook'), dict(type='RankLossesHook')]
model = dict(backbone=dict(norm_eval=True){model})
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.01, momentum=0.9,
                   weight_decay=1e-4))
train_dataloader = dict(
    batch_sampler=None,
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='Resize', scale=(320, 320), keep_ratio=True),
        dict(type='PackDetInputs')]))
# one image a batch: a batch pads its images to one size, so predictions
# would depend on which images share a batch
val_dataloader = dict(batch_size=1)
test_dataloader = dict(batch_size=1)
train_cfg = dict(val_interval=100)
'''
# every anchor / proposal sampled: no random draw
ALL_ANCHORS = ", train_cfg=dict(rpn=dict(sampler=dict(num=1000000)))"
ALL_PROPOSALS = (", train_cfg=dict(rpn=dict(sampler=dict(num=1000000)), "
                 "rcnn=dict(sampler=dict(num=1000000, "
                 "add_gt_as_proposals=False)))")

CASES = {
    'autoassign_shapes.py': ('', 'coco/bbox_mAP'),
    'centernet_shapes.py': ('', 'coco/bbox_mAP'),
    'rpn_shapes.py': (ALL_ANCHORS, 'coco/AR@100'),
    'faster_rcnn_shapes.py': (ALL_PROPOSALS, 'coco/bbox_mAP'),
}


def _env():
    return dict(PYTHON=sys.executable, PORT=str(free_port()),
                PYTHONPATH=HERE, OMP_NUM_THREADS='1')


def _losses(work_dir, ranks):
    rows = [json.load(open(osp.join(work_dir, f'losses_rank{r}.json')))
            for r in range(ranks)]
    return [{k: sum(rank[i][k] for rank in rows) / ranks
             for k in rows[0][i]} for i in range(len(rows[0]))]


def _metric_lines(out, metric):
    return re.findall(re.escape(metric) + r': [\d.]+', out)


def _train_one_and_two(config, tmp_path, opts):
    """train.py at batch 4 and dist_train.sh with 2 processes at batch 2;
    the two work dirs."""
    one, two = str(tmp_path / 'one'), str(tmp_path / 'two')
    run([sys.executable, 'tools/train.py', config, '--work-dir', one,
         '--cfg-options', *opts, 'train_dataloader.batch_size=4'],
        env=_env())
    out = run(['bash', 'tools/dist_train.sh', config, '2', '--work-dir', two,
               '--cfg-options', *opts, 'train_dataloader.batch_size=2'],
              env=_env())
    assert 'Distributed training: True' in out, out[-2000:]
    return one, two


def _assert_same_training(one, two):
    """The logged losses (one process's = the mean of the two ranks') and
    the weights after the steps."""
    single, ranks = _losses(one, 1), _losses(two, 2)
    assert len(single) == len(ranks) == STEPS
    for step, (a, b) in enumerate(zip(single, ranks)):
        for key in a:
            if key.startswith('loss') or key == 'acc':
                assert b[key] == pytest.approx(a[key], rel=1e-5, abs=1e-6), \
                    (step, key, a[key], b[key])
    wa = checkpoint_weights(osp.join(one, 'epoch_1.pth'))
    wb = checkpoint_weights(osp.join(two, 'epoch_1.pth'))
    assert wa.keys() == wb.keys()
    for key in wa:
        torch.testing.assert_close(wb[key], wa[key], rtol=1e-5, atol=1e-6,
                                   msg=key)


@pytest.mark.parametrize('name', list(CASES))
def test_two_processes_equal_one(name, shapes_root, tmp_path):
    model, metric = CASES[name]
    config = str(tmp_path / name)
    with open(config, 'w') as f:
        f.write(CHILD.format(base=osp.join(ROOT, 'configs', 'shapes', name),
                             model=model))
    opts = data_options(shapes_root, 1, num_train=12)
    one, two = _train_one_and_two(config, tmp_path, opts)
    _assert_same_training(one, two)

    # dist_test.sh: the same metric from 2 processes as from 1
    ckpt = osp.join(one, 'epoch_1.pth')
    py = sys.executable
    out1 = run([py, 'tools/test.py', config, ckpt, '--work-dir',
                str(tmp_path / 'test1'), '--cfg-options', *opts], env=_env())
    out2 = run(['bash', 'tools/dist_test.sh', config, ckpt, '2',
                '--work-dir', str(tmp_path / 'test2'), '--cfg-options',
                *opts], env=_env())
    assert _metric_lines(out1, metric), out1[-2000:]
    assert _metric_lines(out2, metric) == _metric_lines(out1, metric)


# SiamRPN: its pairs, crops and augmentations draw from numpy's generator
# as they load; plugin.PerSampleSeedSampler/-Dataset key the draws by
# (seed, epoch, index), so a pair is the same whichever process loads it.
# Both BatchNorms (backbone and correlation head) on running statistics,
# every anchor sampled (SiamRPN's 16 of 64 draw per process), SGD.
SIAM_CHILD = '''
_base_ = {base!r}
custom_imports = dict(imports=['plugin', 'rank_losses'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='plugin.RNGStateHook'), dict(type='RankLossesHook'),
                dict(type='FrozenBatchNormHook')]
model = dict(train_cfg=dict(sampler=dict(pos_num=1000000, neg_num=1000000)))
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.01, momentum=0.9,
                   weight_decay=1e-4))
train_dataloader = dict(
    sampler=dict(type='plugin.PerSampleSeedSampler', shuffle=True),
    dataset=dict(_delete_=True, type='plugin.PerSampleSeedDataset',
                 dataset={{{{_base_.train_dataloader.dataset}}}}))
train_cfg = dict(val_begin=100, val_interval=100)
'''


def test_siamrpn_two_processes_equal_one(tmp_path):
    config = str(tmp_path / 'siamrpn_shapes.py')
    with open(config, 'w') as f:
        f.write(SIAM_CHILD.format(
            base=osp.join(ROOT, 'configs', 'siamrpn', 'siamrpn_shapes.py')))
    shapes, videos = f'{tmp_path}/shapes/', f'{tmp_path}/videos/'
    pairs = 'train_dataloader.dataset.dataset.datasets'
    # 4 video pairs + 8 image pairs: 12 pairs, 3 steps of 4
    opts = [
        f'shapes_dataset.out_dir={shapes}', 'shapes_dataset.num_train=8',
        'shapes_dataset.num_val=0', 'shapes_dataset.num_test=0',
        f'shapes_tracking.out_dir={videos}',
        'shapes_tracking.splits.train=2', 'shapes_tracking.splits.val=1',
        'shapes_tracking.splits.test=3', 'shapes_tracking.num_frames=12',
        f'{pairs}.0.data_root={videos}train/', f'{pairs}.0.num_pairs=4',
        f'{pairs}.1.dataset.data_root={shapes}', f'{pairs}.1.times=1',
        f'val_dataloader.dataset.data_root={videos}val/',
        f'test_dataloader.dataset.data_root={videos}test/',
        # one video a batch: the same batches whatever the process count
        'test_dataloader.batch_size=1', 'train_cfg.max_epochs=1'
    ] + [f'{loader}_dataloader.{key}' for loader in ('train', 'val', 'test')
         for key in ('num_workers=0', 'persistent_workers=False')]
    one, two = _train_one_and_two(config, tmp_path, opts)
    _assert_same_training(one, two)

    # dist_test.sh: the same one-pass figures from 2 processes as from 1
    # (3 videos: rank 1 also tracks a padding copy, which the metric drops)
    ckpt = osp.join(one, 'epoch_1.pth')
    out1 = run([sys.executable, 'tools/test.py', config, ckpt, '--work-dir',
                str(tmp_path / 'test1'), '--cfg-options', *opts], env=_env())
    out2 = run(['bash', 'tools/dist_test.sh', config, ckpt, '2',
                '--work-dir', str(tmp_path / 'test2'), '--cfg-options',
                *opts], env=_env())
    for metric in ('ope/success', 'ope/precision', 'ope/norm_precision'):
        assert _metric_lines(out1, metric), out1[-2000:]
        assert _metric_lines(out2, metric) == _metric_lines(out1, metric)
