# pysot's siamrpn_alex_dwxcorr_otb (github.com/STVIR/pysot,
# experiments/siamrpn_alex_dwxcorr_otb/config.yaml; MODEL_ZOO.md: OTB2015
# AUC 0.666), for its released model.pth converted by tools/convert_pysot.py
# (with --config configs/siamrpn/pysot/siamrpn_alex_dwxcorr_otb.py: its keys
# are those of siamrpn_alex_dwxcorr, which the tool picks by default).
#
# Its config.yaml is siamrpn_alex_dwxcorr's, value for value (alexnetlegacy
# width 1.0, no adjust, DepthwiseRPN 5 / 256 / 256, stride 8, ratios [0.33,
# 0.5, 1, 2, 3], scales [8], EXEMPLAR_SIZE 127, INSTANCE_SIZE 287,
# BASE_SIZE 0, CONTEXT_AMOUNT 0.5, PENALTY_K 0.16, WINDOW_INFLUENCE 0.40,
# LR 0.30): the weights differ (trained for OTB), not the config.
_base_ = './siamrpn_alex_dwxcorr.py'
