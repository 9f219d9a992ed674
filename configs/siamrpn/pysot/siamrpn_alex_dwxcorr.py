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
# pysot feeds its networks BGR pixels in 0..255, not normalised: so does
# the data preprocessor here. The tracker computes pysot's SiamRPNTracker
# but for the crops: pysot rounds the crop sides to whole pixels and cuts
# a whole-pixel window up to 1.5 px off the target's centre, this tracker
# the exact window (plugin.models.trackers.PysotCropTracker cuts pysot's,
# for pysot's boxes; tests/tools/test_convert_pysot.py measures both). For
# tracking with converted weights: pysot's training recipe (data,
# schedule) is not reproduced; the labels and losses are the base's
# SiamRPN ones. Tested by default on the base's shapes videos; --dataset
# for a benchmark.
_base_ = '../../_base_/siamrpn.py'

template_size = 127  # TRACK.EXEMPLAR_SIZE
search_size = 287  # TRACK.INSTANCE_SIZE

model = dict(
    # pysot: BGR, 0..255, no mean / std
    data_preprocessor=dict(
        _delete_=True, type='plugin.SiamDataPreprocessor', bgr_to_rgb=False),
    backbone=dict(type='plugin.SiamAlexNet', width_mult=1.0),
    head=dict(
        in_channels=256,  # RPN.KWARGS.in_channels
        feat_channels=256,  # RPN.KWARGS.out_channels (the hidden width)
        corr='depthwise',
        anchor_generator=dict(
            type='plugin.SiamRPNAnchorGenerator',
            stride=8,  # ANCHOR.STRIDE
            ratios=(0.33, 0.5, 1., 2., 3.),  # ANCHOR.RATIOS
            scales=(8., ))),  # ANCHOR.SCALES
    test_cfg=dict(
        # pysot's crops (rounded windows, edge padding): pysot's boxes from
        # its weights (plugin/models/trackers/pysot_crop.py)
        crop='pysot',
        template_size=template_size,
        search_size=search_size,
        context_amount=0.5,  # TRACK.CONTEXT_AMOUNT
        penalty_k=0.16,  # TRACK.PENALTY_K
        window_influence=0.40,  # TRACK.WINDOW_INFLUENCE
        lr=0.30,  # TRACK.LR
        min_size=10.))  # pysot's _bbox_clip: sides of at least 10 px
