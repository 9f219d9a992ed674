"""DDP: a rank whose images have no gt must not hang the others.

Two CPU processes (gloo) train RPNHead under DistributedDataParallel with
mmdet's 256-anchor sampler; rank 0 has a gt, rank 1 none. The avg_factor is
all-reduced on every rank and the empty rank's box loss still reaches its
branch (the gathered slots), so both ranks finish two iterations with
identical (all-reduced) gradients.
"""
import torch
from ddp_runner import (assert_equal_grads, init_rank, run_ranks,
                        train_and_save_grads)


def _worker(rank: int, world_size: int, init_file: str, out_dir: str):
    import plugin  # noqa: F401
    from mmengine.config import ConfigDict

    from plugin.models.dense_heads import RPNHead

    init_rank(rank, world_size, init_file)
    torch.manual_seed(0)
    train_cfg = ConfigDict(
        assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.7,
                      neg_iou_thr=0.3, min_pos_iou=0.3),
        sampler=dict(type='RandomSampler', num=256, pos_fraction=0.5,
                     neg_pos_ub=-1, add_gt_as_proposals=False),
        allowed_border=-1, pos_weight=-1, debug=False)
    head = RPNHead(
        in_channels=1, feat_channels=2, train_cfg=train_cfg,
        anchor_generator=dict(type='AnchorGenerator', scales=[2, 4],
                              ratios=[0.5, 1., 2.], strides=[4, 8]))
    g = torch.Generator().manual_seed(rank)
    feats = [torch.randn(1, 1, 16, 16, generator=g),
             torch.randn(1, 1, 8, 8, generator=g)]
    meta = dict(img_shape=(64, 64), pad_shape=(64, 64),
                batch_input_shape=(64, 64))
    train_and_save_grads(head, feats, [meta], rank, out_dir)


def test_rank_without_gts_does_not_deadlock(tmp_path):
    grads = run_ranks(_worker, tmp_path)
    assert_equal_grads(grads)
    # rank 0's gt reached the regression branch through the all-reduce
    assert grads[0]['rpn_reg.weight'].abs().sum() > 0
