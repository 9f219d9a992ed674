"""The configs build, use plugin's head, and are checkpoint-compatible
with mmdet's: a detector built with mmdet's head (what mmdet's released
checkpoints hold) loads strictly into ours and back."""
import os.path as osp

import pytest
from mmdet.models import dense_heads as mmdet_heads
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config

from plugin.datasets import SHAPES_METAINFO, SHAPES_PALETTE
from plugin.models import dense_heads as plugin_heads

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# config -> the head it must use
CONFIGS = {
    'configs/autoassign_r50_fpn.py': 'AutoAssignHead',
    'configs/shapes/autoassign_shapes.py': 'AutoAssignHead',
    'configs/centernet_r18.py': 'CenterNetHead',
    'configs/centernet_r18_dcnv2.py': 'CenterNetHead',
    'configs/shapes/centernet_shapes.py': 'CenterNetHead',
    'configs/rpn_r50_fpn.py': 'RPNHead',
    'configs/faster_rcnn_r50_fpn_plugin_rpn.py': 'RPNHead',
    'configs/shapes/rpn_shapes.py': 'RPNHead',
    'configs/shapes/faster_rcnn_shapes.py': 'RPNHead',
    'configs/shapes/autoassign_shapes_crowded.py': 'AutoAssignHead',
    'configs/shapes/centernet_shapes_crowded.py': 'CenterNetHead',
    'configs/shapes/faster_rcnn_shapes_crowded.py': 'RPNHead',
}
# the config key of each head (the detectors' attribute has the same name,
# except mmdet's RPN detector, which keeps its rpn_head as bbox_head)
HEAD_KEYS = {'RPNHead': 'rpn_head'}


@pytest.fixture(scope='module', autouse=True)
def mmdet_scope():
    register_all_modules(init_default_scope=True)


def load(path):
    cfg = Config.fromfile(osp.join(ROOT, path))
    assert cfg.custom_imports == dict(imports=['plugin'],
                                      allow_failed_imports=False)
    return cfg


def build(path, head_type=None, train=False):
    model_cfg = load(path).model
    model_cfg.backbone.init_cfg = None  # no download
    key = HEAD_KEYS.get(CONFIGS[path], 'bbox_head')
    if head_type is not None:
        model_cfg[key].type = head_type
    if not train:
        # mmdet's RPNHead cannot build the SiamRPN preset's train_cfg; the
        # weights do not depend on it
        model_cfg.train_cfg = None
    return MODELS.build(model_cfg)


def head_of(model):
    return getattr(model, 'rpn_head', None) or model.bbox_head


@pytest.mark.parametrize('path', sorted(CONFIGS))
def test_config_uses_plugin_head_and_loads_mmdet_weights_strictly(path):
    name = CONFIGS[path]
    build(path, train=True)  # the train_cfg builds too
    ours = build(path)
    theirs = build(path, head_type=name)
    assert type(head_of(ours)) is getattr(plugin_heads, name)
    assert type(head_of(ours)).__module__.startswith('plugin.')
    assert type(head_of(theirs)) is getattr(mmdet_heads, name)
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


@pytest.mark.parametrize(
    'path', sorted(p for p in CONFIGS if p.startswith('configs/shapes/')))
def test_shapes_configs_take_metainfo_from_the_package(path):
    """One definition of the shapes classes and palette: the package's."""
    cfg = load(path)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.metainfo == SHAPES_METAINFO, loader
    # a copy: editing a loaded config leaves the package's palette alone
    cfg.train_dataloader.dataset.metainfo.palette[0] = (0, 0, 0)
    assert SHAPES_PALETTE[0] == (220, 20, 60)


def test_centernet_shapes_config_needs_no_border():
    cfg = load('configs/shapes/centernet_shapes.py')
    assert cfg.train_dataloader.dataset.type == 'CocoDataset'  # no wrapper
    for loader in ('val_dataloader', 'test_dataloader'):
        pipeline = cfg[loader].dataset.pipeline
        assert all(t.type != 'RandomCenterCropPad' for t in pipeline)
        assert 'border' not in pipeline[-1].meta_keys


@pytest.mark.parametrize('path,detector', [
    ('configs/rpn_r50_fpn.py', 'RPN'),
    ('configs/faster_rcnn_r50_fpn_plugin_rpn.py', 'FasterRCNN'),
])
def test_rpn_coco_configs_are_mmdet_recipes(path, detector):
    ours = load(path)
    assert ours.model.type == detector
    assert ours.model.rpn_head.type == 'plugin.RPNHead'
    # mmdet's train_cfg, unchanged: its own assigner and sampler names
    rpn = ours.model.train_cfg.rpn
    assert rpn.assigner.type == 'MaxIoUAssigner'
    assert rpn.sampler == dict(type='RandomSampler', num=256,
                               pos_fraction=0.5, neg_pos_ub=-1,
                               add_gt_as_proposals=False)
    assert ours.model.rpn_head.loss_bbox == dict(type='L1Loss',
                                                 loss_weight=1.0)
    assert ours.train_cfg.max_epochs == 12
    assert ours.optim_wrapper.optimizer.lr == 0.02
    assert ours.train_dataloader.dataset.data_root == 'data/coco/'


@pytest.mark.parametrize('head', ['autoassign', 'centernet', 'faster_rcnn'])
def test_crowded_configs_change_data_and_detections_only(head):
    """Each crowded config is its shapes config on the crowded data, for
    one epoch, keeping up to 1000 detections; val selects, test reports."""
    shapes = load(f'configs/shapes/{head}_shapes.py')
    crowded = load(f'configs/shapes/{head}_shapes_crowded.py')
    assert crowded.shapes_dataset.layout == 'crowded'
    root = crowded.shapes_dataset.out_dir
    assert root != shapes.shapes_dataset.out_dir
    for split, loader in (('train', crowded.train_dataloader),
                          ('val', crowded.val_dataloader),
                          ('test', crowded.test_dataloader)):
        assert loader.dataset.data_root == root
        assert loader.dataset.ann_file == f'annotations/instances_{split}.json'
    assert crowded.val_evaluator.ann_file.endswith('instances_val.json')
    assert crowded.test_evaluator.ann_file == \
        root + 'annotations/instances_test.json'
    assert crowded.train_cfg.max_epochs == 1
    # the schedule ends with the epoch
    assert crowded.param_scheduler[-1].end == 1
    test_cfg = crowded.model.test_cfg
    assert (test_cfg.rcnn if 'rcnn' in test_cfg else test_cfg).max_per_img \
        == 1000
    shapes.model.pop('test_cfg')
    crowded.model.pop('test_cfg')
    assert crowded.model == shapes.model
