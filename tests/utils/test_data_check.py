"""prepare_datasets: clear error without COCO, shapes generated on demand."""
import os.path as osp

import pytest
from mmengine.config import Config

from plugin.utils import prepare_datasets

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_missing_coco_names_the_offline_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data/coco here
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'autoassign_r50_fpn.py'))
    with pytest.raises(FileNotFoundError) as err:
        prepare_datasets(cfg)
    msg = str(err.value)
    assert 'data/coco/' in msg
    assert 'configs/shapes/autoassign_shapes.py' in msg


def test_shapes_dataset_is_generated_when_absent(tmp_path):
    root = str(tmp_path / 'shapes') + '/'
    cfg = Config(dict(
        shapes_dataset=dict(out_dir=root, num_train=2, num_val=1),
        train_dataloader=dict(dataset=dict(
            type='CocoDataset', data_root=root,
            ann_file='annotations/instances_train.json')),
        val_dataloader=dict(dataset=dict(
            type='CocoDataset', data_root=root,
            ann_file='annotations/instances_val.json'))))
    prepare_datasets(cfg)
    assert osp.exists(root + 'annotations/instances_train.json')
    assert osp.exists(root + 'annotations/instances_val.json')
