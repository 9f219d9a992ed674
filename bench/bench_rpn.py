"""RPN loss_by_feat + backward (anchor assignment, 256-anchor sampling,
losses): plugin vs mmdet 3.3.0, same inputs.

Batch 8 x 30 gts at 512x512 (65,472 anchors: 3 per position over strides
4..64), mmdet's rpn_r50_fpn head and train_cfg (MaxIoUAssigner 0.7/0.3,
RandomSampler 256 at 0.5, L1). The two heads run alternately on the same
outputs; prints the median time of each, the median of the per-run ratios
and the peak memory of one run of each. Not a test: the speed targets live
here (plugin >= 3x mmdet on CPU; on a crowded batch, at most a quarter of
mmdet's peak memory, and faster).

    python bench/bench_rpn.py                                    # CPU
    python bench/bench_rpn.py --gts 1000 --size 800x1216 --batch 2 \\
        --runs 3 --warmup 1                                      # crowded
    python bench/bench_rpn.py --device cuda                      # GPU
"""
import math

import benchlib
import torch
from mmdet.models.dense_heads import RPNHead as MMDetRPNHead
from mmengine.config import ConfigDict

from plugin.models.dense_heads import RPNHead

STRIDES = (4, 8, 16, 32, 64)
NUM_ANCHORS = 3  # mmdet's rpn: 3 ratios at one scale

# mmdet's configs/_base_/models/rpn_r50_fpn.py
HEAD = dict(
    in_channels=8,
    feat_channels=8,
    anchor_generator=dict(type='AnchorGenerator', scales=[8],
                          ratios=[0.5, 1.0, 2.0], strides=list(STRIDES)),
    bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0] * 4,
                    target_stds=[1.0] * 4),
    loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
    loss_bbox=dict(type='L1Loss', loss_weight=1.0),
    train_cfg=ConfigDict(
        assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.7,
                      neg_iou_thr=0.3, min_pos_iou=0.3, ignore_iof_thr=-1),
        sampler=dict(type='RandomSampler', num=256, pos_fraction=0.5,
                     neg_pos_ub=-1, add_gt_as_proposals=False),
        allowed_border=-1, pos_weight=-1, debug=False))


def make_inputs(args, device):
    """Random head outputs and random gts, seeded."""
    g = torch.Generator().manual_seed(0)
    cls, reg = [], []
    for s in STRIDES:
        h, w = (math.ceil(x / s) for x in args.size)
        cls.append(torch.randn(args.batch, NUM_ANCHORS, h, w, generator=g))
        reg.append(
            torch.randn(args.batch, NUM_ANCHORS * 4, h, w, generator=g) * .1)
    args.classes = 1  # the detectors give the RPN label 0 for every gt
    gts = benchlib.random_gts(args, g, device)
    to = lambda xs: [x.to(device) for x in xs]  # noqa: E731
    return to(cls), to(reg), gts


def main() -> None:
    args = benchlib.base_parser(__doc__).parse_args()
    device = benchlib.setup(args)
    ours = RPNHead(**HEAD).to(device)
    theirs = MMDetRPNHead(**HEAD).to(device)
    *outputs, gts = make_inputs(args, device)
    h, w = args.size
    metas = [dict(img_shape=(h, w), pad_shape=(h, w))] * args.batch
    num_anchors = sum(o.numel() for o in outputs[0]) // args.batch
    benchlib.compare(
        f'RPN loss_by_feat + backward (assign, sample 256, losses), batch '
        f'{args.batch} x {args.gts} gts, {h}x{w} ({num_anchors} anchors), '
        f'{device}, {torch.get_num_threads()} threads, median of '
        f'{args.runs}',
        ours, theirs, outputs, gts, metas, args, device)


if __name__ == '__main__':
    main()
