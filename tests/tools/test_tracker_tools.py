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
                          num_test=0, seed=0)
    return root


def options(root, max_epochs):
    """--cfg-options: 8 images, 3 videos of 12 frames, one pass each."""
    shapes = f'{root}/shapes/'
    videos = f'{root}/videos/'
    opts = [
        f'shapes_dataset.out_dir={shapes}',
        'shapes_dataset.num_train=8',
        'shapes_dataset.num_val=0',
        'shapes_dataset.num_test=0',
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


def _otb_folder(root):
    """Two OTB-layout sequences of 4 frames (a bright square moving 2 px a
    frame on a dark background); 'Pair' has two targets."""
    import cv2
    import numpy as np
    for name, files in (('Square', ['groundtruth_rect.txt']),
                        ('Pair', ['groundtruth_rect.1.txt',
                                  'groundtruth_rect.2.txt'])):
        img_dir = root / name / 'img'
        img_dir.mkdir(parents=True)
        lines = []
        for t in range(4):
            frame = np.zeros((96, 128, 3), np.uint8)
            frame[30:50, 40 + 2 * t:60 + 2 * t] = 255
            cv2.imwrite(str(img_dir / f'{t + 1:04d}.jpg'), frame)
            lines.append(f'{40 + 2 * t}\t30\t20\t20')
        for file in files:
            (root / name / file).write_text('\n'.join(lines) + '\n')


def test_standard_dataset_and_result_formats(data_root, tmp_path):
    """--dataset otb reads an OTB folder and writes OTB's result files;
    --dataset got10k --split test writes the server's files and no
    figures."""
    otb = tmp_path / 'OTB100'
    _otb_folder(otb)
    out_dir = tmp_path / 'otb_out'
    out = run([sys.executable, 'tools/test_tracker.py', CONFIG, 'none',
               '--dataset', 'otb', '--data-root', str(otb), '--format',
               'otb', '--baselines', 'static', '--work-dir', str(out_dir),
               '--cfg-options', *options(data_root, 1)], ROOT)
    with open(out_dir / 'ope.json') as f:
        results = json.load(f)['trackers']
    assert [s['seq_name'] for s in results['SiamRPN']['sequences']] == [
        'Pair-1', 'Pair-2', 'Square']
    # the frame-0 box held still: its file repeats frame 0's x,y,w,h
    static = out_dir / 'results' / 'otb' / 'frame-0_box' / 'Square.txt'
    assert static.read_text().splitlines() == [
        '40.0000,30.0000,20.0000,20.0000'] * 4
    assert len((out_dir / 'results' / 'otb' / 'SiamRPN' /
                'Pair-2.txt').read_text().splitlines()) == 4

    got = tmp_path / 'GOT-10k' / 'test'
    folder = got / 'GOT-10k_Test_000001'
    folder.mkdir(parents=True)
    for src in sorted((otb / 'Square' / 'img').iterdir()):
        (folder / f'0000{src.name}').write_bytes(src.read_bytes())
    (folder / 'groundtruth.txt').write_text('40,30,20,20\n')
    (got / 'list.txt').write_text('GOT-10k_Test_000001\n')
    out_dir = tmp_path / 'got_out'
    out = run([sys.executable, 'tools/test_tracker.py', CONFIG, 'none',
               '--dataset', 'got10k', '--data-root', str(got.parent),
               '--split', 'test', '--work-dir', str(out_dir),
               '--cfg-options', *options(data_root, 1)], ROOT)
    assert 'no figures here' in out, out[-2000:]
    assert not (out_dir / 'ope.json').exists()
    seq = out_dir / 'results' / 'got10k' / 'SiamRPN' / 'GOT-10k_Test_000001'
    assert sorted(p.name for p in seq.iterdir()) == [
        'GOT-10k_Test_000001_001.txt', 'GOT-10k_Test_000001_time.txt']


def test_vot_protocol_on_any_dataset(data_root, tmp_path):
    """--protocol vot on an OTB folder: the figures in vot.json and VOT's
    marker files (frame 0 is an initialisation)."""
    otb = tmp_path / 'OTB100'
    _otb_folder(otb)
    out_dir = tmp_path / 'vot_out'
    out = run([sys.executable, 'tools/test_tracker.py', CONFIG, 'none',
               '--dataset', 'otb', '--data-root', str(otb), '--protocol',
               'vot', '--format', 'vot', '--eao-range', '1', '4',
               '--work-dir', str(out_dir),
               '--cfg-options', *options(data_root, 1)], ROOT)
    assert 'VOT supervised protocol, 3 sequences' in out, out[-2000:]
    with open(out_dir / 'vot.json') as f:
        figures = json.load(f)
    assert sorted(figures) == ['accuracy', 'eao', 'eao_range', 'lost_number',
                               'robustness']
    assert 0 <= figures['eao'] <= 1 and figures['eao_range'] == [1, 4]
    lines = (out_dir / 'results' / 'vot' / 'SiamRPN' / 'baseline' /
             'Square' / 'Square_001.txt').read_text().splitlines()
    assert len(lines) == 4 and lines[0] == '1'
