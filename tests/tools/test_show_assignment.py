"""tools/show_assignment.py end to end on a few generated shapes images:
one run per head config (untrained), and one with a checkpoint."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
# the --cfg-options that point a shapes config at a generated dataset
from test_train_test_resume import data_options

from plugin.datasets import ensure_shapes_dataset

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HEADS = {  # config -> the head named in the table
    'rpn_shapes.py': 'RPN',
    'autoassign_shapes.py': 'AutoAssign',
    'centernet_shapes.py': 'CenterNet',
}


@pytest.fixture(scope='module')
def shapes_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('shapes'))
    ensure_shapes_dataset(root, num_train=3, num_val=2, num_test=2, seed=0)
    return root + '/'


def show(config, root, out, *extra):
    args = [
        sys.executable, 'tools/show_assignment.py', config, '--images', '2',
        '--out', out, *extra, '--cfg-options', *data_options(root, 1)
    ]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.parametrize('name', HEADS)
def test_untrained_model_on_train_images(name, shapes_root, tmp_path):
    out = str(tmp_path / 'out')
    stdout = show(osp.join('configs', 'shapes', name), shapes_root, out)
    assert 'total: 2 images' in stdout
    with open(osp.join(out, 'assignment.json')) as f:
        summary = json.load(f)
    assert [img['head'] for img in summary['images']] == [HEADS[name]] * 2
    assert summary['total']['gts'] == sum(
        len(img['gts']) for img in summary['images']) > 0
    pngs = sorted(p for p in os.listdir(out) if p.endswith('.png'))
    assert pngs == ['000000.png', '000001.png']
    assert all(osp.getsize(osp.join(out, p)) > 50_000 for p in pngs)


def test_with_a_checkpoint_on_val_images(shapes_root, tmp_path):
    """A checkpoint saved as mmengine saves one (state_dict + meta)."""
    import plugin  # noqa: F401
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope
    config = osp.join('configs', 'shapes', 'centernet_shapes.py')
    init_default_scope('mmdet')
    model = MODELS.build(Config.fromfile(osp.join(ROOT, config)).model)
    ckpt = str(tmp_path / 'epoch_1.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(classes=['x'] * 6))), ckpt)
    out = str(tmp_path / 'out')
    show(config, shapes_root, out, '--checkpoint', ckpt, '--split', 'val')
    with open(osp.join(out, 'assignment.json')) as f:
        summary = json.load(f)
    assert summary['split'] == 'val' and summary['checkpoint'] == ckpt
    assert len(summary['images']) == 2
    # the gts are in input pixels, although mmdet's test pipeline loads
    # them after Resize (keep_ratio into 320 x 320)
    with open(osp.join(shapes_root, 'annotations/instances_val.json')) as f:
        coco = json.load(f)
    img = coco['images'][0]
    scale = min(320 / img['width'], 320 / img['height'])
    x, y, w, h = [a for a in coco['annotations']
                  if a['image_id'] == img['id']][0]['bbox']
    expected = [x * scale, y * scale, (x + w) * scale, (y + h) * scale]
    box = summary['images'][0]['gts'][0]['box']
    assert box == pytest.approx(expected, abs=0.06)
