"""End to end: tools/train.py -> tools/test.py -> --resume -> the pictures
(plot_curves.py, visualize_detections.py) -> mim train.

Runs the real scripts in subprocesses on a handful of shapes images
(generated into a temporary folder), one short epoch each.
"""
import os
import os.path as osp
import re
import sys

import pytest

from tool_runner import BIN, ROOT, data_options, run

# config -> the metric its evaluator reports
METRICS = {
    'autoassign_shapes.py': 'coco/bbox_mAP',
    'centernet_shapes.py': 'coco/bbox_mAP',
    'rpn_shapes.py': 'coco/AR@100',  # proposal recall
    'faster_rcnn_shapes.py': 'coco/bbox_mAP',
}
CONFIGS = [osp.join(ROOT, 'configs', 'shapes', name) for name in METRICS]


@pytest.mark.parametrize('config', CONFIGS, ids=osp.basename)
def test_train_test_resume_and_mim(config, shapes_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    py = sys.executable
    metric = METRICS[osp.basename(config)]

    out = run([py, 'tools/train.py', config, '--work-dir', work_dir,
               '--cfg-options', *data_options(shapes_root, 1)], ROOT)
    assert metric in out
    assert osp.exists(osp.join(work_dir, 'epoch_1.pth'))
    best = [f for f in os.listdir(work_dir) if f.startswith('best_coco')]
    assert len(best) == 1

    # evaluate the checkpoint (torch.load with weights_only=True by default)
    out = run([py, 'tools/test.py', config,
               osp.join(work_dir, 'epoch_1.pth'), '--work-dir',
               str(tmp_path / 'test'), '--cfg-options',
               *data_options(shapes_root, 1)], ROOT)
    assert re.search(re.escape(metric) + r': \d', out), out[-2000:]

    # resume the latest checkpoint for one more epoch
    out = run([py, 'tools/train.py', config, '--work-dir', work_dir,
               '--resume', '--cfg-options', *data_options(shapes_root, 2)],
              ROOT)
    assert 'resumed epoch: 1' in out, out[-2000:]
    assert osp.exists(osp.join(work_dir, 'epoch_2.pth'))
    assert 'Epoch(train) [2]' in out.replace('  ', ' ')

    # tools/demo.sh's pictures: the curves of both runs (2 iterations an
    # epoch), the detections of the last checkpoint next to the ground truth
    curves = str(tmp_path / 'curves.png')
    out = run([py, 'tools/plot_curves.py', work_dir, '--out', curves], ROOT)
    assert '2 loss points to iteration 4, 2 validations' in out, out
    assert osp.getsize(curves) > 20000
    pictures = str(tmp_path / 'detections.png')
    out = run([py, 'tools/visualize_detections.py', config,
               osp.join(work_dir, 'epoch_2.pth'), '--out', pictures,
               '--num', '2', '--cfg-options', *data_options(shapes_root, 2)],
              ROOT)
    shown = ('top 10 proposals' if 'rpn' in osp.basename(config) else
             'predictions with score >= 0.5')
    assert f'2 images, ground truth and {shown}' in out, out[-2000:]
    assert osp.getsize(pictures) > 20000

    # the OpenMMLab entry point: mim finds tools/train.py through plugin/.mim
    mim_dir = str(tmp_path / 'mim')
    out = run([osp.join(BIN, 'mim'), 'train', 'plugin', config,
               '--work-dir', mim_dir, '--cfg-options',
               *data_options(shapes_root, 1)], str(tmp_path))
    assert osp.exists(osp.join(mim_dir, 'epoch_1.pth')), out[-2000:]
