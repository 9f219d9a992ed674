# What the SiamRPN configs share: the model's type, preprocessing, head
# (depthwise correlation, SiamRPN's 5 ratios at stride 8, CE + 1.2 L1) and
# labels (IoU > 0.6 strict / < 0.3, no best anchor, 16 of 64, negative
# pairs' 7 x 7 centre window); validation by one-pass evaluation on the
# shapes videos' val split, testing on their test split
# (plugin/datasets/shapes_tracking.py: train / val / test videos from
# disjoint seeds, generated on first use by tools/train.py and
# tools/test.py), the best checkpoint kept by val. Each config sets the
# backbone, sizes, tracking options, training data and schedule.
_base_ = './shapes_runtime.py'
custom_imports = dict(imports=['plugin'], allow_failed_imports=False)

# videos per split; the test split is the 30 videos of earlier versions
shapes_tracking = dict(
    out_dir='data/shapes_tracking/',
    splits=dict(train=40, val=20, test=30),
    num_frames=100,
    seed=0)

model = dict(
    type='plugin.SiamRPN',
    data_preprocessor=dict(
        type='plugin.SiamDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    head=dict(
        type='plugin.SiameseRPNHead',
        corr='depthwise',
        anchor_generator=dict(
            type='plugin.SiamRPNAnchorGenerator',
            stride=8,
            ratios=(0.33, 0.5, 1., 2., 3.)),
        loss_cls=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.2)),  # pysot's 1.2
    train_cfg=dict(
        assigner=dict(
            type='plugin.BatchMaxIoUAssigner',
            pos_iou_thr=0.6,
            pos_iou_strict=True,
            neg_iou_thr=0.3,
            match_low_quality=False),
        sampler=dict(type='plugin.SiamRPNSampler', pos_num=16, neg_num=48),
        neg_radius=3))

# one whole video per item (plugin/datasets/tracking_dataset.py)
sequence_dataset = dict(
    type='plugin.TrackingSequenceDataset',
    ann_file='annotations.json',
    test_mode=True,
    pipeline=[
        dict(type='plugin.LoadSequenceFrames'),
        dict(type='plugin.PackSequenceInputs')
    ])
val_dataloader = dict(
    batch_size=10,  # sequences tracked in lockstep
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    # checkpoints are picked on val; the figures reported come from test
    dataset=dict(sequence_dataset, data_root='data/shapes_tracking/val/'))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(sequence_dataset, data_root='data/shapes_tracking/test/'))
val_evaluator = dict(type='plugin.OPEMetric')
test_evaluator = val_evaluator

default_hooks = dict(
    checkpoint=dict(save_best='ope/success', rule='greater'))
