"""DDP: a rank whose images have no gt must not hang the others.

Two CPU processes (gloo) train the head under DistributedDataParallel; rank
0 has gts, rank 1 has none. Both normalisers are all-reduced on every rank
and the empty rank's losses still reach every parameter, so both ranks
finish two iterations with identical (all-reduced) gradients.
"""
import multiprocessing
import os.path as osp

import torch

TIMEOUT_S = 180


def _worker(rank: int, world_size: int, init_file: str, out_dir: str):
    import torch.distributed as dist
    from mmengine.structures import InstanceData
    from torch.nn.parallel import DistributedDataParallel

    import plugin  # noqa: F401
    from plugin.models.dense_heads import AutoAssignHead

    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=world_size)
    torch.manual_seed(0)
    head = AutoAssignHead(
        num_classes=3, in_channels=1, feat_channels=2, stacked_convs=1,
        strides=(8, 16), norm_cfg=dict(type='GN', num_groups=1),
        loss_bbox=dict(type='GIoULoss', loss_weight=5.0))
    ddp = DistributedDataParallel(head)
    if rank == 0:
        gts = [InstanceData(bboxes=torch.tensor([[4., 6., 40., 44.]]),
                            labels=torch.tensor([1]))]
    else:
        gts = [InstanceData(bboxes=torch.zeros(0, 4),
                            labels=torch.zeros(0, dtype=torch.long))]
    g = torch.Generator().manual_seed(rank)
    feats = [torch.randn(1, 1, 64 // s, 64 // s, generator=g) for s in (8, 16)]
    for _ in range(2):
        head.zero_grad()
        outs = ddp(feats)
        losses = head.loss_by_feat(*outs, gts, [dict()])
        sum(losses.values()).backward()
    grads = {n: p.grad.clone() for n, p in head.named_parameters()}
    torch.save(grads, osp.join(out_dir, f'grads{rank}.pth'))
    dist.destroy_process_group()


def test_rank_without_gts_does_not_deadlock(tmp_path):
    ctx = multiprocessing.get_context('spawn')
    init_file = str(tmp_path / 'init')
    procs = [
        ctx.Process(target=_worker,
                    args=(rank, 2, init_file, str(tmp_path)))
        for rank in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(TIMEOUT_S)
    hung = [p for p in procs if p.is_alive()]
    for p in hung:
        p.terminate()
    assert not hung, f'DDP ranks still running after {TIMEOUT_S} s'
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    g0 = torch.load(str(tmp_path / 'grads0.pth'))
    g1 = torch.load(str(tmp_path / 'grads1.pth'))
    assert g0.keys() == g1.keys()
    for name in g0:  # DDP all-reduced them: the same on both ranks
        torch.testing.assert_close(g0[name], g1[name], msg=name)
    assert g0['center_prior.mean'].abs().sum() > 0  # rank 0's gt counted
