# The RPN with SiamRPN's label rules (pysot's AnchorTarget and losses) on the
# shapes dataset; backbone, data and schedule are rpn_shapes.py's.
#
# * one score map, as SiamRPN's: HRFPN fuses the four stages into a single
#   stride-8 map, with 5 ratios (0.33, 0.5, 1, 2, 3) at one scale (6: 48 px
#   anchors, the middle of the 14..144 px objects);
# * assignment: IoU > 0.6 positive (strict), < 0.3 negative, no best anchor
#   per gt, no border rule;
# * sampling: at most 16 positives and 48 negatives per image;
# * losses: 0.5 x mean over the batch's sampled positives + 0.5 x mean over
#   its negatives; L1 summed over the 4 deltas, 1 / positives of the image,
#   averaged over images (SiamRPNSampler's weights), times 1.2 (pysot's
#   LOC_WEIGHT).
#
# Measured (val AR@100, seed 0, 12 epochs, see docs/rpn.md): 0.024 with
# this single map, 0.019 with rpn_shapes.py's four-level FPN and anchors.
# These rules do not train this small detector from scratch within the
# budget: after training, sampled positives score 0.52 and negatives 0.49
# on average (SiamRPN trains from an ImageNet backbone, for far longer).
_base_ = './rpn_shapes.py'

model = dict(
    neck=dict(
        _delete_=True,
        type='HRFPN',  # upsample, concatenate, fuse: one map
        in_channels=[32, 64, 128, 256],
        out_channels=64,
        num_outs=1,
        stride=2),  # stride 4 -> 8
    rpn_head=dict(
        anchor_generator=dict(
            scales=[6], ratios=[0.33, 0.5, 1.0, 2.0, 3.0], strides=[8]),
        loss_bbox=dict(type='L1Loss', loss_weight=1.2)),
    train_cfg=dict(
        rpn=dict(
            _delete_=True,
            assigner=dict(
                type='plugin.BatchMaxIoUAssigner',
                pos_iou_thr=0.6,
                pos_iou_strict=True,
                neg_iou_thr=0.3,
                match_low_quality=False),
            sampler=dict(type='plugin.SiamRPNSampler', pos_num=16,
                         neg_num=48),
            allowed_border=-1,
            pos_weight=-1)))
