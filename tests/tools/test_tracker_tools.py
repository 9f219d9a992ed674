"""End to end for the SiamRPN tracker: tools/train.py (one short epoch,
validated by tracking) -> tools/test_tracker.py with the baselines ->
--resume -> tools/track_demo.py -> mim train.

Runs the real scripts in subprocesses on a handful of shapes images and
three short synthetic videos, generated into a temporary folder by the
tools themselves (the configs' ``shapes_dataset`` / ``shapes_tracking``).
"""
import json
import os
import os.path as osp
import re
import sys

import pytest

from plugin.datasets import ensure_shapes_dataset
from tool_runner import BIN, ROOT, run

CONFIG = osp.join(ROOT, 'configs', 'siamrpn', 'siamrpn_shapes.py')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('data')
    ensure_shapes_dataset(str(root / 'shapes'), num_train=8, num_val=0,
                          seed=0)
    return root


def options(root, max_epochs):
    """--cfg-options: 8 images, 3 videos of 12 frames, one pass each."""
    shapes = f'{root}/shapes/'
    videos = f'{root}/videos/'
    opts = [
        f'shapes_dataset.out_dir={shapes}',
        'shapes_dataset.num_train=8',
        'shapes_dataset.num_val=0',
        f'shapes_tracking.out_dir={videos}',
        'shapes_tracking.splits.train=2',
        'shapes_tracking.splits.val=3',
        'shapes_tracking.splits.test=3',
        'shapes_tracking.num_frames=12',
        f'train_dataloader.dataset.datasets.0.data_root={videos}train/',
        'train_dataloader.dataset.datasets.0.num_pairs=8',
        f'train_dataloader.dataset.datasets.1.dataset.data_root={shapes}',
        'train_dataloader.dataset.datasets.1.times=1',
        'train_dataloader.batch_size=4',
        f'train_cfg.max_epochs={max_epochs}',
        'train_cfg.val_begin=1',
    ]
    for loader in ('train', 'val', 'test'):
        opts += [f'{loader}_dataloader.num_workers=0',
                 f'{loader}_dataloader.persistent_workers=False']
    for loader, split in (('val', 'val'), ('test', 'test')):
        opts += [f'{loader}_dataloader.dataset.data_root={videos}{split}/',
                 f'{loader}_dataloader.batch_size=2']
    return opts


def test_train_test_tracker_resume_demo_and_mim(data_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    py = sys.executable

    out = run([py, 'tools/train.py', CONFIG, '--work-dir', work_dir,
               '--cfg-options', *options(data_root, 1)], ROOT)
    # validation tracks the 3 generated videos
    assert re.search(r'ope/success: [\d.]+ +ope/precision: [\d.]+', out), \
        out[-2000:]
    assert osp.exists(osp.join(work_dir, 'epoch_1.pth'))
    assert [f for f in os.listdir(work_dir) if f.startswith('best_ope')]

    test_dir = str(tmp_path / 'test')
    out = run([py, 'tools/test_tracker.py', CONFIG,
               osp.join(work_dir, 'epoch_1.pth'), '--work-dir', test_dir,
               '--baselines', 'static', 'untrained', 'mil',
               '--cfg-options', *options(data_root, 1)], ROOT)
    with open(osp.join(test_dir, 'ope.json')) as f:
        results = json.load(f)['trackers']
    assert list(results) == ['SiamRPN', 'SiamRPN untrained', 'frame-0 box',
                             'OpenCV MIL']
    for name, r in results.items():
        assert len(r['sequences']) == 3, name
        assert 0 <= r['means']['success'] <= 1
        assert r['means']['fps'] > 0
        assert re.search(re.escape(name) + r' +[\d.]+ +[\d.]+', out)
    # the frame-0 box is exact on frame 0 only: success of 12 frames
    # (frame 0 counts, IoU 1 > every threshold but 1) is at least 1/12
    # of the curve's 20/21
    static = results['frame-0 box']['sequences'][0]
    assert static['success'] >= (20 / 21) / 12 - 1e-9
    assert osp.getsize(osp.join(test_dir, 'success.png')) > 20000
    # the generated videos flag frames with attributes: a table, the json
    # and the bars
    with open(osp.join(test_dir, 'ope.json')) as f:
        attributes = json.load(f)['attributes']
    assert sorted(attributes['num_frames']) == [
        'distractor', 'fast_motion', 'occlusion', 'scale_change']
    assert list(attributes['success']) == list(results)
    assert 'success AUC per attribute' in out
    assert osp.getsize(osp.join(test_dir, 'attributes.png')) > 10000

    out = run([py, 'tools/train.py', CONFIG, '--work-dir', work_dir,
               '--resume', '--cfg-options', *options(data_root, 2)], ROOT)
    assert 'resumed epoch: 1' in out, out[-2000:]
    assert osp.exists(osp.join(work_dir, 'epoch_2.pth'))

    strip = str(tmp_path / 'demo.png')
    gif = str(tmp_path / 'demo.gif')
    out = run([py, 'tools/track_demo.py', CONFIG,
               osp.join(work_dir, 'epoch_2.pth'), '--out', strip, '--gif',
               gif, '--frames', '4', '--cfg-options',
               *options(data_root, 2)], ROOT)
    assert 'seq_0000: 12 frames' in out, out[-2000:]
    assert osp.getsize(strip) > 20000 and osp.getsize(gif) > 1000

    mim_dir = str(tmp_path / 'mim')
    out = run([osp.join(BIN, 'mim'), 'train', 'plugin', CONFIG,
               '--work-dir', mim_dir, '--cfg-options',
               *options(data_root, 1)], str(tmp_path))
    assert osp.exists(osp.join(mim_dir, 'epoch_1.pth')), out[-2000:]
