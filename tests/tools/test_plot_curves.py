"""tools/plot_curves.py: parsing mmengine's scalars.json, merging resumed
runs, and the script writing its PNG, on hand-written logs."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'tools', 'plot_curves.py')


def _load_tool():
    spec = importlib.util.spec_from_file_location('plot_curves', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pc = _load_tool()


def train_line(it, epoch, loss_cls, loss_bbox, lr=0.01):
    # as mmengine's LoggerHook writes them (step == iter)
    return dict(base_lr=lr, lr=lr, data_time=0.01, grad_norm=1.5,
                loss=loss_cls + loss_bbox, loss_cls=loss_cls,
                loss_bbox=loss_bbox, time=0.3, epoch=epoch, iter=it, step=it)


def val_line(epoch, mAP, mAP_50):
    return {'coco/bbox_mAP': mAP, 'coco/bbox_mAP_50': mAP_50,
            'coco/bbox_mAP_s': 0.1, 'coco/bbox_mAP_l': -1.0,
            'data_time': 0.01, 'time': 0.2, 'step': epoch}


def write_run(work_dir, timestamp, lines, tail=''):
    vis = osp.join(work_dir, timestamp, 'vis_data')
    os.makedirs(vis)
    path = osp.join(vis, 'scalars.json')
    with open(path, 'w') as f:
        f.writelines(json.dumps(line) + '\n' for line in lines)
        f.write(tail)
    # what else mmengine leaves there, not to be read
    with open(osp.join(vis, timestamp + '.json'), 'w') as f:
        f.write('{"not": "scalars"}\n')
    return path


@pytest.fixture
def runs(tmp_path):
    """Two work dirs: ``plugin_head`` trained in two runs (the second
    resumed from the epoch-1 checkpoint, after the first had logged into
    epoch 2), ``mmdet_head`` in one."""
    plugin = str(tmp_path / 'plugin_head')
    write_run(plugin, '20240101_100000', [
        train_line(2, 1, 0.5, 0.25),
        train_line(4, 1, 0.25, 0.125),
        val_line(1, 0.125, 0.25),
        train_line(6, 2, 0.375, 0.125),  # redone by the resumed run
    ], tail='{"lr": 0.01, "lo')  # killed while writing
    write_run(plugin, '20240101_110000', [
        train_line(6, 2, 0.125, 0.0625, lr=0.005),
        train_line(8, 2, 0.0625, 0.0625, lr=0.005),
        val_line(2, 0.25, 0.5),
    ])
    # a test.py run: no scalars.json
    os.makedirs(osp.join(plugin, 'test', '20240101_120000', 'vis_data'))
    mmdet = str(tmp_path / 'mmdet_head')
    write_run(mmdet, '20240102_100000', [
        train_line(4, 1, 0.5, 0.5),
        val_line(1, 0.0625, 0.125),
    ])
    return plugin, mmdet


def test_load_scalars_merges_a_resumed_training(runs, capsys):
    train, val = pc.load_scalars(runs[0])
    expected = {
        'loss': ([2, 4, 6, 8], [0.75, 0.375, 0.1875, 0.125]),
        'loss_cls': ([2, 4, 6, 8], [0.5, 0.25, 0.125, 0.0625]),
        'loss_bbox': ([2, 4, 6, 8], [0.25, 0.125, 0.0625, 0.0625]),
        'lr': ([2, 4, 6, 8], [0.01, 0.01, 0.005, 0.005]),
        'epoch': ([2, 4, 6, 8], [1, 1, 2, 2]),
    }
    for key, series in expected.items():
        assert train[key] == series, key
    assert 'iter' not in train and 'step' not in train
    expected = {
        'coco/bbox_mAP': ([1, 2], [0.125, 0.25]),
        'coco/bbox_mAP_50': ([1, 2], [0.25, 0.5]),
        'coco/bbox_mAP_s': ([1, 2], [0.1, 0.1]),
        'coco/bbox_mAP_l': ([1, 2], [-1.0, -1.0]),
    }
    assert val == expected
    assert 'skipped unreadable line 5' in capsys.readouterr().err

    train, val = pc.load_scalars(runs[1])
    assert train['loss'] == ([4], [1.0])
    assert val['coco/bbox_mAP'] == ([1], [0.0625])


def test_load_scalars_takes_a_run_dir_or_file(runs):
    run_dir = osp.join(runs[0], '20240101_110000')
    expected = ([6, 8], [0.1875, 0.125])
    assert pc.load_scalars(run_dir)[0]['loss'] == expected
    assert pc.load_scalars(osp.join(run_dir, 'vis_data'))[0]['loss'] == \
        expected
    file = osp.join(run_dir, 'vis_data', 'scalars.json')
    assert pc.load_scalars(file)[0]['loss'] == expected
    assert pc.default_labels([runs[0], run_dir, file]) == \
        ['plugin_head'] * 3
    assert pc.default_labels(runs) == ['plugin_head', 'mmdet_head']
    # two work dirs of one name: their parents tell them apart
    assert pc.default_labels(['/a/x/work', '/b/y/work']) == [
        'x/work', 'y/work']


def test_a_new_training_in_the_same_work_dir_replaces_the_old(tmp_path):
    work = str(tmp_path / 'work')
    write_run(work, '20240101_100000', [
        train_line(2, 1, 1.0, 1.0), train_line(4, 1, 1.0, 1.0),
        train_line(6, 2, 1.0, 1.0), val_line(1, 0.5, 0.5)])
    write_run(work, '20240101_110000', [  # from scratch, one epoch
        train_line(2, 1, 0.5, 0.5), val_line(1, 0.25, 0.25)])
    train, val = pc.load_scalars(work)
    assert train['loss'] == ([2], [1.0])
    assert val['coco/bbox_mAP'] == ([1], [0.25])


def test_default_metrics_and_helpers(runs):
    vals = [pc.load_scalars(r)[1] for r in runs]
    assert pc.default_metrics(vals) == ['coco/bbox_mAP', 'coco/bbox_mAP_50']
    ar = {k: ([1], [0.5]) for k in ('coco/AR@1000', 'coco/AR_s@1000',
                                    'coco/AR@100', 'coco/AR@300')}
    assert pc.default_metrics([ar]) == [
        'coco/AR@100', 'coco/AR@300', 'coco/AR@1000']
    assert pc.resolve_metrics(['bbox_mAP_s', 'coco/bbox_mAP'], vals) == [
        'coco/bbox_mAP_s', 'coco/bbox_mAP']
    with pytest.raises(SystemExit, match='segm_mAP'):
        pc.resolve_metrics(['segm_mAP'], vals)
    trains = [pc.load_scalars(r)[0] for r in runs]
    assert pc.loss_keys(trains) == ['loss', 'loss_cls', 'loss_bbox']
    assert pc.moving_average([1, 2, 3, 4, 5, 6], 3) == \
        [1.5, 2.0, 3.0, 4.0, 5.0, 5.5]
    assert pc.moving_average([4.0], 5) == [4.0]


def run_script(*args, cwd=ROOT):
    return subprocess.run([sys.executable, SCRIPT, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_script_writes_a_png(runs, tmp_path):
    out = str(tmp_path / 'plots' / 'curves.png')
    proc = run_script(*runs, '--out', out, '--labels', 'plugin', 'mmdet',
                      '--metrics', 'bbox_mAP', 'coco/bbox_mAP_l')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f'curves written to {out}' in proc.stdout
    assert 'plugin: 4 loss points to iteration 8, 2 validations' in \
        proc.stdout
    with open(out, 'rb') as f:
        data = f.read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    assert len(data) > 20000  # 3 loss and 2 metric plots, not a blank


def test_no_logs_is_a_clear_error(tmp_path, runs):
    empty = tmp_path / 'empty_work_dir'
    (empty / '20240101_100000' / 'vis_data').mkdir(parents=True)
    with pytest.raises(pc.NoScalarsError, match='no training logs'):
        pc.load_scalars(str(empty))
    proc = run_script(runs[0], str(empty), '--out',
                      str(tmp_path / 'c.png'))
    assert proc.returncode != 0
    assert 'error: no training logs in directory' in proc.stderr
    assert 'empty_work_dir' in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert not osp.exists(tmp_path / 'c.png')
