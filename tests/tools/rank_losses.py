"""A test-only hook: each rank writes the losses it logs, iteration by
iteration, to ``work_dir/losses_rank{rank}.json``.

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
