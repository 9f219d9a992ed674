"""The configs build, use plugin's head, and are checkpoint-compatible
with mmdet's: a detector built with mmdet's head (what mmdet's released
checkpoints hold) loads strictly into ours and back."""
import os.path as osp

import pytest
from mmdet.models.dense_heads import AutoAssignHead as MMDetAutoAssignHead
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config

from plugin.models.dense_heads import AutoAssignHead

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = ['configs/autoassign_r50_fpn.py',
           'configs/shapes/autoassign_shapes.py']


@pytest.fixture(scope='module', autouse=True)
def mmdet_scope():
    register_all_modules(init_default_scope=True)


def build(path, head_type=None):
    cfg = Config.fromfile(osp.join(ROOT, path))
    assert cfg.custom_imports == dict(imports=['plugin'],
                                      allow_failed_imports=False)
    model_cfg = cfg.model
    model_cfg.backbone.init_cfg = None  # no download
    if head_type is not None:
        model_cfg.bbox_head.type = head_type
    return MODELS.build(model_cfg)


@pytest.mark.parametrize('path', CONFIGS)
def test_config_uses_plugin_head_and_loads_mmdet_weights_strictly(path):
    ours = build(path)
    theirs = build(path, head_type='AutoAssignHead')
    assert type(ours.bbox_head) is AutoAssignHead
    assert type(theirs.bbox_head) is MMDetAutoAssignHead
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert ours_sd.keys() == theirs_sd.keys()
    assert all(ours_sd[k].shape == theirs_sd[k].shape for k in ours_sd)
    ours.load_state_dict(theirs_sd, strict=True)
    theirs.load_state_dict(ours_sd, strict=True)


def test_coco_config_is_mmdet_recipe():
    ours = Config.fromfile(osp.join(ROOT, CONFIGS[0]))
    assert ours.model.bbox_head.loss_bbox == dict(
        type='GIoULoss', loss_weight=5.0)
    assert ours.train_cfg.max_epochs == 12
    assert ours.optim_wrapper.optimizer.lr == 0.01
    assert ours.train_dataloader.dataset.data_root == 'data/coco/'
