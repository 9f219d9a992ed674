"""An interrupted training resumes to the same weights, bitwise.

``rpn_shapes.py`` on 8 shapes images, 2 epochs of 2 iterations, validation
after each epoch, data loaded in the main process: the RPN's anchor sampling
draws from torch's generator and RandomFlip from numpy's, so the run depends
on the random states that ``plugin.RNGStateHook`` saves. A run killed with
SIGKILL (mid-epoch, or while the epoch-2 checkpoint is being saved) and
resumed with ``--resume`` must end with the uninterrupted run's weights.
Then the damaged cases: a truncated checkpoint and an empty
``last_checkpoint`` stop ``--resume`` with an error that names the file.
"""
import os
import os.path as osp
import shutil
import sys

import pytest
import torch

from tool_runner import ROOT, checkpoint_weights, data_options, run_status

HERE = osp.dirname(osp.abspath(__file__))
CONFIG = osp.join(ROOT, 'configs', 'shapes', 'rpn_shapes.py')
KILLED = (-9, 137)  # SIGKILL, as the process or as a shell reports it
# the config with a hook that kills the process (tests/tools/kill_at.py)
KILL_CONFIG = '''
_base_ = {base!r}
custom_imports = dict(imports=['plugin', 'kill_at'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='plugin.RNGStateHook'), dict(type='KillHook', {kill})]
'''


def _train(root, work_dir, *extra, config=CONFIG, epochs=2):
    return run_status(
        [sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
         *extra, '--cfg-options', *data_options(root, epochs)],
        env=dict(PYTHONPATH=HERE))


@pytest.fixture(scope='module')
def uninterrupted(shapes_root, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('uninterrupted'))
    code, out = _train(shapes_root, work_dir)
    assert code == 0, out[-3000:]
    return checkpoint_weights(osp.join(work_dir, 'epoch_2.pth'))


@pytest.mark.parametrize('kill', ['after_iter=3', 'save_epoch=2'],
                         ids=['mid_epoch', 'during_save'])
def test_killed_run_resumes_to_the_samecheckpoint_weights(kill, shapes_root,
                                                uninterrupted, tmp_path):
    work_dir = str(tmp_path / 'work')
    config = str(tmp_path / 'kill.py')
    with open(config, 'w') as f:
        f.write(KILL_CONFIG.format(base=CONFIG, kill=kill))
    code, out = _train(shapes_root, work_dir, config=config)
    assert code in KILLED, (code, out[-3000:])
    assert not osp.exists(osp.join(work_dir, 'epoch_2.pth'))
    # the epoch-1 checkpoint survived the kill: max_keep_ckpts=1 deletes
    # it only once epoch 2's is complete, and last_checkpoint still names it
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read().endswith('epoch_1.pth')
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))

    code, out = _train(shapes_root, work_dir, '--resume')
    assert code == 0, out[-3000:]
    assert 'resumed epoch: 1' in out, out[-2000:]
    resumed = checkpoint_weights(osp.join(work_dir, 'epoch_2.pth'))
    assert resumed.keys() == uninterrupted.keys()
    for key in resumed:
        assert torch.equal(resumed[key], uninterrupted[key]), key
    assert not [f for f in os.listdir(work_dir) if f.endswith('.tmp')]


def test_damaged_checkpoints_are_refused_by_name(shapes_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    code, out = _train(shapes_root, work_dir, epochs=1)
    assert code == 0, out[-3000:]
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    intact = osp.join(work_dir, 'copy.pth')
    shutil.copy(ckpt, intact)
    with open(ckpt, 'r+b') as f:  # cut the file in half, as a kill would
        f.truncate(osp.getsize(ckpt) // 2)

    for resume in ('--resume', f'--resume={ckpt}'):
        code, out = _train(shapes_root, work_dir, resume)
        assert code != 0
        assert (f'CheckpointFileError: Cannot resume from {ckpt}: it is not '
                f'a complete checkpoint') in out, out[-2000:]
        assert f'Complete checkpoints there, newest first: {intact}' in out
        assert 'torch/serialization.py' not in out  # refused before loading

    with open(osp.join(work_dir, 'last_checkpoint'), 'w'):
        pass  # emptied, as a kill while it was rewritten in place would
    code, out = _train(shapes_root, work_dir, '--resume')
    assert code != 0
    assert 'last_checkpoint is empty' in out, out[-2000:]
