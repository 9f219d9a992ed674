"""tools/tune_tracker.py end to end: a 2 x 2 grid (plus the config's
setting) on three tiny generated val videos, untrained weights
(checkpoint 'none'), with --verify; one torch thread (its batches are
tiny, and two threads on two busy cores run many times slower)."""
import json
import os.path as osp
import re
import sys

from mmengine.config import Config

from tool_runner import ROOT, run

CONFIG = osp.join(ROOT, 'configs', 'siamrpn', 'siamrpn_shapes.py')


def options(root):
    """--cfg-options: 8 shapes images (the config's training pairs are
    checked on loading), 3 val and 2 test videos of 12 frames."""
    shapes, videos = f'{root}/shapes/', f'{root}/videos/'
    opts = [
        f'shapes_dataset.out_dir={shapes}',
        'shapes_dataset.num_train=8',
        'shapes_dataset.num_val=0',
        'shapes_dataset.num_test=0',
        f'shapes_tracking.out_dir={videos}',
        'shapes_tracking.splits.train=1',
        'shapes_tracking.splits.val=3',
        'shapes_tracking.splits.test=2',
        'shapes_tracking.num_frames=12',
        f'train_dataloader.dataset.datasets.0.data_root={videos}train/',
        f'train_dataloader.dataset.datasets.1.dataset.data_root={shapes}',
    ]
    for loader, split in (('val', 'val'), ('test', 'test')):
        opts += [f'{loader}_dataloader.dataset.data_root={videos}{split}/',
                 f'{loader}_dataloader.batch_size=2']
    return opts


def test_tune_tracker_grid(tmp_path, monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '1')  # inherited by the tool
    work_dir = str(tmp_path / 'work')
    out = run([sys.executable, 'tools/tune_tracker.py', CONFIG, 'none',
               '--work-dir', work_dir, '--grid', 'penalty_k=0.1,0.3',
               'lr=0.2,0.5', '--batch', '4', '--top', '3', '--verify',
               '--device', 'cpu', '--cfg-options', *options(tmp_path)],
              ROOT, timeout=300)
    with open(osp.join(work_dir, 'tune_tracker.json')) as f:
        result = json.load(f)
    # the val split's 3 videos, never the test split's 2
    assert result['data_root'].endswith('/videos/val/')
    assert len(result['videos']) == 3
    ranked = result['results']
    assert len(ranked) == 5  # 4 grid settings + the config's
    assert [r['rank'] for r in ranked] == [1, 2, 3, 4, 5]
    assert all(0 <= r['success'] <= 1 for r in ranked)
    successes = [r['success'] for r in ranked]
    assert successes == sorted(successes, reverse=True)
    # the config's own options (the shipped ones, tuned on val)
    test_cfg = Config.fromfile(CONFIG).model.test_cfg
    current = result['current']
    assert [current[k] for k in ('penalty_k', 'window_influence', 'lr')] == [
        test_cfg.penalty_k, test_cfg.window_influence, test_cfg.lr]
    assert result['best'] == ranked[0]
    assert result['verify']['success_diff'] <= 1e-6
    # the table: top 3 and the config's row marked wherever it ranks
    row = r'^\* +\d +{:g} +{:g} +{:g} '.format(
        test_cfg.penalty_k, test_cfg.window_influence, test_cfg.lr)
    assert re.search(row.replace('.', r'\.'), out, re.M), out
    assert result['config_line'] in out
    assert result['config_line'].startswith(
        'model = dict(test_cfg=dict(penalty_k=')
    assert 'chunk 4/4' in out  # 15 sequences in batches of 4
