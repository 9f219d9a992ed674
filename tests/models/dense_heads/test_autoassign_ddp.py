"""DDP: a rank whose images have no gt must not hang the others.

Two CPU processes (gloo) train the head under DistributedDataParallel; rank
0 has gts, rank 1 has none. Both normalisers are all-reduced on every rank
and the empty rank's losses still reach every parameter, so both ranks
finish two iterations with identical (all-reduced) gradients.
"""
import torch
from ddp_runner import (assert_equal_grads, init_rank, run_ranks,
                        train_and_save_grads)


def _worker(rank: int, world_size: int, init_file: str, out_dir: str):
    import plugin  # noqa: F401
    from plugin.models.dense_heads import AutoAssignHead

    init_rank(rank, world_size, init_file)
    torch.manual_seed(0)
    head = AutoAssignHead(
        num_classes=3, in_channels=1, feat_channels=2, stacked_convs=1,
        strides=(8, 16), norm_cfg=dict(type='GN', num_groups=1),
        loss_bbox=dict(type='GIoULoss', loss_weight=5.0))
    g = torch.Generator().manual_seed(rank)
    feats = [torch.randn(1, 1, 64 // s, 64 // s, generator=g) for s in (8, 16)]
    train_and_save_grads(head, feats, [dict()], rank, out_dir)


def test_rank_without_gts_does_not_deadlock(tmp_path):
    grads = run_ranks(_worker, tmp_path)
    assert_equal_grads(grads)
    assert grads[0]['center_prior.mean'].abs().sum() > 0  # rank 0's gt counted
