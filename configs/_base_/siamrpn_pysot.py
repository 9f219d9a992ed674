# What the configs of pysot's experiments (configs/siamrpn/pysot/) share,
# from pysot's config.yaml files and its SiamRPNTracker: BGR pixels in
# 0..255 into the network (no mean / std), the anchors (ANCHOR.STRIDE 8,
# RATIOS [0.33, 0.5, 1, 2, 3], SCALES [8]), the 127 px template
# (TRACK.EXEMPLAR_SIZE), TRACK.CONTEXT_AMOUNT 0.5, pysot's _bbox_clip (sides
# of at least 10 px) and pysot's crops (rounded windows, edge padding:
# plugin/models/trackers/pysot_crop.py), so that converted weights give
# pysot's boxes. Each experiment's config sets the network, the search size
# (TRACK.INSTANCE_SIZE) and PENALTY_K / WINDOW_INFLUENCE / LR.
_base_ = './siamrpn.py'

model = dict(
    data_preprocessor=dict(
        _delete_=True, type='plugin.SiamDataPreprocessor', bgr_to_rgb=False),
    head=dict(
        anchor_generator=dict(
            type='plugin.SiamRPNAnchorGenerator',
            stride=8,
            ratios=(0.33, 0.5, 1., 2., 3.),
            scales=(8., ))),
    test_cfg=dict(
        crop='pysot',
        template_size=127,
        context_amount=0.5,
        min_size=10.))
