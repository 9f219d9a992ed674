# pysot's siamrpn_alex_dwxcorr (github.com/STVIR/pysot,
# experiments/siamrpn_alex_dwxcorr/config.yaml; MODEL_ZOO.md: VOT2018 EAO
# 0.352), for its released model.pth converted by tools/convert_pysot.py:
#
#   python tools/convert_pysot.py siamrpn_alex_dwxcorr/model.pth \
#       checkpoints/siamrpn_alex_dwxcorr.pth
#   python tools/test_tracker.py \
#       configs/siamrpn/pysot/siamrpn_alex_dwxcorr.py \
#       checkpoints/siamrpn_alex_dwxcorr.pth --dataset vot --data-root DIR
#
# The network, from the experiment's config.yaml:
#   BACKBONE: alexnetlegacy, width_mult 1.0   -> plugin.SiamAlexNet
#   ADJUST: False                              -> no neck
#   RPN: DepthwiseRPN, anchor_num 5, in_channels 256, out_channels 256
#                                              -> depthwise head, 256 / 256
#   ANCHOR: STRIDE 8, RATIOS [0.33, 0.5, 1, 2, 3], SCALES [8]
#   TRACK: EXEMPLAR_SIZE 127, INSTANCE_SIZE 287, BASE_SIZE 0 (score map
#     (287 - 127) / 8 + 1 = 21 cells), CONTEXT_AMOUNT 0.5, PENALTY_K 0.16,
#     WINDOW_INFLUENCE 0.40, LR 0.30
# What all pysot experiments share (BGR 0..255 input, the anchors, the
# 127 px template, pysot's crops: test_cfg.crop='pysot', so that the boxes
# are pysot's; crop='exact' cuts the exact window instead,
# tests/tools/test_convert_pysot.py measures both) is in
# configs/_base_/siamrpn_pysot.py. For tracking with converted weights:
# pysot's training recipe (data, schedule) is not reproduced; the labels
# and losses are the base's SiamRPN ones. Tested by default on the base's
# shapes videos; --dataset for a benchmark.
_base_ = '../../_base_/siamrpn_pysot.py'

model = dict(
    backbone=dict(type='plugin.SiamAlexNet', width_mult=1.0),
    head=dict(
        in_channels=256,  # RPN.KWARGS.in_channels
        feat_channels=256,  # RPN.KWARGS.out_channels (the hidden width)
        corr='depthwise'),
    test_cfg=dict(
        search_size=287,  # TRACK.INSTANCE_SIZE
        penalty_k=0.16,  # TRACK.PENALTY_K
        window_influence=0.40,  # TRACK.WINDOW_INFLUENCE
        lr=0.30))  # TRACK.LR
