"""AutoAssign loss_by_feat + backward: plugin vs mmdet 3.3.0, same inputs.

Batch 8 x 30 gts at 512x512 (P = 5456 points over strides 8..128), 80
classes, the COCO head's loss settings. The two heads run alternately on the
same inputs; prints the median time of each, the median of the per-run
ratios and the peak memory of one run of each. Not a test: a speed target
lives here (plugin >= 3x mmdet on CPU).

    python bench/bench_autoassign.py                 # CPU
    python bench/bench_autoassign.py --device cuda   # GPU
"""
import benchlib
import torch
from mmdet.models.dense_heads import AutoAssignHead as MMDetAutoAssignHead

from plugin.models.dense_heads import AutoAssignHead

STRIDES = (8, 16, 32, 64, 128)


def make_inputs(args, device):
    """Random head outputs and random gts, seeded."""
    g = torch.Generator().manual_seed(0)
    cls, box, obj = [], [], []
    for s in STRIDES:
        h, w = (x // s for x in args.size)
        cls.append(torch.randn(args.batch, args.classes, h, w, generator=g))
        box.append(torch.rand(args.batch, 4, h, w, generator=g) * 4 * s)
        obj.append(torch.randn(args.batch, 1, h, w, generator=g))
    gts = benchlib.random_gts(args, g, device)
    to = lambda xs: [x.to(device) for x in xs]  # noqa: E731
    return to(cls), to(box), to(obj), gts


def main() -> None:
    args = benchlib.base_parser(__doc__).parse_args()
    device = benchlib.setup(args)
    cfg = dict(
        num_classes=args.classes,
        in_channels=8,
        feat_channels=32,
        stacked_convs=1,
        strides=STRIDES,
        loss_bbox=dict(type='GIoULoss', loss_weight=5.0))
    ours = AutoAssignHead(**cfg).to(device)
    theirs = MMDetAutoAssignHead(**cfg).to(device)
    *outputs, gts = make_inputs(args, device)
    metas = [dict(img_shape=args.size)] * args.batch
    benchlib.compare(
        f'AutoAssign loss_by_feat + backward, batch {args.batch} x '
        f'{args.gts} gts, {args.size[0]}x{args.size[1]}, {args.classes} classes, '
        f'{device}, {torch.get_num_threads()} threads, median of '
        f'{args.runs}',
        ours, theirs, outputs, gts, metas, args, device)


if __name__ == '__main__':
    main()
