"""Two trainings of one config on one machine end with the same weights.

``autoassign_shapes.py`` as the demo runs it (one persistent data worker,
RandomFlip), on 8 images for one epoch, twice, with the same thread count:
the worker is seeded from the config's seed, the convs and the loss are
deterministic on a fixed thread count, so the weights must be bitwise
equal. What still moves a figure between runs is listed in
docs/training.md (another thread count or CPU: float rounding in the
convs).
"""
import os.path as osp
import sys

import torch

from tool_runner import ROOT, checkpoint_weights, data_options, run

CONFIG = osp.join(ROOT, 'configs', 'shapes', 'autoassign_shapes.py')


def test_two_runs_give_the_same_weights(shapes_root, tmp_path):
    root = shapes_root
    # the config's own loader: 1 worker, persistent (not data_options')
    opts = data_options(root, 1) + ['train_dataloader.num_workers=1',
                                    'train_dataloader.persistent_workers=True']
    weights = []
    for name in ('a', 'b'):
        work_dir = str(tmp_path / name)
        run([sys.executable, 'tools/train.py', CONFIG, '--work-dir',
             work_dir, '--cfg-options', *opts],
            env=dict(OMP_NUM_THREADS='2'))
        weights.append(checkpoint_weights(osp.join(work_dir, 'epoch_1.pth')))
    for key in weights[0]:
        assert torch.equal(weights[0][key], weights[1][key]), key
