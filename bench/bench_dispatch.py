"""Aten ops and host syncs of one loss_by_feat + backward: plugin vs mmdet.

For each head (AutoAssign, CenterNet, RPN), the inputs, config and size of
its bench script (batch 8 x 30 gts, 512x512, 80 classes; the RPN has 1;
AutoAssign once more with the path its auto rule takes on a GPU, the RPN
once more with the chunk budget its assigner takes on a GPU),
and one ``loss_by_feat`` + backward of plugin's head and of mmdet's (same
weights, same inputs) counted with :class:`plugin.analysis.op_count.
OpCounter`: every aten op dispatched (about one kernel launch each on a GPU,
views aside) and the ops that block the host until the device catches up.
Each head runs once uncounted first, so that one-off work (caches) is not
counted. Prints one table and where each of plugin's syncs comes from. On
the CPU this is a proxy for CUDA (what a GPU would be asked to run); with
``--device cuda`` the counts are those of the real run (cross-device
copies included).

    python bench/bench_dispatch.py                      # CPU
    python bench/bench_dispatch.py --heads rpn centernet
    python bench/bench_dispatch.py --device cuda        # GPU
"""
import argparse
import copy
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

import bench_autoassign
import bench_centernet
import bench_rpn
import benchlib
import torch
from mmdet.models.dense_heads import AutoAssignHead as MMDetAutoAssignHead
from mmdet.models.dense_heads import CenterNetHead as MMDetCenterNetHead
from mmdet.models.dense_heads import RPNHead as MMDetRPNHead

from plugin.analysis.op_count import OpCounter
from plugin.models.dense_heads import AutoAssignHead, CenterNetHead, RPNHead
from plugin.models.task_modules.assigners.max_iou_assigner import \
    GPU_MAX_CHUNK_MIB
from plugin.models.task_modules.prior_generators import anchor_grid


class Case(NamedTuple):
    """One head's bench: both heads, their outputs, gts and metas."""
    ours: torch.nn.Module
    theirs: torch.nn.Module
    outputs: tuple
    gts: list
    metas: List[dict]


def autoassign(args: argparse.Namespace, device: torch.device) -> Case:
    """bench_autoassign.py's heads and inputs."""
    cfg = dict(num_classes=args.classes, in_channels=8, feat_channels=32,
               stacked_convs=1, strides=bench_autoassign.STRIDES,
               loss_bbox=dict(type='GIoULoss', loss_weight=5.0))
    *outputs, gts = bench_autoassign.make_inputs(args, device)
    metas = [dict(img_shape=args.size)] * args.batch
    return Case(AutoAssignHead(**cfg), MMDetAutoAssignHead(**cfg),
                tuple(outputs), gts, metas)


def autoassign_gpu_rule(args: argparse.Namespace,
                        device: torch.device) -> Case:
    """AutoAssign with the path the auto rule takes on a GPU for this
    batch (the dense path below ``AUTO_MIN_TRIPLES``), on any device."""
    case = autoassign(args, device)
    num_points = sum(c.shape[-2] * c.shape[-1] for c in case.outputs[0])
    if not case.ours.uses_windows('cuda', args.batch, num_points, args.gts):
        case.ours.assign_mode = 'dense'
    return case


def centernet(args: argparse.Namespace, device: torch.device) -> Case:
    """bench_centernet.py's heads and inputs."""
    cfg = dict(in_channels=8, feat_channels=8, num_classes=args.classes)
    *outputs, gts = bench_centernet.make_inputs(args, device)
    metas = [dict(batch_input_shape=args.size)] * args.batch
    return Case(CenterNetHead(**cfg), MMDetCenterNetHead(**cfg),
                tuple(outputs), gts, metas)


def rpn(args: argparse.Namespace, device: torch.device) -> Case:
    """bench_rpn.py's heads and inputs (one class)."""
    *outputs, gts = bench_rpn.make_inputs(args, device)  # sets classes = 1
    h, w = args.size
    metas = [dict(img_shape=(h, w), pad_shape=(h, w))] * args.batch
    return Case(RPNHead(**bench_rpn.HEAD), MMDetRPNHead(**bench_rpn.HEAD),
                tuple(outputs), gts, metas)


def rpn_gpu_budget(args: argparse.Namespace, device: torch.device) -> Case:
    """The RPN with the assigner's GPU chunk budget (``GPU_MAX_CHUNK_MIB``,
    its default on CUDA) on any device: on the CPU, the ops a GPU is asked
    to run, where the CPU default cuts the IoU into cache-sized chunks. The
    auto mode's GPU rule picks the dense path for a batch within one such
    chunk (the default bench's), so this case takes it too."""
    case = rpn(args, device)
    case.ours.assigner.max_chunk_mib = GPU_MAX_CHUNK_MIB
    cls_scores = case.outputs[0]
    grid = anchor_grid(case.ours.prior_generator,
                       [tuple(c.shape[-2:]) for c in cls_scores])
    if not case.ours.assigner.uses_windows(
            'cuda', args.batch, args.gts, grid.num_anchors, grid):
        case.ours.assigner.mode = 'dense'
    return case


HEADS: Dict[str, Tuple[str, Callable]] = {
    'autoassign': ('AutoAssign', autoassign),
    'autoassign_gpu_rule': ('AutoAssign, GPU rule', autoassign_gpu_rule),
    'centernet': ('CenterNet', centernet),
    'rpn': ('RPN', rpn),
    'rpn_gpu_budget': ('RPN, GPU chunks', rpn_gpu_budget),
}


def count(head: torch.nn.Module, case: Case, seed: int = 0) -> OpCounter:
    """The ops of one ``loss_by_feat`` + backward of ``head``, after one
    uncounted run. The leaves are made outside the count; torch's generator
    is reseeded before each run (the RPN's sampler draws)."""
    counter = OpCounter()
    for counted in (False, True):
        leaves = [[x.detach().clone().requires_grad_() for x in levels]
                  for levels in case.outputs]
        torch.manual_seed(seed)
        if counted:
            with counter:
                losses = head.loss_by_feat(*leaves, case.gts, case.metas)
                benchlib.total_loss(losses).backward()
        else:
            losses = head.loss_by_feat(*leaves, case.gts, case.metas)
            benchlib.total_loss(losses).backward()
    head.zero_grad()
    return counter


def main(argv: Optional[List[str]] = None) -> None:
    """Parse ``argv`` (default: the command line), count and print."""
    parser = benchlib.base_parser(__doc__)
    parser.add_argument('--heads', nargs='+', choices=list(HEADS),
                        default=list(HEADS))
    args = parser.parse_args(argv)
    device = benchlib.setup(args)
    rows, notes = [], []
    for key in args.heads:
        title, build = HEADS[key]
        head_args = copy.copy(args)  # the RPN's inputs change `classes`
        case = build(head_args, device)
        ours, theirs = case.ours.to(device), case.theirs.to(device)
        theirs.load_state_dict(ours.state_dict())
        mm, us = count(theirs, case), count(ours, case)
        rows.append((title, mm.total, len(mm.syncs), us.total,
                     len(us.syncs), mm.total / max(us.total, 1)))
        for (op, where), line, n in us.sync_sites():
            notes.append(f'  {title}: {n}x {op} at {where} ({line})')
        if not us.syncs:
            notes.append(f'  {title}: none')
    h, w = args.size
    print(f'loss_by_feat + backward, batch {args.batch} x {args.gts} gts, '
          f'{h}x{w}, {args.classes} classes (RPN: 1), {device}: aten ops '
          f'dispatched (views included) and host syncs')
    header = ('head', 'mmdet ops', 'mmdet syncs', 'plugin ops',
              'plugin syncs', 'ops ratio')
    widths = [max(len(header[0]), *(len(r[0]) for r in rows))] + [
        len(x) for x in header[1:]]
    print(' | '.join(x.ljust(n) for x, n in zip(header, widths)))
    print('-|-'.join('-' * n for n in widths))
    for title, *nums, ratio in rows:
        cells = [title.ljust(widths[0])] + [
            str(x).rjust(n) for x, n in zip(nums, widths[1:])]
        cells.append(f'{ratio:.1f}x'.rjust(widths[-1]))
        print(' | '.join(cells))
    print("plugin's syncs (op at origin (line that synced)):")
    print('\n'.join(notes))


if __name__ == '__main__':
    main()
