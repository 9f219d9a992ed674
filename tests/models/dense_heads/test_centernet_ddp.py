"""DDP: a rank whose images have no gt must not hang the others.

Two CPU processes (gloo) train CenterNetHead under DistributedDataParallel;
rank 0 has gts, rank 1 has none. The normaliser is all-reduced on every rank
and the empty rank's wh/offset losses still reach their branches, so both
ranks finish two iterations with identical (all-reduced) gradients.
"""
import torch
from ddp_runner import (assert_equal_grads, init_rank, run_ranks,
                        train_and_save_grads)


def _worker(rank: int, world_size: int, init_file: str, out_dir: str):
    import plugin  # noqa: F401
    from plugin.models.dense_heads import CenterNetHead

    init_rank(rank, world_size, init_file)
    torch.manual_seed(0)
    head = CenterNetHead(in_channels=1, feat_channels=2, num_classes=3)
    g = torch.Generator().manual_seed(rank)
    feats = [torch.randn(1, 1, 16, 16, generator=g)]
    train_and_save_grads(head, feats, [dict(batch_input_shape=(64, 64))],
                         rank, out_dir)


def test_rank_without_gts_does_not_deadlock(tmp_path):
    grads = run_ranks(_worker, tmp_path)
    assert_equal_grads(grads)
    # rank 0's gt reached the wh branch through the all-reduce
    assert grads[0]['wh_head.2.weight'].abs().sum() > 0
