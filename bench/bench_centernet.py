"""CenterNet target generation + loss + backward: plugin vs mmdet 3.3.0.

Batch 8 x 30 objects at 512x512 (a 128x128 stride-4 map), 80 classes, the
COCO head's loss settings. Both heads get the same head outputs (as leaves)
and gts and run alternately; prints the median time of each, the median of
the per-run ratios and the peak memory of one run of each. Not a test: a
speed target lives here (plugin >= 3x mmdet on CPU).

    python bench/bench_centernet.py                 # CPU
    python bench/bench_centernet.py --gts 1000 --size 800x1216 --batch 2 \
        --runs 3 --warmup 1                          # crowded
    python bench/bench_centernet.py --gts 5000 --size 3000 --batch 1 \
        --box-max 100 --runs 3 --warmup 1            # extreme
    python bench/bench_centernet.py --device cuda   # GPU

``--box-max`` caps the gts' sides in pixels (default: 40 % of the image,
as the other benches).
"""
import benchlib
import torch
from mmdet.models.dense_heads import CenterNetHead as MMDetCenterNetHead

from plugin.models.dense_heads import CenterNetHead

STRIDE = 4


def make_inputs(args, device):
    """Random head outputs and random gts (boxes inside the image), seeded."""
    g = torch.Generator().manual_seed(0)
    h, w = (x // STRIDE for x in args.size)
    # a mostly-background, partly trained heatmap
    heatmap = torch.rand(args.batch, args.classes, h, w, generator=g) * 0.3
    wh = torch.rand(args.batch, 2, h, w, generator=g) * min(h, w) / 4
    offset = torch.rand(args.batch, 2, h, w, generator=g)
    gts = benchlib.random_gts(args, g, device,
                              max_side=getattr(args, 'box_max', None))
    return [heatmap.to(device)], [wh.to(device)], [offset.to(device)], gts


def main() -> None:
    parser = benchlib.base_parser(__doc__)
    benchlib.add_box_max(parser)
    args = parser.parse_args()
    device = benchlib.setup(args)
    cfg = dict(in_channels=8, feat_channels=8, num_classes=args.classes)
    ours = CenterNetHead(**cfg).to(device)
    theirs = MMDetCenterNetHead(**cfg).to(device)
    *outputs, gts = make_inputs(args, device)
    metas = [dict(batch_input_shape=args.size)] * args.batch
    h, w = (x // STRIDE for x in args.size)
    benchlib.compare(
        f'CenterNet targets + loss_by_feat + backward, batch {args.batch} x '
        f'{args.gts} gts, {args.size[0]}x{args.size[1]} ({h}x{w} map), '
        f'{args.classes} classes, {device}, {torch.get_num_threads()} '
        f'threads, median of {args.runs}',
        ours, theirs, outputs, gts, metas, args, device)


if __name__ == '__main__':
    main()
