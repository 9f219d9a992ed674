# What every shapes model shares: the data preprocessor and the backbone, a
# ResNet-18 at half width (stage widths 32, 64, 128, 256) trained from
# scratch (init_cfg None: nothing to download offline). Each config picks
# its stages (num_stages, out_indices) and adds its neck and heads.

# ImageNet statistics; 32: the largest stride of the shapes models
model = dict(
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='ResNet',
        depth=18,
        base_channels=32,
        num_stages=4,
        out_indices=(0, 1, 2, 3),  # strides 4, 8, 16, 32
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=None))
