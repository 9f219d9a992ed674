"""What the bench scripts share: options, alternating timing, peak memory.

The scripts run as ``python bench/bench_X.py``, which puts this folder on
``sys.path``; they import this module as ``benchlib``.
"""
import argparse
import ctypes
import gc
import statistics
import time
from typing import Callable, Dict, List, Optional, Tuple

import torch
from mmengine.structures import InstanceData

# mallopt's parameter number for the mmap threshold (glibc's malloc.h)
M_MMAP_THRESHOLD = -3


def image_size(text: str) -> Tuple[int, int]:
    """``--size``: ``512`` (square) or ``800x1216`` (height x width)."""
    h, _, w = text.partition('x')
    return int(h), int(w or h)


def base_parser(doc: str, batch: int = 8, gts: int = 30,
                size: str = '512') -> argparse.ArgumentParser:
    """The options every bench script takes. ``args.size`` is (H, W)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch', type=int, default=batch)
    parser.add_argument('--gts', type=int, default=gts)
    parser.add_argument('--size', type=image_size, default=size,
                        help='image size: 512 or 800x1216 (H x W)')
    parser.add_argument('--classes', type=int, default=80)
    parser.add_argument('--runs', type=int, default=15)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch intra-op threads (default: torch\'s)')
    return parser


def setup(args: argparse.Namespace) -> torch.device:
    """Apply ``--threads``; return the device."""
    if args.threads:
        torch.set_num_threads(args.threads)
    return torch.device(args.device)


def random_gts(args: argparse.Namespace, generator: torch.Generator,
               device: torch.device,
               max_side: Optional[float] = None) -> List[InstanceData]:
    """``args.gts`` random boxes per image of ``args.size``, 4 px to 40 %
    of the image (or to ``max_side`` px), and random labels below
    ``args.classes``; seeded."""
    h, w = args.size
    scale = torch.tensor([w, h], dtype=torch.float32)
    if max_side is None:
        sides = scale * 0.4
    else:
        sides = torch.full((2, ), max_side - 4.)
    gts = []
    for _ in range(args.batch):
        xy = torch.rand(args.gts, 2, generator=generator) * scale * 0.8
        wh = torch.rand(args.gts, 2, generator=generator) * sides + 4
        x2y2 = torch.minimum(xy + wh, scale)
        gts.append(InstanceData(
            bboxes=torch.cat([xy, x2y2], 1).to(device),
            labels=torch.randint(0, args.classes, (args.gts, ),
                                 generator=generator).to(device)))
    return gts


def total_loss(losses: dict) -> torch.Tensor:
    """The sum of a head's losses, per-level lists included."""
    return sum(
        sum(v) if isinstance(v, (list, tuple)) else v
        for v in losses.values())


def add_box_max(parser: argparse.ArgumentParser) -> None:
    """``--box-max``: the largest gt side in pixels, for
    :func:`random_gts` (``args.box_max``; default: 40 % of the image)."""
    parser.add_argument('--box-max', type=float, default=None,
                        help='largest gt side in pixels (default: 40 %% of '
                        'the image)')


def add_path_options(parser: argparse.ArgumentParser) -> None:
    """``--box-max``, ``--paths`` (plugin's assignment paths to time) and
    ``--crossover`` (window against dense on small cases), for the benches
    of heads with a window and a dense path."""
    add_box_max(parser)
    parser.add_argument('--paths', default='window,dense',
                        help="plugin's assignment paths to time")
    parser.add_argument('--crossover', action='store_true',
                        help='time window against dense on small cases')


def loss_and_backward(head: torch.nn.Module, outputs: tuple, gts: list,
                      metas: List[dict]) -> None:
    """One ``loss_by_feat`` + backward of ``head`` on fresh leaf copies of
    its ``outputs`` (a tuple of per-level lists, as the head returns)."""
    leaves = [[x.detach().clone().requires_grad_() for x in levels]
              for levels in outputs]
    losses = head.loss_by_feat(*leaves, gts, metas)
    total_loss(losses).backward()


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize()


def time_once(run: Callable[[], None], device: torch.device) -> float:
    """Seconds of one ``run()``, device work included."""
    _sync(device)
    start = time.perf_counter()
    run()
    _sync(device)
    return time.perf_counter() - start


def time_once_with_peak(run: Callable[[], None],
                        device: torch.device) -> Tuple[float, Optional[float]]:
    """Seconds of one ``run()`` and, on CUDA, its peak allocation in MiB
    above what was allocated before it (``None`` on the CPU: there the peak
    is measured apart, by :func:`peak_memory_mib`, after the timings)."""
    if device.type != 'cuda':
        return time_once(run, device), None
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    seconds = time_once(run, device)  # synchronises before and after
    return seconds, (torch.cuda.max_memory_allocated() - base) / 2**20


def time_interleaved(runners: Dict[str, Callable[[], None]],
                     args: argparse.Namespace,
                     device: torch.device) -> Dict[str, List[float]]:
    """Interleaved runs (a, b, c, a, b, c, ...), so that drift in machine
    speed hits all alike; ``args.warmup`` rounds are not kept.

    Returns:
        dict[str, list[float]]: the seconds of each kept run, by name.
    """
    times: Dict[str, List[float]] = {name: [] for name in runners}
    for i in range(args.warmup + args.runs):
        for name, run in runners.items():
            seconds = time_once(run, device)
            if i >= args.warmup:
                times[name].append(seconds)
    return times


def median_ratio(slow: List[float], fast: List[float]) -> float:
    """The median of the per-round ratios slow / fast."""
    return statistics.median(a / b for a, b in zip(slow, fast))


def time_alternately(run_ours: Callable[[], None],
                     run_mmdet: Callable[[], None],
                     args: argparse.Namespace,
                     device: torch.device) -> Tuple[float, float, float]:
    """Interleaved runs (ours, mmdet, ours, ...), see
    :func:`time_interleaved`.

    Returns:
        tuple[float, float, float]: median seconds of ours and of mmdet, and
        the median of the per-pair ratios mmdet / ours.
    """
    times = time_interleaved(dict(ours=run_ours, mmdet=run_mmdet), args,
                             device)
    return (statistics.median(times['ours']),
            statistics.median(times['mmdet']),
            median_ratio(times['mmdet'], times['ours']))


def _proc_status_mib(key: str) -> float:
    """A ``VmRSS``/``VmHWM`` line of /proc/self/status, in MiB (Linux)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1]) / 1024  # kB
    raise KeyError(key)


def peak_memory_mib(run: Callable[[], None], device: torch.device) -> float:
    """Peak memory (MiB) of one ``run()`` above what was held before it.

    On CUDA: torch's peak allocation. On CPU: the peak resident set
    (``VmHWM``), reset to the current one before the run by writing 5 to
    /proc/self/clear_refs (Linux >= 4.0). glibc would serve the run's
    tensors from memory that earlier runs freed but kept (the resident set
    would not grow), so blocks above 64 KiB are mapped afresh and freed
    memory is returned first; call this after the timings, which run with
    glibc's defaults.
    """
    if device.type == 'cuda':
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        run()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    gc.collect()
    libc = ctypes.CDLL(None)
    libc.mallopt(M_MMAP_THRESHOLD, 64 * 1024)  # fixed: no dynamic raise
    libc.malloc_trim(0)
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # resets VmHWM to VmRSS
    base = _proc_status_mib('VmRSS')
    run()
    return _proc_status_mib('VmHWM') - base


def report(title: str, t_ours: float, t_mmdet: float, ratio: float,
           memory: Tuple[float, float] = None) -> None:
    """Print the medians, the ratio and (optionally) the peak memory."""
    mem = ['', '']
    if memory is not None:
        mem = [f'   peak +{m:8.1f} MiB' for m in memory]
    print(title)
    print(f'  mmdet 3.3.0: {t_mmdet * 1e3:8.1f} ms{mem[1]}')
    print(f'  plugin     : {t_ours * 1e3:8.1f} ms{mem[0]}')
    print(f'  speed-up   : {ratio:8.2f}x  (median of per-run ratios)')


def report_many(times: Dict[str, List[float]], memory: Dict[str, float],
                baseline: Optional[str]) -> None:
    """One line per runner: median ms, peak memory and, against
    ``baseline`` (if any), the median of the per-round ratios."""
    width = max(len(name) for name in times)
    for name, runs in times.items():
        line = (f'  {name:<{width}}: {statistics.median(runs) * 1e3:9.1f} '
                f'ms   peak +{memory[name]:8.1f} MiB')
        if baseline is not None and name != baseline:
            ratio = median_ratio(times[baseline], runs)
            line += f'   {ratio:6.2f}x'
        print(line)


def compare(title: str, ours: torch.nn.Module, theirs: torch.nn.Module,
            outputs: tuple, gts: list, metas: List[dict],
            args: argparse.Namespace, device: torch.device) -> None:
    """Give mmdet's head ours' weights, time one loss + backward of each on
    the same outputs (alternating), measure the peak memory of one run of
    each and print the report.

    Args:
        title: the report's first line.
        ours: plugin's head.
        theirs: mmdet's head, built with the same config.
        outputs: the heads' outputs, a tuple of per-level lists.
        gts: per image gts.
        metas: per image metas.
        args: the parsed :func:`base_parser` options.
        device: where the heads run.
    """
    theirs.load_state_dict(ours.state_dict())

    def run_ours():
        loss_and_backward(ours, outputs, gts, metas)

    def run_theirs():
        loss_and_backward(theirs, outputs, gts, metas)

    t_ours, t_mmdet, ratio = time_alternately(run_ours, run_theirs, args,
                                              device)
    memory = (peak_memory_mib(run_ours, device),
              peak_memory_mib(run_theirs, device))
    report(title, t_ours, t_mmdet, ratio, memory)


def compare_paths(title: str, heads: Dict[str, torch.nn.Module],
                  skipped: List[str], outputs: tuple, gts: list,
                  metas: List[dict], args: argparse.Namespace,
                  device: torch.device) -> None:
    """Time one loss + backward of each head (interleaved), measure the peak
    memory of one run of each and print the report: a line each, ratios
    against ``'mmdet 3.3.0'`` when it ran, the window path against the
    dense path when both ran (``'plugin, window'``, ``'plugin, dense'``),
    and the ``skipped`` lines.

    Args:
        title: the report's first line; ``{seconds}`` is replaced by the
            wall time of the timings.
        heads: the heads by name, same weights, on ``device``.
        skipped: why a head did not run, a line each.
        outputs, gts, metas: the inputs of ``loss_by_feat``.
        args: the parsed :func:`base_parser` options.
        device: where the heads run.
    """
    def runner(head: torch.nn.Module) -> Callable[[], None]:
        return lambda: loss_and_backward(head, outputs, gts, metas)

    runners = {name: runner(head) for name, head in heads.items()}
    start = time.perf_counter()
    times = time_interleaved(runners, args, device)
    memory = {name: peak_memory_mib(run, device)
              for name, run in runners.items()}
    print(title.replace('{seconds}',
                        f'{time.perf_counter() - start:.0f}'))
    report_many(times, memory,
                'mmdet 3.3.0' if 'mmdet 3.3.0' in times else None)
    if 'plugin, window' in times and 'plugin, dense' in times:
        ratio = median_ratio(times['plugin, dense'], times['plugin, window'])
        print(f'  window path vs dense path: {ratio:.2f}x')
    for line in skipped:
        print('  ' + line)
