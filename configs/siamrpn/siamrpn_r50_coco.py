# SiamRPN++ (pysot's siamrpn_r50_l234_dwxcorr) for GPU users: ResNet-50
# with its last two stages dilated (stride 8), SiamRPN++'s neck (1 x 1 conv
# to 256 channels per level, the template's 7 x 7 centre), depthwise
# correlation on layers 2, 3 and 4 fused by learned weights; trained on
# template/search pairs from COCO train2017, validated on the shapes videos
# (plugin/datasets/shapes_tracking.py: the one tracking set available
# offline; point val_dataloader at your own sequences in the same format).
#
#   bash tools/dist_train.sh configs/siamrpn/siamrpn_r50_coco.py 8
#
# Pretrained weights: torchvision's ImageNet ResNet-50 (downloaded when
# training starts). Offline, the config still builds; train from scratch
# with --cfg-options model.backbone.init_cfg=None.
#
# Geometry: template 127, search 255 (pysot's). mmdet's ResNet pads its
# convs, so feature cell i is centred on pixel 8 i + 0.5: the 16 x 16 template
# map is cropped to cells 5..11 (SiamAdjust: the centre cell nearest the
# template's centre), the depthwise branches' 3 x 3 convs give 5 x 5
# kernels on 30 x 30 search maps, a 26 x 26 score map whose cell 13 faces
# the search centre, where SiamRPNAnchorGenerator puts its centre cell.
_base_ = '../_base_/siamrpn.py'

template_size = 127
search_size = 255

model = dict(
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        out_indices=(1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='plugin.SiamAdjust',
        in_channels=[512, 1024, 2048],
        out_channels=256,
        center_size=7),
    head=dict(
        in_channels=[256, 256, 256],
        feat_channels=256,
        weighted=True,
        anchor_generator=dict(scales=(8., ))),
    # pysot's siamrpn_r50_l234_dwxcorr tracking options
    test_cfg=dict(
        template_size=template_size,
        search_size=search_size,
        context_amount=0.5,
        penalty_k=0.05,
        window_influence=0.42,
        lr=0.38))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='plugin.SiamPairCrop',
        template_size=template_size,
        search_size=search_size,
        search_shift=64,  # pysot's SEARCH.SHIFT
        search_scale=0.18,  # pysot's SEARCH.SCALE
        neg_prob=0.2),  # pysot's DATASET.NEG
    dict(type='plugin.PackSiamInputs')
]
train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='CocoDataset',
        data_root='data/coco/',
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline=train_pipeline))
val_dataloader = dict(num_workers=2)
test_dataloader = dict(num_workers=2)

# pysot: SGD, 20 epochs, warm-up then log-decay; here a cosine after a
# linear warm-up, and the pretrained backbone at a tenth of the rate
max_epochs = 20
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1))),
    clip_grad=dict(max_norm=10, norm_type=2))
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=1000),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min_ratio=0.01,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
default_hooks = dict(logger=dict(type='LoggerHook', interval=50))
auto_scale_lr = dict(enable=False, base_batch_size=32)
