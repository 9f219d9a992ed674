"""Run a head under DistributedDataParallel in CPU processes (gloo).

Shared by the DDP tests of the heads: ``run_ranks`` starts one spawned
process per rank, fails the test if any is still running after the timeout
(a deadlock) or exits non-zero, and returns what each rank saved.
"""
import multiprocessing
import os.path as osp
from typing import Callable, Dict, List

import torch

TIMEOUT_S = 180


def init_rank(rank: int, world_size: int, init_file: str) -> None:
    """Join the gloo process group (call first in the worker)."""
    import torch.distributed as dist
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=world_size)


def rank_gts(rank: int) -> list:
    """One image per rank: rank 0 holds one gt (class 0, valid for every
    head, the RPN included), every other rank none."""
    from mmengine.structures import InstanceData
    if rank == 0:
        return [InstanceData(bboxes=torch.tensor([[4., 6., 40., 44.]]),
                             labels=torch.tensor([0]))]
    return [InstanceData(bboxes=torch.zeros(0, 4),
                         labels=torch.zeros(0, dtype=torch.long))]


def _train(head: torch.nn.Module, feats: List[torch.Tensor], gts: list,
           img_metas: List[dict], steps: int) -> None:
    """``steps`` loss + backward passes through a DDP wrapper that lives
    only in this function."""
    from head_parity import total_loss
    from torch.nn.parallel import DistributedDataParallel
    ddp = DistributedDataParallel(head)
    for _ in range(steps):
        head.zero_grad()
        losses = head.loss_by_feat(*ddp(feats), gts, img_metas)
        total_loss(losses).backward()


def train_and_save_grads(head: torch.nn.Module, feats: List[torch.Tensor],
                         img_metas: List[dict], rank: int, out_dir: str,
                         steps: int = 2) -> None:
    """Train ``head`` under DDP on this rank's gts (:func:`rank_gts`), save
    its gradients for the parent to compare, and leave the process group
    (call last in the worker).

    The DDP wrapper and the graph are gone before the process group is
    destroyed: destroying it while DDP's reducer was alive hung a rank at
    exit now and then (seen here with gloo on CPU, 1 run in 7).
    """
    import torch.distributed as dist
    _train(head, feats, rank_gts(rank), img_metas, steps)
    grads = {n: p.grad.clone() for n, p in head.named_parameters()}
    torch.save(grads, osp.join(out_dir, f'grads{rank}.pth'))
    dist.destroy_process_group()


def run_ranks(worker: Callable, tmp_path, world_size: int = 2
              ) -> List[Dict[str, torch.Tensor]]:
    """Run ``worker(rank, world_size, init_file, out_dir)`` on every rank.

    ``worker`` must be a module-level function (it is pickled for spawn).

    Returns:
        list[dict]: the gradients each rank saved with
        :func:`train_and_save_grads`.
    """
    ctx = multiprocessing.get_context('spawn')
    init_file = str(tmp_path / 'init')
    procs = [
        ctx.Process(target=worker,
                    args=(rank, world_size, init_file, str(tmp_path)))
        for rank in range(world_size)
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
    return [
        torch.load(str(tmp_path / f'grads{rank}.pth'))
        for rank in range(world_size)
    ]


def assert_equal_grads(grads: List[Dict[str, torch.Tensor]]) -> None:
    """DDP all-reduced the gradients: every rank holds the same."""
    first = grads[0]
    for other in grads[1:]:
        assert first.keys() == other.keys()
        for name in first:
            torch.testing.assert_close(first[name], other[name], msg=name)
