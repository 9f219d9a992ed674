# Faster R-CNN with plugin.RPNHead on the shapes dataset, trained from
# scratch on 2 CPU cores in under 10 minutes; COCO bbox mAP every epoch.
# Backbone, neck and RPN are rpn_shapes.py's; the RoI head is mmdet's
# Faster R-CNN one, slimmed for the CPU (256-wide FCs, 128 RoIs per image).
# `--cfg-options model.rpn_head.type=RPNHead` trains mmdet's RPN head.
_base_ = './rpn_shapes.py'

model = dict(
    type='FasterRCNN',
    roi_head=dict(
        type='StandardRoIHead',
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
            out_channels=64,
            featmap_strides=[4, 8, 16, 32]),
        bbox_head=dict(
            type='Shared2FCBBoxHead',
            in_channels=64,
            fc_out_channels=256,
            roi_feat_size=7,
            num_classes=6,
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0., 0., 0., 0.],
                target_stds=[0.1, 0.1, 0.2, 0.2]),
            reg_class_agnostic=False,
            loss_cls=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='L1Loss', loss_weight=1.0))),
    train_cfg=dict(
        rpn_proposal=dict(
            nms_pre=1000,
            max_per_img=500,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0),
        rcnn=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=0.5,
                min_pos_iou=0.5,
                match_low_quality=False,
                ignore_iof_thr=-1),
            sampler=dict(
                type='RandomSampler',
                num=128,
                pos_fraction=0.25,
                neg_pos_ub=-1,
                add_gt_as_proposals=True),
            pos_weight=-1,
            debug=False)),
    test_cfg=dict(
        rpn=dict(max_per_img=300),
        rcnn=dict(
            score_thr=0.05,
            nms=dict(type='nms', iou_threshold=0.5),
            max_per_img=100)))

val_evaluator = dict(_delete_=True, type='CocoMetric',
                     ann_file='data/shapes/annotations/instances_val.json',
                     metric='bbox', format_only=False)
test_evaluator = dict(
    val_evaluator, ann_file='data/shapes/annotations/instances_test.json')
default_hooks = dict(checkpoint=dict(save_best='coco/bbox_mAP'))

# 8 epochs: the RoI head doubles the time per iteration of rpn_shapes.py
max_epochs = 8
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=150),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs,
         T_max=max_epochs, eta_min=2e-5, convert_to_iter_based=True)
]
