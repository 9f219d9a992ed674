# The embedded synthetic shapes dataset (plugin/datasets/shapes.py): COCO
# format, 6 classes, images 192-320 px. tools/train.py and tools/test.py
# generate it under `shapes_dataset.out_dir` when it is missing.
# A plain CocoDataset with no wrapper, so that
#   --cfg-options train_dataloader.dataset.indices=16 train_cfg.max_epochs=1
# gives a quick run.
custom_imports = dict(imports=['plugin'], allow_failed_imports=False)

dataset_type = 'CocoDataset'
data_root = 'data/shapes/'
# val picks the best checkpoint (and any option); test gives the figures
# that are reported (tools/test.py, the demo, the README)
shapes_dataset = dict(
    out_dir=data_root, num_train=600, num_val=100, num_test=100, seed=0)
# Classes and palette: the package's SHAPES_METAINFO, their one definition.
# __import__, not an import statement: mmengine 0.10.7 takes a config with an
# `import` of a non-stdlib module for the lazy-import (read_base) style, which
# cannot be a _base_ of the dict-style configs that inherit this file.
metainfo = __import__(
    'plugin.datasets.shapes', fromlist=['SHAPES_METAINFO']).SHAPES_METAINFO
backend_args = None

# 320: the largest image side of the dataset, so nothing is downscaled
img_scale = (320, 320)
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(
        val_dataloader['dataset'],
        ann_file='annotations/instances_test.json',
        data_prefix=dict(img='test/')))

val_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/instances_val.json',
    metric='bbox',
    format_only=False,
    backend_args=backend_args)
test_evaluator = dict(
    val_evaluator, ann_file=data_root + 'annotations/instances_test.json')
