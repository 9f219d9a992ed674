"""Each head's loss on 1 and 2 intra-op threads: the same to float
rounding (the RPN's bitwise).

ATen splits an elementwise op or a reduction between threads only above
its grain size (32,768 elements), so the heads' unit tests, on maps of a
few hundred cells, never run multi-threaded. These inputs are the bench
scripts' (bench/bench_dispatch.py's cases) at 2 x 30 gts, 320x320 and 20
classes: the AutoAssign and CenterNet maps hold 40k-200k elements, the
RPN's 20k anchors an image, so sums, scatters and sorts do split.

Measured: the RPN bitwise equal; AutoAssign's ``loss_neg`` (both paths)
and CenterNet's ``loss_center_heatmap`` differ in the last bits, within
1e-7 of each tensor's largest entry, because ATen splits their large sums
between threads and adds the partial sums in another order. The bound is
1e-6: ten times that, and far below a real change. On one thread count,
repeated runs are bitwise equal (each head's test_deterministic_*).

What is compared is the loss's own work, ``loss_by_feat`` and its backward
to the head outputs, fed the same outputs on each thread count. The convs
before it are ATen's (oneDNN's on x86): their results do depend on the
thread count, by float rounding, which is why a training's figures can
move in the last digits between machines (docs/training.md).
"""
import copy
import importlib
import os.path as osp

import head_parity
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


@pytest.fixture(scope='module')
def bench():
    import sys
    sys.path.insert(0, osp.join(ROOT, 'bench'))
    try:
        yield importlib.import_module('bench_dispatch')
    finally:
        sys.path.remove(osp.join(ROOT, 'bench'))


# head -> rtol (0: bitwise)
RTOL = dict(autoassign=1e-6, autoassign_dense=1e-6, centernet=1e-6, rpn=0.)


@pytest.mark.parametrize('name', list(RTOL))
def test_loss_is_the_same_on_1_and_2_threads(bench, name):
    args = bench.benchlib.base_parser('thread counts').parse_args(
        ['--batch', '2', '--gts', '30', '--size', '320', '--classes', '20'])
    build = bench.autoassign if name.startswith('autoassign') else \
        getattr(bench, name)
    case = build(copy.copy(args), torch.device('cpu'))
    head = case.ours
    if name == 'autoassign_dense':
        head.assign_mode = 'dense'
    elif name == 'autoassign':
        head.assign_mode = 'window'
    largest = max(x.numel() for level in case.outputs for x in level)
    assert largest > 32768  # above ATen's grain size: threads do split
    head_parity.check_thread_counts(
        head, case.outputs, case.gts, case.metas, threads=(1, 2),
        rtol=RTOL[name])
