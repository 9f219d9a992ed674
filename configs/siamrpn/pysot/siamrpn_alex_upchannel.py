# SiamRPN with up-channel correlation (Li et al., CVPR 2018) over pysot's
# AlexNet, as pysot's ModelBuilder builds it (github.com/STVIR/pysot,
# pysot/models/head/rpn.py UPChannelRPN), for such a model.pth converted by
# tools/convert_pysot.py:
#
#   python tools/convert_pysot.py model.pth checkpoints/siamrpn_alex_up.pth
#   python tools/test_tracker.py \
#       configs/siamrpn/pysot/siamrpn_alex_upchannel.py \
#       checkpoints/siamrpn_alex_up.pth
#
# pysot ships no up-channel experiment (experiments/ holds depthwise ones
# only, in every commit of its history); this is the config.yaml of
# experiments/siamrpn_alex_dwxcorr with its RPN swapped:
#   BACKBONE: alexnetlegacy, width_mult 1.0   -> plugin.SiamAlexNet
#   ADJUST: False                              -> no neck
#   RPN: UPChannelRPN, anchor_num 5, feature_in 256
#                                              -> up-channel head, 256
#   ANCHOR: STRIDE 8, RATIOS [0.33, 0.5, 1, 2, 3], SCALES [8]
#   TRACK: as siamrpn_alex_dwxcorr's: EXEMPLAR_SIZE 127, INSTANCE_SIZE 287,
#     BASE_SIZE 0, CONTEXT_AMOUNT 0.5, PENALTY_K 0.16, WINDOW_INFLUENCE
#     0.40, LR 0.30 (the values pysot gives its AlexNet trackers; tune them
#     for a checkpoint with tools/tune_tracker.py)
# Geometry: the 6 x 6 template map gives 4 x 4 kernels of 256 channels
# (2K = 10 score and 4K = 20 box kernels), the 26 x 26 search map 24 x 24
# after the search conv: a 21 x 21 score map, as the depthwise head's.
_base_ = './siamrpn_alex_dwxcorr.py'

model = dict(
    head=dict(
        in_channels=256,  # RPN.KWARGS.feature_in
        corr='up_channel'))
