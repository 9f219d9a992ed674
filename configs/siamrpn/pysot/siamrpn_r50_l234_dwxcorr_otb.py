# pysot's SiamRPN++ siamrpn_r50_l234_dwxcorr_otb (github.com/STVIR/pysot,
# experiments/siamrpn_r50_l234_dwxcorr_otb/config.yaml; MODEL_ZOO.md:
# OTB2015 AUC 0.696), for its released model.pth converted by
# tools/convert_pysot.py (picked for a MultiRPN checkpoint without level
# weights):
#
#   python tools/convert_pysot.py siamrpn_r50_l234_dwxcorr_otb/model.pth \
#       checkpoints/siamrpn_r50_l234_dwxcorr_otb.pth
#   python tools/test_tracker.py \
#       configs/siamrpn/pysot/siamrpn_r50_l234_dwxcorr_otb.py \
#       checkpoints/siamrpn_r50_l234_dwxcorr_otb.pth --dataset otb \
#       --data-root DIR
#
# Its config.yaml is siamrpn_r50_l234_dwxcorr's but for
#   RPN: MultiRPN weighted False               -> the levels averaged
#   TRACK: PENALTY_K 0.24, WINDOW_INFLUENCE 0.5, LR 0.25
# (the same resnet50 layers 2-4, AdjustAllLayer 512 / 1024 / 2048 -> 256,
# anchors, EXEMPLAR_SIZE 127, INSTANCE_SIZE 255, BASE_SIZE 8,
# CONTEXT_AMOUNT 0.5).
_base_ = './siamrpn_r50_l234_dwxcorr.py'

model = dict(
    head=dict(weighted=False),  # RPN.KWARGS.weighted
    test_cfg=dict(
        penalty_k=0.24,  # TRACK.PENALTY_K
        window_influence=0.5,  # TRACK.WINDOW_INFLUENCE
        lr=0.25))  # TRACK.LR
