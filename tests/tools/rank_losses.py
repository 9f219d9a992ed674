"""Test-only hooks: each rank writes the losses it logs, iteration by
iteration, to ``work_dir/losses_rank{rank}.json``; BatchNorms kept on their
running statistics.

mmengine logs rank 0's losses only, and a rank's loss is its share of the
batch: with normalisers averaged over the ranks, the mean of the ranks'
losses is the loss one process computes on the whole batch. Imported by the
configs of ``test_dist_train.py`` through ``custom_imports`` (the test puts
this folder on ``PYTHONPATH``).
"""
import json
import os.path as osp

from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from torch.nn.modules.batchnorm import _BatchNorm


@HOOKS.register_module()
class RankLossesHook(Hook):
    """Record ``outputs`` (the parsed log variables) after each step."""

    def before_train(self, runner) -> None:
        self.rows = []

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self.rows.append({k: float(v) for k, v in outputs.items()})

    def after_train(self, runner) -> None:
        path = osp.join(runner.work_dir, f'losses_rank{runner.rank}.json')
        with open(path, 'w') as f:
            json.dump(self.rows, f)


@HOOKS.register_module()
class FrozenBatchNormHook(Hook):
    """Every BatchNorm of the model in eval mode while training, for a
    model without a ``norm_eval`` option (the SiamRPN's backbone and head):
    a process's batch statistics are its own share of the batch's (SyncBN
    needs CUDA). The train loop calls ``model.train()`` after
    ``before_train_epoch``, hence before each iteration."""

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        for m in runner.model.modules():
            if isinstance(m, _BatchNorm):
                m.eval()
