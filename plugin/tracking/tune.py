"""Tuning SiamRPN's tracking options on whole videos
(``tools/tune_tracker.py``).

The options searched are the scoring options of
:class:`plugin.models.trackers.SiamRPNTracker`: ``penalty_k`` (scale and
ratio change penalty), ``window_influence`` (cosine window weight) and
``lr`` (size update rate). A *setting* gives each a value; settings come
from a grid (:func:`grid_settings`), uniform random draws
(:func:`random_settings`) or both. Each setting is scored by one-pass
evaluation, as validation scores a checkpoint: the mean over the videos of
the success AUC (and precision at 20 px), computed by
:class:`plugin.evaluation.OPEMetric`.

Shapes: K settings, S videos, N frames of a video; boxes are xyxy.

Efficiency: rather than K evaluations in turn, the K x S (setting, video)
pairs are tracked as lockstep batches of ``batch`` sequences
(:func:`evaluate_settings`): the tracker takes one option value per
sequence, the videos are loaded once and shared by the K copies (no frame
is copied). A pair's boxes are those of an ordinary single-setting run
(:func:`evaluate_single`): on the shapes val split (untrained weights)
the scores came out identical, and ``tests/tracking/test_tune.py``
holds them to 1e-6.

Measured on 2 busy CPU cores, one torch thread, the shapes config: the
network is compute-bound, so a crop costs about the same in any batch
(8.2 ms at 20 sequences, 7.6 at 40, 7.7 at 100, 8.75 at 200, where a
step's activations outgrow the cache), and the search costs about K
evaluations' tracking; it saves reloading the videos (2 to 4 s an
evaluation of 20 videos) and, with :func:`reuse_freed_memory`, the page
faults of each step's large tensors (about 1.5 to 2 s an evaluation).
Larger batches should pay on a GPU (not measured here).
"""
import ctypes
import itertools
import time
from dataclasses import dataclass
from typing import (Callable, Dict, Iterable, List, Mapping, Optional,
                    Sequence, Tuple)

import numpy as np
from mmengine.structures import BaseDataElement
from torch import nn

from plugin.evaluation import OPEMetric

__all__ = [
    'OPTIONS', 'DEFAULT_GRID', 'DEFAULT_RANGES', 'Videos', 'grid_settings',
    'random_settings', 'unique_settings', 'load_videos',
    'evaluate_settings', 'evaluate_single', 'rank', 'same_setting',
    'format_table', 'config_line', 'reuse_freed_memory'
]

Setting = Dict[str, float]

# the tracker's scoring options that are searched, in table order
OPTIONS = ('penalty_k', 'window_influence', 'lr')

# 3 x 3 x 3 = 27 settings: pysot's SiamRPN (AlexNet) values 0.16 / 0.40 /
# 0.30 in the middle, each flanked by about half and about twice its
# distance from 0 (window_influence less far: above ~0.6 the window
# outweighs the network's score, below ~0.2 it barely damps jumps)
DEFAULT_GRID: Dict[str, Tuple[float, ...]] = dict(
    penalty_k=(0.05, 0.16, 0.30),
    window_influence=(0.25, 0.40, 0.55),
    lr=(0.15, 0.30, 0.50))

# uniform ranges of the random search: wider than the spread of pysot's
# released configs (penalty_k 0.04 to 0.24, window_influence 0.40 to
# 0.50, lr 0.25 to 0.50 across its models); lr 0 would freeze the size,
# window_influence 1 ignore the network
DEFAULT_RANGES: Dict[str, Tuple[float, float]] = dict(
    penalty_k=(0.0, 0.5), window_influence=(0.1, 0.7), lr=(0.1, 0.8))

# random values are rounded to this many decimals: the settings printed
# and pasted into a config are then exactly the ones evaluated
RANDOM_DECIMALS = 3


def _check_names(names: Iterable[str], what: str) -> None:
    unknown = sorted(set(names) - set(OPTIONS))
    if unknown:
        raise ValueError(f'{what}: unknown options {unknown}; the searched '
                         f'options are {list(OPTIONS)}')


def _base(base: Mapping[str, float]) -> Setting:
    """The searched options' values of ``base`` (e.g. a test_cfg)."""
    missing = [name for name in OPTIONS if name not in base]
    if missing:
        raise ValueError(f'base setting lacks {missing}')
    return {name: float(base[name]) for name in OPTIONS}


def grid_settings(grid: Mapping[str, Sequence[float]],
                  base: Mapping[str, float]) -> List[Setting]:
    """Every combination of the grid's values.

    Args:
        grid: values per option; an option left out (or given no values)
            keeps its ``base`` value.
        base: a value for each of :data:`OPTIONS` (extra keys ignored).

    Returns:
        The settings, the last option varying fastest (options in
        :data:`OPTIONS` order).

    Raises:
        ValueError: If the grid names an unknown option.
    """
    _check_names(grid, 'grid')
    base = _base(base)
    axes = [[float(v) for v in grid.get(name) or (base[name], )]
            for name in OPTIONS]
    return [dict(zip(OPTIONS, values)) for values in itertools.product(*axes)]


def random_settings(trials: int,
                    seed: int,
                    base: Mapping[str, float],
                    ranges: Optional[Mapping[str, Tuple[float, float]]] = None
                    ) -> List[Setting]:
    """Settings drawn uniformly at random.

    Args:
        trials: how many settings.
        seed: of the draw (the same seed, ranges and trials give the same
            settings).
        base: a value for each of :data:`OPTIONS`; an option whose range is
            ``(v, v)`` is held at ``v``.
        ranges: (low, high) per option, :data:`DEFAULT_RANGES` for those
            left out.

    Returns:
        ``trials`` settings, each value rounded to :data:`RANDOM_DECIMALS`.

    Raises:
        ValueError: If ``trials`` < 0, a range names an unknown option or
            has low > high.
    """
    if trials < 0:
        raise ValueError(f'trials must be >= 0, got {trials}')
    ranges = dict(ranges or {})
    _check_names(ranges, 'ranges')
    _base(base)  # checked for symmetry with grid_settings: all options
    bounds = []
    for name in OPTIONS:
        low, high = ranges.get(name, DEFAULT_RANGES[name])
        if low > high:
            raise ValueError(f'range of {name}: low {low} > high {high}')
        bounds.append((float(low), float(high)))
    rng = np.random.default_rng(seed)
    low, high = np.array(bounds).T
    draws = np.round(rng.uniform(low, high, size=(trials, len(OPTIONS))),
                     RANDOM_DECIMALS)
    return [dict(zip(OPTIONS, map(float, row))) for row in draws]


def unique_settings(settings: Iterable[Setting]) -> List[Setting]:
    """The settings without repeats, first occurrences in order."""
    seen, out = set(), []
    for setting in settings:
        key = tuple(float(setting[name]) for name in OPTIONS)
        if key not in seen:
            seen.add(key)
            out.append(dict(zip(OPTIONS, key)))
    return out


@dataclass
class Videos:
    """Whole videos held in memory, tracked by every setting.

    Attributes:
        names: S sequence names.
        frames: S arrays (N_s, H_s, W_s, 3) uint8 BGR.
        gt_bboxes: S arrays (N_s, 4) float32 xyxy.
    """
    names: List[str]
    frames: List[np.ndarray]
    gt_bboxes: List[np.ndarray]

    def __len__(self) -> int:
        return len(self.names)


def load_videos(dataset: Sequence[dict]) -> Videos:
    """Load every video of a sequence dataset once.

    Args:
        dataset: e.g. a :class:`plugin.datasets.TrackingSequenceDataset`
            whose items are ``dict(inputs=dict(frames=...),
            data_samples=...)`` with ``seq_name`` and ``gt_bboxes``.

    Returns:
        The videos, in the dataset's order.
    """
    names, frames, gts = [], [], []
    for i in range(len(dataset)):
        item = dataset[i]
        sample = item['data_samples']
        names.append(str(sample.seq_name))
        frames.append(item['inputs']['frames'])
        gts.append(np.asarray(sample.gt_bboxes, dtype=np.float32))
    return Videos(names, frames, gts)


def reuse_freed_memory(threshold: int = 1 << 30) -> bool:
    """Let glibc's malloc keep freed large blocks for reuse (process-wide).

    glibc serves a block above its mmap threshold (adaptive, 32 MiB at
    most on 64-bit) with a fresh ``mmap`` and unmaps it when freed, so each
    tracking step's large tensors are page-faulted in anew (the first conv
    stage's output alone is 0.6 MB a sequence: 123 MB for 200). Measured
    on 2 CPU cores, one torch thread: 1.7 (20 sequences) to 3.5 (200) ms
    of system time per crop, of 11 to 13 ms; about 0.2 ms with the
    thresholds raised. The boxes do not change.

    Args:
        threshold: bytes; blocks below it come from the heap, and the heap
            keeps up to this much freed memory at its top (1 GiB: above
            any step's tensors up to a batch of 1,000 or so).

    Returns:
        Whether malloc took the settings (False where there is no glibc:
        nothing changes).
    """
    try:
        mallopt = ctypes.CDLL('libc.so.6').mallopt
    except (OSError, AttributeError):
        return False
    # glibc's <malloc.h>: M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3
    return bool(mallopt(-3, threshold)) and bool(mallopt(-1, threshold))


def _init_box(gt: np.ndarray) -> np.ndarray:
    """Frame 0's gt as the tracker starts from it (as SiamRPN.predict)."""
    return np.asarray(gt, dtype=np.float64)[0]


def _scores(metric: OPEMetric) -> Dict[str, float]:
    """The metric's mean success AUC, precision@20 and normalised
    precision (fps left out: time is shared by the settings)."""
    means = metric.compute_metrics(metric.results)
    return {key: means[key]
            for key in ('success', 'precision', 'norm_precision')}


def _sample(videos: Videos, s: int, pred: np.ndarray) -> dict:
    """What OPEMetric.process reads of video ``s`` tracked as ``pred``."""
    return dict(seq_name=videos.names[s], gt_bboxes=videos.gt_bboxes[s],
                pred_track_bboxes=pred, track_time=None)


def evaluate_settings(model: nn.Module,
                      settings: Sequence[Setting],
                      videos: Videos,
                      batch: int = 40,
                      log: Optional[Callable[[str], None]] = None
                      ) -> List[Dict[str, float]]:
    """Score every setting on every video, K x S sequences in lockstep.

    Args:
        model: a :class:`plugin.models.SiamRPN` in eval mode; its
            ``test_cfg`` gives the options not searched (sizes,
            ``context_amount``, ``min_size``).
        settings: K settings (a value for each of :data:`OPTIONS`).
        videos: the S videos.
        batch: sequences tracked in lockstep at most (bounds the memory:
            a crop, its features and its kernels per sequence); the K x S
            (setting, video) pairs are cut into chunks of this size. 40
            was the fastest on the CPU (see the module docstring).
        log: called with a line of progress per chunk (None: silent).

    Returns:
        Per setting, in order: the setting's values and the mean
        ``success`` (AUC), ``precision`` (at 20 px) and
        ``norm_precision`` over the videos.

    Raises:
        ValueError: If ``batch`` < 1.
    """
    if batch < 1:
        raise ValueError(f'batch must be >= 1, got {batch}')
    metrics = [OPEMetric() for _ in settings]
    # setting-major: a chunk holds whole settings where batch allows
    pairs = [(k, s) for k in range(len(settings)) for s in range(len(videos))]
    chunks = range(0, len(pairs), batch)
    start = time.perf_counter()
    for n, first in enumerate(chunks):
        chunk = pairs[first:first + batch]
        options = {
            name: np.array([settings[k][name] for k, _ in chunk])
            for name in OPTIONS
        }
        tracker = model.tracker(**options)
        preds, _ = tracker.track_sequences(
            [videos.frames[s] for _, s in chunk],
            np.stack([_init_box(videos.gt_bboxes[s]) for _, s in chunk]))
        for (k, s), pred in zip(chunk, preds):
            metrics[k].process(None, [_sample(videos, s, pred)])
        if log is not None:
            log(f'chunk {n + 1}/{len(chunks)}: {len(chunk)} sequences '
                f'(settings {chunk[0][0] + 1}..{chunk[-1][0] + 1} of '
                f'{len(settings)}), {time.perf_counter() - start:.1f} s')
    return [dict(setting, **_scores(metric))
            for setting, metric in zip(settings, metrics)]


def evaluate_single(model: nn.Module, setting: Setting, videos: Videos,
                    batch: int) -> Dict[str, float]:
    """Score one setting the ordinary way, as validation does: the model's
    ``predict`` on ``batch`` videos at a time, with the setting's values
    (floats) in its ``test_cfg``. A reference for
    :func:`evaluate_settings`.

    Args:
        model: a :class:`plugin.models.SiamRPN` in eval mode (its
            ``test_cfg`` is restored afterwards).
        setting: a value for each of :data:`OPTIONS`.
        videos: the videos.
        batch: videos per ``predict`` call (the val dataloader's batch
            size).

    Returns:
        The setting's values and its ``success``, ``precision`` and
        ``norm_precision``.
    """
    metric = OPEMetric()
    saved = model.test_cfg
    model.test_cfg = dict(saved, **_base(setting))
    try:
        for first in range(0, len(videos), batch):
            ids = range(first, min(first + batch, len(videos)))
            samples = [
                BaseDataElement(metainfo=dict(
                    seq_name=videos.names[s], gt_bboxes=videos.gt_bboxes[s]))
                for s in ids
            ]
            model.predict(dict(frames=[videos.frames[s] for s in ids]),
                          samples)
            metric.process(None, samples)
    finally:
        model.test_cfg = saved
    return dict(_base(setting), **_scores(metric))


def rank(results: Sequence[Dict[str, float]]) -> List[Dict[str, float]]:
    """Best first: by success AUC, then precision@20 (a NaN score last).

    Args:
        results: what :func:`evaluate_settings` returned.

    Returns:
        Copies of the results in rank order, each with ``rank`` (1 = best).
    """
    def key(result):
        return tuple(-result[m] if np.isfinite(result[m]) else np.inf
                     for m in ('success', 'precision'))

    ranked = sorted(results, key=key)  # stable: ties keep the given order
    return [dict(r, rank=i + 1) for i, r in enumerate(ranked)]


def same_setting(a: Mapping[str, float], b: Mapping[str, float]) -> bool:
    """Whether two settings give every searched option the same value."""
    return all(float(a[name]) == float(b[name]) for name in OPTIONS)


def format_table(ranked: Sequence[Dict[str, float]],
                 current: Mapping[str, float], top: int) -> str:
    """The ``top`` best rows, plus the current setting's row (marked
    ``*``) wherever it ranks.

    Args:
        ranked: what :func:`rank` returned.
        current: the config's setting.
        top: rows shown besides the current one.

    Returns:
        The table, as text.
    """
    head = (f'  {"rank":>4} {"penalty_k":>9} {"window_infl":>11} '
            f'{"lr":>6} {"success":>8} {"prec@20":>8}')
    rows = [head, '-' * len(head)]
    shown = [r for r in ranked if r['rank'] <= top or same_setting(r, current)]
    for r in shown:
        if r['rank'] > top:  # the current row, below the top ones
            rows.append('  ...')
        mark = '*' if same_setting(r, current) else ' '
        rows.append(f'{mark} {r["rank"]:>4d} {r["penalty_k"]:>9.4g} '
                    f'{r["window_influence"]:>11.4g} {r["lr"]:>6.4g} '
                    f'{r["success"]:>8.4f} {r["precision"]:>8.4f}')
    rows.append(f'* the config\'s options; {len(ranked)} settings in all')
    return '\n'.join(rows)


def config_line(setting: Mapping[str, float], success: float) -> str:
    """The line to paste into the config for ``setting``.

    Args:
        setting: a value for each of :data:`OPTIONS`.
        success: its val success AUC, quoted in the comment.

    Returns:
        e.g. ``model = dict(test_cfg=dict(penalty_k=0.2, ...))  #
        tools/tune_tracker.py on val: AUC 0.612``.
    """
    values = ', '.join(f'{name}={float(setting[name]):.6g}'
                       for name in OPTIONS)
    return (f'model = dict(test_cfg=dict({values}))  '
            f'# tools/tune_tracker.py on val: AUC {success:.3f}')
