"""RPN loss_by_feat + backward (anchor assignment, 256-anchor sampling,
losses): plugin, with the assigner's window and dense paths, vs mmdet 3.3.0,
same inputs.

Batch 8 x 30 gts at 512x512 by default (65,472 anchors: 3 per position over
strides 4..64), mmdet's rpn_r50_fpn head and train_cfg (MaxIoUAssigner
0.7/0.3, RandomSampler 256 at 0.5, L1). The heads run interleaved on the
same outputs; prints the median time of each, the median of the per-run
ratios against mmdet (and window against dense) and the peak memory of one
run of each. Not a test: the speed targets live here (on the CPU: plugin >=
3x mmdet by default, >= 10x on the crowded batch within a small fraction
of mmdet's memory; the extreme image in < 2 s within 500 MiB).

mmdet is skipped when its IoU matrix alone (G x N x 4 bytes for the image
with the most gts; it holds several such buffers) would take more than half
of the machine's memory (the GPU's on CUDA), and plugin's dense path above
``--max-dense-pairs`` pairs (B x G x N) on the CPU.

    python bench/bench_rpn.py                                    # default
    python bench/bench_rpn.py --gts 1000 --size 800x1216 --batch 2 \\
        --runs 3 --warmup 1                                      # crowded
    python bench/bench_rpn.py --gts 5000 --size 3000 --batch 1 \\
        --box-max 100 --runs 3 --warmup 1                        # extreme
    python bench/bench_rpn.py --crossover      # assigner only, small cases
    python bench/bench_rpn.py --device cuda                      # GPU

``--box-max`` caps the gts' sides in pixels (default: 40 % of the image, as
the other benches). The extreme case is an aerial image, whose objects are
small: 5000 boxes of up to 40 % of 3000 px would cover every point about
200 times over.
"""
import argparse
import math
import statistics
from typing import Callable, Dict, List

import benchlib
import torch
from mmdet.models.dense_heads import RPNHead as MMDetRPNHead
from mmdet.models.task_modules.prior_generators import AnchorGenerator
from mmengine.config import ConfigDict

from plugin.models.dense_heads import RPNHead
from plugin.models.task_modules.assigners import BatchMaxIoUAssigner
from plugin.models.task_modules.prior_generators import anchor_grid
from plugin.models.utils import stack_batch_gt

STRIDES = (4, 8, 16, 32, 64)
NUM_ANCHORS = 3  # mmdet's rpn: 3 ratios at one scale

# mmdet's configs/_base_/models/rpn_r50_fpn.py
ASSIGNER = dict(type='MaxIoUAssigner', pos_iou_thr=0.7, neg_iou_thr=0.3,
                min_pos_iou=0.3, ignore_iof_thr=-1)
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
        assigner=ASSIGNER,
        sampler=dict(type='RandomSampler', num=256, pos_fraction=0.5,
                     neg_pos_ub=-1, add_gt_as_proposals=False),
        allowed_border=-1, pos_weight=-1, debug=False))

# --crossover: (batch, gts, image side) around the CPU's auto rule
CROSSOVER = ((1, 3, 128), (2, 10, 256), (8, 3, 512), (8, 5, 512),
             (8, 8, 512), (4, 10, 512), (2, 30, 512), (1, 15, 800),
             (8, 30, 512))


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
    gts = benchlib.random_gts(args, g, device,
                              max_side=getattr(args, 'box_max', None))
    to = lambda xs: [x.to(device) for x in xs]  # noqa: E731
    return to(cls), to(reg), gts


def plugin_head(mode: str) -> RPNHead:
    """plugin's head with the assigner's ``mode`` (mmdet's arguments)."""
    cfg = dict(HEAD)
    cfg['train_cfg'] = ConfigDict(
        HEAD['train_cfg'],
        assigner=dict(ASSIGNER, type='plugin.BatchMaxIoUAssigner',
                      mode=mode))
    return RPNHead(**cfg)


def without_type(cfg: dict) -> dict:
    """A component config's arguments."""
    return {k: v for k, v in cfg.items() if k != 'type'}


def memory_limit_mib(device: torch.device) -> float:
    """Half of the device's memory, in MiB."""
    if device.type == 'cuda':
        return torch.cuda.get_device_properties(device).total_memory / 2**21
    with open('/proc/meminfo') as f:
        total_kib = int(f.readline().split()[1])  # MemTotal
    return total_kib / 2048


def parse_args() -> argparse.Namespace:
    parser = benchlib.base_parser(__doc__)
    benchlib.add_path_options(parser)
    parser.add_argument('--max-dense-pairs', type=float, default=2e9,
                        help="skip plugin's dense path above this many "
                        '(image, gt, anchor) pairs on the CPU')
    return parser.parse_args()


def crossover(args: argparse.Namespace, device: torch.device) -> None:
    """The assigner alone, dense vs window (interleaved), median of
    ``--runs``."""
    generator = AnchorGenerator(**without_type(HEAD['anchor_generator']))
    print(f'BatchMaxIoUAssigner.assign alone, {device}, '
          f'{torch.get_num_threads()} threads, median of {args.runs}')
    print('  batch x gts, image: dense pairs | dense ms | window ms | '
          'dense / window | auto')
    for batch, gts, side in CROSSOVER:
        case = argparse.Namespace(batch=batch, gts=gts, size=(side, side),
                                  classes=1)
        sizes = [(math.ceil(side / s), math.ceil(side / s))
                 for s in STRIDES]
        anchors = torch.cat(generator.grid_priors(sizes, device=device))
        grid = anchor_grid(generator, sizes)
        gt = stack_batch_gt(
            benchlib.random_gts(case, torch.Generator().manual_seed(0),
                                device), device)
        valid = torch.ones(batch, len(anchors), dtype=torch.bool,
                           device=device)

        def runner(mode: str) -> Callable[[], None]:
            assigner = BatchMaxIoUAssigner(**without_type(ASSIGNER),
                                           mode=mode)
            return lambda: assigner.assign(anchors, valid, gt, None, grid)

        times = {
            mode: statistics.median(runs)
            for mode, runs in benchlib.time_interleaved(
                {mode: runner(mode)
                 for mode in ('dense', 'window')}, args, device).items()
        }
        auto = BatchMaxIoUAssigner(**without_type(ASSIGNER))
        chosen = 'window' if auto.uses_windows(
            device.type, batch, gts, len(anchors), grid) else 'dense'
        print(f'  {batch} x {gts:3d}, {side}x{side}: '
              f'{batch * gts * len(anchors):>10,} | '
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
    num_anchors = sum(o.numel() for o in outputs[0]) // args.batch
    num_gts = max(len(g) for g in gts)
    heads: Dict[str, torch.nn.Module] = {}
    skipped: List[str] = []
    mmdet_mib = num_gts * num_anchors * 4 / 2**20
    if mmdet_mib > memory_limit_mib(device):
        skipped.append(f'mmdet 3.3.0: skipped: its IoU matrix alone would '
                       f'take {mmdet_mib:,.0f} MiB (G x N x 4 bytes)')
    else:
        heads['mmdet 3.3.0'] = MMDetRPNHead(**HEAD).to(device)
    dense_pairs = args.batch * num_gts * num_anchors
    for mode in args.paths.split(','):
        if (mode == 'dense' and device.type == 'cpu'
                and dense_pairs > args.max_dense_pairs):
            skipped.append(f'plugin, dense: skipped: {dense_pairs:,} pairs '
                           f'(> --max-dense-pairs)')
            continue
        heads[f'plugin, {mode}'] = plugin_head(mode).to(device)
    weights = next(iter(heads.values())).state_dict()
    for head in heads.values():
        head.load_state_dict(weights)
    benchlib.compare_paths(
        f'RPN loss_by_feat + backward (assign, sample 256, losses), batch '
        f'{args.batch} x {args.gts} gts, {h}x{w} ({num_anchors} anchors), '
        f'{device}, {torch.get_num_threads()} threads, median of '
        f'{args.runs} ({{seconds}} s)', heads, skipped, outputs, gts, metas,
        args, device)


if __name__ == '__main__':
    main()
