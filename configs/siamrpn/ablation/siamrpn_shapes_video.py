# Ablation of configs/siamrpn/siamrpn_shapes.py (docs/siamrpn.md#ablation),
# step 2: plus pairs from two frames of the training videos (1,200 video +
# 1,200 still-image pairs an epoch); no augmentation besides the crop's
# jitter, no hard negatives.
_base_ = '../siamrpn_shapes.py'

# the recipe's two sources with the crop alone in their pipelines
plain_video_pairs = dict(
    type='plugin.SiamVideoPairDataset',
    data_root='data/shapes_tracking/train/',
    ann_file='annotations.json',
    frame_range=100,
    num_pairs=1200,
    pipeline=[
        dict(type='plugin.LoadPairFrames'), {{_base_.pair_crop}},
        dict(type='plugin.PackSiamInputs')
    ])
plain_image_pairs = dict(
    type='RepeatDataset',
    times=2,
    dataset=dict(
        type='CocoDataset',
        data_root='data/shapes/',
        metainfo={{_base_.metainfo}},
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations', with_bbox=True), {{_base_.pair_crop}},
            dict(type='plugin.PackSiamInputs')
        ]))
train_dataloader = dict(
    dataset=dict(datasets=[plain_video_pairs, plain_image_pairs]))
