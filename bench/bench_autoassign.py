"""AutoAssign loss_by_feat + backward: plugin vs mmdet 3.3.0, same inputs.

Batch 8 x 30 gts at 512x512 (P = 5456 points over strides 8..128), 80
classes, the COCO head's loss settings. The two heads run alternately on the
same inputs; prints the median time of each and the median of the per-run
ratios. Not a test: a speed target lives here (plugin >= 3x mmdet on CPU).

    python bench/bench_autoassign.py                 # CPU
    python bench/bench_autoassign.py --device cuda   # GPU
"""
import argparse
import statistics
import time

import torch
from mmdet.models.dense_heads import AutoAssignHead as MMDetAutoAssignHead
from mmengine.structures import InstanceData

from plugin.models.dense_heads import AutoAssignHead

STRIDES = (8, 16, 32, 64, 128)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--gts', type=int, default=30)
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--classes', type=int, default=80)
    parser.add_argument('--runs', type=int, default=15)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch intra-op threads (default: torch\'s)')
    return parser.parse_args()


def make_inputs(args, device):
    """Random head outputs (as leaves) and random gts, seeded."""
    g = torch.Generator().manual_seed(0)
    cls, box, obj = [], [], []
    for s in STRIDES:
        h = w = args.size // s
        cls.append(torch.randn(args.batch, args.classes, h, w, generator=g))
        box.append(torch.rand(args.batch, 4, h, w, generator=g) * 4 * s)
        obj.append(torch.randn(args.batch, 1, h, w, generator=g))
    gts = []
    for _ in range(args.batch):
        xy = torch.rand(args.gts, 2, generator=g) * args.size * 0.8
        wh = torch.rand(args.gts, 2, generator=g) * args.size * 0.4 + 4
        gts.append(InstanceData(
            bboxes=torch.cat([xy, (xy + wh).clamp(max=args.size)], 1).to(device),
            labels=torch.randint(0, args.classes, (args.gts, ),
                                 generator=g).to(device)))
    to = lambda xs: [x.to(device) for x in xs]  # noqa: E731
    return to(cls), to(box), to(obj), gts


def time_once(head, inputs, metas, device) -> float:
    """Seconds of one loss_by_feat + backward on fresh leaf copies."""
    cls, box, obj, gts = inputs
    leaves = [[x.detach().clone().requires_grad_() for x in lvl]
              for lvl in (cls, box, obj)]
    if device.type == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    losses = head.loss_by_feat(*leaves, gts, metas)
    sum(losses.values()).backward()
    if device.type == 'cuda':
        torch.cuda.synchronize()
    return time.perf_counter() - start


def time_heads(ours, theirs, inputs, metas, args, device):
    """Interleaved runs (ours, mmdet, ours, ...), so that drift in machine
    speed hits both alike; returns the medians and the median of the
    per-pair ratios."""
    t_ours, t_mmdet, ratios = [], [], []
    for i in range(args.warmup + args.runs):
        a = time_once(ours, inputs, metas, device)
        b = time_once(theirs, inputs, metas, device)
        if i >= args.warmup:
            t_ours.append(a)
            t_mmdet.append(b)
            ratios.append(b / a)
    return (statistics.median(t_ours), statistics.median(t_mmdet),
            statistics.median(ratios))


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cfg = dict(
        num_classes=args.classes,
        in_channels=8,
        feat_channels=32,
        stacked_convs=1,
        strides=STRIDES,
        loss_bbox=dict(type='GIoULoss', loss_weight=5.0))
    ours = AutoAssignHead(**cfg).to(device)
    theirs = MMDetAutoAssignHead(**cfg).to(device)
    theirs.load_state_dict(ours.state_dict())
    inputs = make_inputs(args, device)
    metas = [dict(img_shape=(args.size, args.size))] * args.batch

    t_ours, t_mmdet, ratio = time_heads(ours, theirs, inputs, metas, args,
                                        device)
    print(f'AutoAssign loss_by_feat + backward, batch {args.batch} x '
          f'{args.gts} gts, {args.size}x{args.size}, {args.classes} classes, '
          f'{device}, {torch.get_num_threads()} threads, median of '
          f'{args.runs}')
    print(f'  mmdet 3.3.0: {t_mmdet * 1e3:8.1f} ms')
    print(f'  plugin     : {t_ours * 1e3:8.1f} ms')
    print(f'  speed-up   : {ratio:8.2f}x  (median of per-run ratios)')


if __name__ == '__main__':
    main()
