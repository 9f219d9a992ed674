# pysot's SiamRPN++ siamrpn_r50_l234_dwxcorr (github.com/STVIR/pysot,
# experiments/siamrpn_r50_l234_dwxcorr/config.yaml; MODEL_ZOO.md: VOT2018
# EAO 0.415), for its released model.pth converted by tools/convert_pysot.py:
#
#   python tools/convert_pysot.py siamrpn_r50_l234_dwxcorr/model.pth \
#       checkpoints/siamrpn_r50_l234_dwxcorr.pth
#   python tools/test_tracker.py \
#       configs/siamrpn/pysot/siamrpn_r50_l234_dwxcorr.py \
#       checkpoints/siamrpn_r50_l234_dwxcorr.pth --dataset vot --data-root DIR
#
# The network, from the experiment's config.yaml:
#   BACKBONE: resnet50, used_layers [2, 3, 4]  -> plugin.SiamResNet (pysot's
#     atrous ResNet-50: mmdet's ResNet cannot be set up to match it)
#   ADJUST: AdjustAllLayer, in_channels [512, 1024, 2048], out_channels
#     [256, 256, 256] (center_size 7)          -> plugin.SiamAdjust
#   RPN: MultiRPN, anchor_num 5, in_channels [256, 256, 256], weighted true
#                                              -> depthwise head, 3 levels,
#                                                 softmax level weights
#   ANCHOR: STRIDE 8, RATIOS [0.33, 0.5, 1, 2, 3], SCALES [8]
#   TRACK: EXEMPLAR_SIZE 127, INSTANCE_SIZE 255, BASE_SIZE 8 (score map
#     (255 - 127) / 8 + 1 + 8 = 25 cells), CONTEXT_AMOUNT 0.5, PENALTY_K
#     0.05, WINDOW_INFLUENCE 0.42, LR 0.38
# Geometry: 15 x 15 template maps (the neck keeps the centre 7 x 7), 31 x 31
# search maps; the 3 x 3 convs of the head make 5 x 5 kernels and 29 x 29
# maps: 25 x 25 scores. The input (BGR 0..255), anchors, template size and
# pysot's crops come from configs/_base_/siamrpn_pysot.py. For tracking
# with converted weights: pysot's training recipe is not reproduced here.
_base_ = '../../_base_/siamrpn_pysot.py'

model = dict(
    backbone=dict(type='plugin.SiamResNet', depth=50, used_layers=(2, 3, 4)),
    neck=dict(
        type='plugin.SiamAdjust',
        in_channels=[512, 1024, 2048],  # ADJUST.KWARGS.in_channels
        out_channels=[256, 256, 256],  # ADJUST.KWARGS.out_channels
        center_size=7,  # AdjustLayer's default
        crop_below=20,  # AdjustLayer: maps narrower than 20 are templates
        even_align='left'),  # AdjustLayer's (w - 7) // 2 (15 is odd: moot)
    head=dict(
        in_channels=[256, 256, 256],  # RPN.KWARGS.in_channels
        feat_channels=[256, 256, 256],  # MultiRPN: hidden = in_channels
        corr='depthwise',
        weighted=True,  # RPN.KWARGS.weighted
        anchor_generator=dict(
            type='plugin.SiamRPNAnchorGenerator',
            stride=8,  # ANCHOR.STRIDE
            ratios=(0.33, 0.5, 1., 2., 3.),  # ANCHOR.RATIOS
            scales=(8., ))),  # ANCHOR.SCALES
    test_cfg=dict(
        search_size=255,  # TRACK.INSTANCE_SIZE
        penalty_k=0.05,  # TRACK.PENALTY_K
        window_influence=0.42,  # TRACK.WINDOW_INFLUENCE
        lr=0.38))  # TRACK.LR
