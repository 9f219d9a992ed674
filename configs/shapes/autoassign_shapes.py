# AutoAssign on the embedded shapes dataset: a small ResNet-18 (half width)
# + FPN trained from scratch, sized to train on 2 CPU cores in minutes.
# Evaluates COCO bbox mAP every epoch and keeps the best checkpoint.
_base_ = [
    '../_base_/shapes_runtime.py',
    '../_base_/shapes_detection.py',
    '../_base_/shapes_model.py',
]
custom_imports = dict(imports=['plugin'], allow_failed_imports=False)

model = dict(
    type='AutoAssign',
    backbone=dict(out_indices=(1, 2, 3)),  # strides 8, 16, 32
    neck=dict(
        type='FPN',
        in_channels=[64, 128, 256],
        out_channels=64,
        start_level=0,
        add_extra_convs='on_output',
        num_outs=4,  # strides 8..64: objects are 9-160 px
        relu_before_extra_convs=True),
    bbox_head=dict(
        type='plugin.AutoAssignHead',
        num_classes=6,
        in_channels=64,
        stacked_convs=2,
        feat_channels=64,
        strides=[8, 16, 32, 64],
        # boxes smaller than a stride hold no point: borrow the nearest ones
        force_topk=True,
        topk=9,
        loss_bbox=dict(type='GIoULoss', loss_weight=5.0)),
    train_cfg=None,
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.6),
        max_per_img=100))

max_epochs = 12
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=150),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs,
         T_max=max_epochs, eta_min=2e-5, convert_to_iter_based=True)
]
