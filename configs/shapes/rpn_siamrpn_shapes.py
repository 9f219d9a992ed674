# The RPN with SiamRPN's label rules (pysot's AnchorTarget and losses) on the
# shapes dataset; everything else is rpn_shapes.py.
#
# * anchors: 5 ratios at one scale (SiamRPN's 0.33, 0.5, 1, 2, 3);
# * assignment: IoU > 0.6 positive (strict), < 0.3 negative, no best anchor
#   per gt, no border rule;
# * sampling: at most 16 positives and 48 negatives per image;
# * losses: 0.5 x mean over the batch's sampled positives + 0.5 x mean over
#   its negatives; L1 summed over the 4 deltas, 1 / positives of the image,
#   averaged over images (SiamRPNSampler's weights), times 1.2 (pysot's
#   LOC_WEIGHT).
_base_ = './rpn_shapes.py'

model = dict(
    rpn_head=dict(
        anchor_generator=dict(ratios=[0.33, 0.5, 1.0, 2.0, 3.0]),
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
