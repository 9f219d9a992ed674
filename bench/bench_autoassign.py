"""AutoAssign loss_by_feat + backward: plugin, with its window and dense
paths, vs mmdet 3.3.0, same inputs.

Batch 8 x 30 gts at 512x512 by default (P = 5456 points over strides
8..128), 80 classes, the COCO head's loss settings. The heads run
interleaved on the same outputs; prints the median time of each, the median
of the per-run ratios against mmdet (and window against dense) and the peak
memory of one run of each. Not a test: the speed targets live here (on the
CPU: plugin >= 3x mmdet by default, >= 10x on the crowded batch within 1/10
of mmdet's memory; the extreme image in < 3 s within 1 GiB).

mmdet is skipped when its estimated peak (``MMDET_BYTES_PER_TRIPLE`` per
(image, point, gt) triple) would pass half of the machine's memory (the
GPU's on CUDA), and plugin's dense path above ``--max-dense-triples``
triples on the CPU.

    python bench/bench_autoassign.py                              # default
    python bench/bench_autoassign.py --gts 1000 --size 800x1216 --batch 2 \\
        --runs 3 --warmup 1                                       # crowded
    python bench/bench_autoassign.py --gts 5000 --size 3000 --batch 1 \\
        --box-max 100 --runs 3 --warmup 1                         # extreme
    python bench/bench_autoassign.py --crossover   # window vs dense, small
    python bench/bench_autoassign.py --device cuda                # GPU

``--box-max`` caps the gts' sides in pixels (default: 40 % of the image,
as the other benches).
"""
import argparse
import math
import statistics
from typing import Callable, Dict, List

import benchlib
import torch
from bench_rpn import memory_limit_mib
from mmdet.models.dense_heads import AutoAssignHead as MMDetAutoAssignHead

from plugin.models.dense_heads import AutoAssignHead
from plugin.models.dense_heads.autoassign_head import (AUTO_MIN_TRIPLES,
                                                      AUTO_MIN_TRIPLES_CPU)

STRIDES = (8, 16, 32, 64, 128)
# mmdet's peak per (image, point, gt) triple: +7486 MB measured on the
# crowded batch (2 x 1000 gts x 20,232 points) on the CPU, about 46 floats
MMDET_BYTES_PER_TRIPLE = 7486e6 / (2 * 1000 * 20232)
# --crossover: (batch, gts, image side) around the auto rule
CROSSOVER = ((2, 10, 256), (8, 5, 512), (8, 10, 512), (4, 30, 512),
             (8, 30, 512), (8, 60, 512), (2, 100, 800), (8, 100, 512))


def head_cfg(args) -> dict:
    return dict(
        num_classes=args.classes,
        in_channels=8,
        feat_channels=32,
        stacked_convs=1,
        strides=STRIDES,
        loss_bbox=dict(type='GIoULoss', loss_weight=5.0))


def make_inputs(args, device):
    """Random head outputs and random gts, seeded."""
    g = torch.Generator().manual_seed(0)
    cls, box, obj = [], [], []
    for s in STRIDES:
        h, w = (math.ceil(x / s) for x in args.size)
        cls.append(torch.randn(args.batch, args.classes, h, w, generator=g))
        box.append(torch.rand(args.batch, 4, h, w, generator=g) * 4 * s)
        obj.append(torch.randn(args.batch, 1, h, w, generator=g))
    gts = benchlib.random_gts(args, g, device,
                              max_side=getattr(args, 'box_max', None))
    to = lambda xs: [x.to(device) for x in xs]  # noqa: E731
    return to(cls), to(box), to(obj), gts


def parse_args() -> argparse.Namespace:
    parser = benchlib.base_parser(__doc__)
    benchlib.add_path_options(parser)
    parser.add_argument('--max-dense-triples', type=float, default=2e8,
                        help="skip plugin's dense path above this many "
                        '(image, point, gt) triples on the CPU')
    return parser.parse_args()


def crossover(args: argparse.Namespace, device: torch.device) -> None:
    """plugin's loss + backward, dense vs window (interleaved), median of
    ``--runs``, around ``AUTO_MIN_TRIPLES``."""
    print(f'AutoAssign loss_by_feat + backward, {args.classes} classes, '
          f'{device}, {torch.get_num_threads()} threads, median of '
          f'{args.runs}; auto takes the window path from '
          f'{AUTO_MIN_TRIPLES_CPU:,} triples on the CPU, '
          f'{AUTO_MIN_TRIPLES:,} elsewhere')
    print('  batch x gts, image: B P G | dense ms | window ms | '
          'dense / window | auto')
    for batch, gts, side in CROSSOVER:
        case = argparse.Namespace(batch=batch, gts=gts, size=(side, side),
                                  classes=args.classes, box_max=None)
        *outputs, gt_instances = make_inputs(case, device)
        metas = [dict(img_shape=case.size)] * batch
        head = AutoAssignHead(**head_cfg(args)).to(device)

        def runner(mode: str) -> Callable[[], None]:
            def run():
                head.assign_mode = mode
                benchlib.loss_and_backward(head, outputs, gt_instances,
                                           metas)
            return run

        times = {
            mode: statistics.median(runs)
            for mode, runs in benchlib.time_interleaved(
                {mode: runner(mode)
                 for mode in ('dense', 'window')}, args, device).items()
        }
        num_points = sum(o.shape[-2] * o.shape[-1] for o in outputs[0])
        triples = batch * num_points * gts
        head.assign_mode = 'auto'
        chosen = 'window' if head.uses_windows(device.type, batch,
                                               num_points, gts) else 'dense'
        print(f'  {batch} x {gts:3d}, {side}x{side}: {triples:>11,} | '
              f'{times["dense"] * 1e3:8.1f} | {times["window"] * 1e3:9.1f} | '
              f'{times["dense"] / times["window"]:5.2f}x | {chosen}')


def main() -> None:
    args = parse_args()
    device = benchlib.setup(args)
    if args.crossover:
        crossover(args, device)
        return
    *outputs, gts = make_inputs(args, device)
    h, w = args.size
    metas = [dict(img_shape=(h, w), pad_shape=(h, w))] * args.batch
    num_points = sum(o.shape[-2] * o.shape[-1] for o in outputs[0])
    num_gts = max(len(g) for g in gts)
    triples = args.batch * num_points * num_gts
    heads: Dict[str, torch.nn.Module] = {}
    skipped: List[str] = []
    mmdet_mib = triples * MMDET_BYTES_PER_TRIPLE / 2**20
    if mmdet_mib > memory_limit_mib(device):
        skipped.append(f'mmdet 3.3.0: skipped: its peak would be about '
                       f'{mmdet_mib:,.0f} MiB ({MMDET_BYTES_PER_TRIPLE:.0f} '
                       f'bytes x {triples:,} (image, point, gt) triples)')
    else:
        heads['mmdet 3.3.0'] = MMDetAutoAssignHead(**head_cfg(args))
    for mode in args.paths.split(','):
        if (mode == 'dense' and device.type == 'cpu'
                and triples > args.max_dense_triples):
            skipped.append(f'plugin, dense: skipped: {triples:,} triples '
                           f'(> --max-dense-triples)')
            continue
        heads[f'plugin, {mode}'] = AutoAssignHead(**head_cfg(args),
                                                  assign_mode=mode)
    torch.manual_seed(0)
    weights = AutoAssignHead(**head_cfg(args)).state_dict()
    for head in heads.values():
        head.load_state_dict(weights)
        head.to(device)
    benchlib.compare_paths(
        f'AutoAssign loss_by_feat + backward, batch {args.batch} x '
        f'{args.gts} gts, {h}x{w} ({num_points} points), {args.classes} '
        f'classes, {device}, {torch.get_num_threads()} threads, median of '
        f'{args.runs} ({{seconds}} s)', heads, skipped, outputs, gts, metas,
        args, device)


if __name__ == '__main__':
    main()
