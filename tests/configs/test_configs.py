"""The configs build, use plugin's head, and are checkpoint-compatible
with mmdet's: a detector built with mmdet's head (what mmdet's released
checkpoints hold) loads strictly into ours and back."""
import os.path as osp

import pytest
from mmdet.models import dense_heads as mmdet_heads
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config

from plugin.models import dense_heads as plugin_heads

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# config -> the head it must use
CONFIGS = {
    'configs/autoassign_r50_fpn.py': 'AutoAssignHead',
    'configs/shapes/autoassign_shapes.py': 'AutoAssignHead',
    'configs/centernet_r18.py': 'CenterNetHead',
    'configs/centernet_r18_dcnv2.py': 'CenterNetHead',
    'configs/shapes/centernet_shapes.py': 'CenterNetHead',
}


@pytest.fixture(scope='module', autouse=True)
def mmdet_scope():
    register_all_modules(init_default_scope=True)


def load(path):
    cfg = Config.fromfile(osp.join(ROOT, path))
    assert cfg.custom_imports == dict(imports=['plugin'],
                                      allow_failed_imports=False)
    return cfg


def build(path, head_type=None):
    model_cfg = load(path).model
    model_cfg.backbone.init_cfg = None  # no download
    if head_type is not None:
        model_cfg.bbox_head.type = head_type
    return MODELS.build(model_cfg)


@pytest.mark.parametrize('path', sorted(CONFIGS))
def test_config_uses_plugin_head_and_loads_mmdet_weights_strictly(path):
    name = CONFIGS[path]
    ours = build(path)
    theirs = build(path, head_type=name)
    assert type(ours.bbox_head) is getattr(plugin_heads, name)
    assert type(ours.bbox_head).__module__.startswith('plugin.')
    assert type(theirs.bbox_head) is getattr(mmdet_heads, name)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert ours_sd.keys() == theirs_sd.keys()
    assert all(ours_sd[k].shape == theirs_sd[k].shape for k in ours_sd)
    ours.load_state_dict(theirs_sd, strict=True)
    theirs.load_state_dict(ours_sd, strict=True)


def test_autoassign_coco_config_is_mmdet_recipe():
    ours = load('configs/autoassign_r50_fpn.py')
    assert ours.model.bbox_head.loss_bbox == dict(
        type='GIoULoss', loss_weight=5.0)
    assert ours.train_cfg.max_epochs == 12
    assert ours.optim_wrapper.optimizer.lr == 0.01
    assert ours.train_dataloader.dataset.data_root == 'data/coco/'


@pytest.mark.parametrize('path,use_dcn', [('configs/centernet_r18.py', False),
                                          ('configs/centernet_r18_dcnv2.py',
                                           True)])
def test_centernet_coco_configs_are_mmdet_recipes(path, use_dcn):
    ours = load(path)
    assert ours.model.neck.use_dcn is use_dcn
    assert ours.model.bbox_head.num_classes == 80
    assert ours.train_cfg.max_epochs == 28  # x RepeatDataset(times=5)
    assert ours.train_dataloader.dataset.times == 5
    assert ours.train_dataloader.dataset.dataset.data_root == 'data/coco/'
    # mmdet's test pipeline: RandomCenterCropPad gives the `border` key
    assert 'border' in ours.test_dataloader.dataset.pipeline[-1].meta_keys


def test_centernet_shapes_config_needs_no_border():
    cfg = load('configs/shapes/centernet_shapes.py')
    assert cfg.train_dataloader.dataset.type == 'CocoDataset'  # no wrapper
    for loader in ('val_dataloader', 'test_dataloader'):
        pipeline = cfg[loader].dataset.pipeline
        assert all(t.type != 'RandomCenterCropPad' for t in pipeline)
        assert 'border' not in pipeline[-1].meta_keys
