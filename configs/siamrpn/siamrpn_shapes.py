# SiamRPN++-style tracker (depthwise correlation) trained from scratch on
# template/search pairs cut from the shapes dataset, on a CPU in minutes;
# validated by one-pass evaluation (OTB's protocol) on the synthetic shapes
# videos (plugin/datasets/shapes_tracking.py), the best checkpoint kept.
#
#   python tools/train.py configs/siamrpn/siamrpn_shapes.py
#   python tools/test_tracker.py configs/siamrpn/siamrpn_shapes.py CKPT
#
# Sizes: template 96 px, search 192 px (pysot's 127 / 255 scaled by 3/4 for
# the CPU budget; the same 1 : 2 ratio), stride 8, so the score map is
# (192 - 96) / 8 + 1 = 13 cells. A target fills half the template (the
# context crop is twice its size): 48 px, hence anchors of scale 6 (48 x 48
# at ratio 1), for which an 8 px shift still gives IoU 0.71 > 0.6: a few
# positives per pair, as SiamRPN's 64 px anchors at 255 px have.
_base_ = '../_base_/shapes_runtime.py'
custom_imports = dict(imports=['plugin'], allow_failed_imports=False)

# generated on first use by tools/train.py and tools/test.py
shapes_dataset = dict(
    out_dir='data/shapes/', num_train=600, num_val=100, seed=0)
shapes_tracking = dict(
    out_dir='data/shapes_tracking/', num_sequences=30, num_frames=100, seed=0)

# the shapes classes (any COCO-format dataset works: pairs ignore classes);
# __import__: see configs/_base_/shapes_detection.py
metainfo = __import__(
    'plugin.datasets.shapes', fromlist=['SHAPES_METAINFO']).SHAPES_METAINFO

template_size = 80
search_size = 160

model = dict(
    type='plugin.SiamRPN',
    data_preprocessor=dict(
        type='plugin.SiamDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='plugin.SiamConvNet', channels=(24, 48, 96, 96),
        out_indices=(3, )),
    head=dict(
        type='plugin.SiameseRPNHead',
        in_channels=96,
        feat_channels=64,
        corr='depthwise',
        anchor_generator=dict(
            type='plugin.SiamRPNAnchorGenerator',
            stride=8,
            ratios=(0.33, 0.5, 1., 2., 3.),
            scales=(5., )),
        loss_cls=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.2)),
    train_cfg=dict(
        assigner=dict(
            type='plugin.BatchMaxIoUAssigner',
            pos_iou_thr=0.6,
            pos_iou_strict=True,
            neg_iou_thr=0.3,
            match_low_quality=False),
        sampler=dict(type='plugin.SiamRPNSampler', pos_num=16, neg_num=48),
        neg_radius=3),
    test_cfg=dict(
        template_size=template_size,
        search_size=search_size,
        context_amount=0.5,
        penalty_k=0.16,
        window_influence=0.40,
        lr=0.30))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='plugin.SiamPairCrop',
        template_size=template_size,
        search_size=search_size,
        # pysot: 64 px of 255 (a quarter); 32 px keeps the target on the
        # 13-cell map's inner part (+-48 px)
        search_shift=24,
        search_scale=0.18,
        neg_prob=0.2),
    dict(type='plugin.PackSiamInputs')
]
seq_pipeline = [
    dict(type='plugin.LoadSequenceFrames'),
    dict(type='plugin.PackSequenceInputs')
]

train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='RepeatDataset',
        times=4,  # 2400 pairs an epoch: a new random pair per visit
        dataset=dict(
            type='CocoDataset',
            data_root='data/shapes/',
            metainfo=metainfo,
            ann_file='annotations/instances_train.json',
            data_prefix=dict(img='train/'),
            filter_cfg=dict(filter_empty_gt=True, min_size=4),
            pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=30,  # sequences tracked in lockstep
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='plugin.TrackingSequenceDataset',
        data_root='data/shapes_tracking/',
        ann_file='annotations.json',
        test_mode=True,
        pipeline=seq_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='plugin.OPEMetric')
test_evaluator = val_evaluator

max_epochs = 6
train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=4,
    val_interval=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=100),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min_ratio=0.05,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
default_hooks = dict(
    checkpoint=dict(save_best='ope/success', rule='greater'))
