"""VOT's supervised (reset-based) evaluation: accuracy, robustness and EAO.

Pure numpy. Shapes: N frames, S sequences, L lengths (of the expected
overlap curve, one per frame count), F fragments, K and M polygon vertices.

A *region* is either an axis-aligned rectangle ``(x, y, w, h)`` (4 values,
corners ``x``, ``x + w``, ``y``, ``y + h``, as pysot's ``vot_overlap`` reads
it) or a polygon ``(x1, y1, ..., xK, yK)`` (an even number >= 6 of values,
VOT's ground truth has 8). A *trajectory* is the per-frame result list VOT's
toolkit and pysot's ``tools/test.py`` write: the marker ``1`` where the
tracker was (re)initialised, ``2`` where it failed, ``0`` where a frame was
skipped after a failure, and the predicted region everywhere else. A marker
may also be a length-1 sequence (``[2.0]``), as pysot reads a result file.

Checked against pysot (``tools/test.py``, ``toolkit/utils/statistics.py``,
``toolkit/evaluation/ar_benchmark.py`` and ``eao_benchmark.py``, commit
d04028f8) and, where stated, against its ``toolkit/utils/region`` C
extension (built outside this repository to check):

* overlap: VOT's C code rasterises both polygons on the integer pixel grid,
  end pixels included, and counts pixels. Here the overlap is the exact
  intersection over union of the continuous polygons, so it differs from
  VOT's by O(1 / size in px): two 10 x 10 squares half a box apart give
  1/3 here and 0.375 in VOT, two 100 x 100 ones 1/3 and 0.3377.
  ``bounds=(W, H)`` clips both regions to ``[0, W] x [0, H]`` first, the
  continuous version of VOT's clipping to the image.
* the intersection clips the prediction by the ground truth with
  Sutherland-Hodgman, which is exact when the clipping polygon is convex:
  VOT's ground-truth polygons are rotated rectangles, hence convex; the
  prediction may be any simple polygon. A region of zero area (after the
  clipping to ``bounds``) overlaps nothing: overlap 0, as in VOT.
* a frame whose ground truth has a NaN, or whose result is a marker, has
  overlap NaN (unknown); accuracy ignores it, EAO counts a marker frame
  inside a failed fragment as 0, as pysot does.
* the protocol, accuracy, failure count, robustness and EAO follow pysot's
  code step by step; the docstrings below say where its quirks are kept.
"""
from typing import (Callable, List, NamedTuple, Optional, Sequence, Tuple,
                    Union)

import numpy as np

# Result-file markers of VOT's toolkit, written by pysot's tools/test.py.
INIT_MARKER = 1  # the tracker was (re)initialised on the gt of this frame
FAILURE_MARKER = 2  # the prediction stopped overlapping the gt here
SKIP_MARKER = 0  # a frame skipped between a failure and the re-init
# Frames from a failure to the re-initialisation (VOT's skip_initialize;
# pysot's ``frame_counter = idx + 5``, EAOBenchmark's ``skipping=5``).
SKIP_INITIALIZE = 5
# Frames from each (re)initialisation, the init frame itself included,
# that accuracy ignores (VOT's burnin; pysot's ARBenchmark ``burnin=10``).
BURNIN = 10
# EAO's range [low, high] of sequence lengths, per VOT edition: the values
# pysot's EAOBenchmark hard-codes (toolkit/evaluation/eao_benchmark.py,
# "we not use gmm to generate low, high, peak value"; its ``peak`` is not
# used by the EAO itself and is left out).
EAO_RANGES = {
    'VOT2016': (108, 371),
    'VOT2017': (100, 356),
    'VOT2018': (100, 356),
    'VOT2019': (46, 291),
}

Region = Sequence[float]
TrajectoryEntry = Union[int, float, Region]
Bounds = Optional[Tuple[float, float]]

__all__ = [
    'INIT_MARKER', 'FAILURE_MARKER', 'SKIP_MARKER', 'SKIP_INITIALIZE',
    'BURNIN', 'EAO_RANGES', 'SequenceAR', 'BenchmarkAR', 'regions_to_polygons',
    'polygon_area', 'clip_polygons', 'region_overlaps', 'poly_iou',
    'supervised_trajectory', 'trajectory_markers', 'accuracy_robustness',
    'ar_benchmark', 'eao_fragments', 'expected_overlap_curve',
    'expected_average_overlap'
]


# --------------------------------------------------------------------------
# regions and their overlap


def _rect_corners(rects: np.ndarray) -> np.ndarray:
    """(N, 4) xywh -> (N, 4, 2) corners, in pysot's ``vot_overlap`` order."""
    x, y, w, h = np.moveaxis(rects, -1, 0)
    xs = np.stack([x, x + w, x + w, x], axis=-1)
    ys = np.stack([y, y, y + h, y + h], axis=-1)
    return np.stack([xs, ys], axis=-1)


def _flat_to_polygons(flat: np.ndarray) -> np.ndarray:
    """(N, 4) rectangles or (N, 2K) polygons -> (N, K, 2) vertices."""
    if flat.shape[1] == 4:
        return _rect_corners(flat)
    if flat.shape[1] < 6 or flat.shape[1] % 2:
        raise ValueError(f'a region has 4 values or an even number >= 6, '
                         f'got {flat.shape[1]}')
    return flat.reshape(len(flat), -1, 2)


def _is_marker(entry) -> bool:
    """A trajectory entry that is a marker: a number or a length-1 list."""
    return np.ndim(entry) == 0 or len(entry) == 1


def regions_to_polygons(regions) -> np.ndarray:
    """Vertices of the regions of N frames.

    Args:
        regions: (N, 4) rectangles, (N, 2K) polygons, or a trajectory (a
            list mixing markers and regions of any supported sizes).

    Returns:
        (N, K, 2) float64 vertices, K the most vertices of any frame; a
        polygon with fewer vertices repeats its last one (a repeated vertex
        adds no area and no edge crossing), a marker is a row of NaN.
    """
    try:
        flat = np.asarray(regions, dtype=np.float64)
    except ValueError:  # ragged: markers mixed with regions
        flat = None
    if flat is not None and flat.ndim == 2 and flat.shape[1] != 1:
        return _flat_to_polygons(flat)
    # one entry at a time: the sizes differ from frame to frame
    polygons = [None if _is_marker(r) else
                _flat_to_polygons(np.asarray(r, np.float64)[None])[0]
                for r in regions]
    k = max([len(p) for p in polygons if p is not None], default=4)
    out = np.full((len(polygons), k, 2), np.nan)
    for i, p in enumerate(polygons):
        if p is not None:
            out[i] = p[np.minimum(np.arange(k), len(p) - 1)]
    return out


def polygon_area(polygons: np.ndarray) -> np.ndarray:
    """Signed shoelace area, positive for counter-clockwise vertices (y up).

    Args:
        polygons: (..., K, 2) vertices.

    Returns:
        (...) signed areas.
    """
    x, y = polygons[..., 0], polygons[..., 1]
    x_next, y_next = np.roll(x, -1, axis=-1), np.roll(y, -1, axis=-1)
    return 0.5 * np.sum(x * y_next - x_next * y, axis=-1)


def _compact(points: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Drop the points not kept, preserving the order of the others.

    Args:
        points: (N, P, 2).
        keep: (N, P) bool.

    Returns:
        (N, P', 2), P' the most points kept in a row; a row with fewer
        repeats its last kept point, a row with none is all zeros.
    """
    order = np.argsort(~keep, axis=1, kind='stable')  # kept ones first
    points = np.take_along_axis(points, order[..., None], axis=1)
    count = keep.sum(axis=1)
    width = max(int(count.max(initial=0)), 1)
    last = np.maximum(count - 1, 0)[:, None]
    pad = np.minimum(np.arange(width), last)
    points = np.take_along_axis(points, pad[..., None], axis=1)
    points[count == 0] = 0.
    return points


def clip_polygons(subject: np.ndarray, clip: np.ndarray) -> np.ndarray:
    """Sutherland-Hodgman: the part of each subject polygon inside the clip.

    Exact when the clip polygon is convex (VOT's rotated-rectangle gt, an
    image's bounds); the subject may be any simple polygon. A clip polygon
    of zero area clips nothing: callers treat it as an empty region.

    Args:
        subject: (N, K, 2) vertices, in either orientation.
        clip: (N, M, 2) vertices of convex polygons, in either orientation.

    Returns:
        (N, K', 2) vertices of the intersections, in the subject's
        orientation; K' <= K + M, padded by repeating the last vertex, all
        zeros where the intersection is empty.
    """
    # the inside of an edge is on its left for counter-clockwise polygons
    orient = np.sign(polygon_area(clip))[:, None]
    for m in range(clip.shape[1]):  # one half-plane per clip edge
        a = clip[:, m, None]
        edge = clip[:, (m + 1) % clip.shape[1], None] - a
        side = orient * (edge[..., 0] * (subject[..., 1] - a[..., 1]) -
                         edge[..., 1] * (subject[..., 0] - a[..., 0]))
        inside = side >= 0
        prev, prev_side = (np.roll(subject, 1, axis=1),
                           np.roll(side, 1, axis=1))
        crossing = inside != np.roll(inside, 1, axis=1)
        # where the edge prev -> vertex crosses the line; one of the two
        # sides is < 0 and the other >= 0, so the denominator is not 0
        t = prev_side / np.where(crossing, prev_side - side, 1.)
        cross_point = prev + t[..., None] * (subject - prev)
        # each vertex emits [the crossing into it, itself if inside]
        points = np.stack([cross_point, subject], axis=2)
        subject = _compact(points.reshape(len(subject), -1, 2),
                           np.stack([crossing, inside], axis=2).reshape(
                               len(subject), -1))
    return subject


def _bounds_polygon(bounds: Tuple[float, float], n: int) -> np.ndarray:
    """(N, 4, 2) corners of the image ``[0, W] x [0, H]``."""
    width, height = bounds
    return np.broadcast_to(_rect_corners(np.array([[0., 0., width, height]])),
                           (n, 4, 2))


def region_overlaps(pred, gt, bounds: Bounds = None) -> np.ndarray:
    """VOT's region overlap (IoU) of N frames (pysot's ``vot_overlap_traj``).

    Args:
        pred: N predicted regions or a trajectory (markers give NaN).
        gt: N ground-truth regions, convex (see :func:`clip_polygons`).
        bounds: ``(W, H)``; clips both regions to ``[0, W] x [0, H]``.

    Returns:
        (N,) IoU in [0, 1]; 0 where either region has zero area (after
        clipping); NaN where ``pred`` is a marker or either region has a
        NaN.
    """
    pred, gt = regions_to_polygons(pred), regions_to_polygons(gt)
    if len(pred) != len(gt):
        raise ValueError(f'{len(pred)} predictions for {len(gt)} gt regions')
    unknown = np.isnan(pred).any(axis=(1, 2)) | np.isnan(gt).any(axis=(1, 2))
    # zeros stand in for the unknown frames, set to NaN at the end
    pred, gt = np.where(unknown[:, None, None], 0., pred), np.where(
        unknown[:, None, None], 0., gt)
    if bounds is not None:
        pred = clip_polygons(pred, _bounds_polygon(bounds, len(pred)))
        gt = clip_polygons(gt, _bounds_polygon(bounds, len(gt)))
    area_pred = np.abs(polygon_area(pred))
    area_gt = np.abs(polygon_area(gt))
    inter = np.abs(polygon_area(clip_polygons(pred, gt)))
    nonempty = (area_pred > 0) & (area_gt > 0)
    union = np.where(nonempty, area_pred + area_gt - inter, 1.)
    iou = np.clip(np.where(nonempty, inter / union, 0.), 0., 1.)
    iou[unknown] = np.nan
    return iou


def poly_iou(region1: Region, region2: Region,
             bounds: Bounds = None) -> float:
    """Overlap of two regions (pysot's ``vot_overlap(poly1, poly2, bounds)``).

    Args:
        region1: (4,) xywh or (2K,) polygon; a prediction.
        region2: (4,) xywh or (2K,) convex polygon; the ground truth.
        bounds: ``(W, H)``, see :func:`region_overlaps`.

    Returns:
        The IoU, NaN if either region is a marker or has a NaN.
    """
    return float(region_overlaps([region1], [region2], bounds)[0])


# --------------------------------------------------------------------------
# the supervised protocol


def supervised_trajectory(
        num_frames: int,
        gt_regions,
        init_fn: Callable[[int, np.ndarray], None],
        track_fn: Callable[[int], Region],
        skip_initialize: int = SKIP_INITIALIZE,
        bounds: Bounds = None) -> List[TrajectoryEntry]:
    """Run a tracker through VOT's reset-based protocol (pysot's test.py).

    The tracker is initialised on frame 0; on each later frame it predicts,
    and a prediction that does not overlap the gt (overlap ``<= 0``) is a
    failure: the tracker is re-initialised on the gt ``skip_initialize``
    frames later, the frames in between are skipped.

    Args:
        num_frames: N.
        gt_regions: (N, 4) or (N, 2K) ground truth.
        init_fn: ``init_fn(frame_idx, gt_region)`` initialises the tracker
            on that frame with its (4,) or (2K,) gt region; converting a
            polygon to the box the tracker needs is up to it (pysot uses
            ``get_axis_aligned_bbox``).
        track_fn: ``track_fn(frame_idx)`` tracks that frame and returns the
            predicted region, (4,) xywh or a polygon.
        skip_initialize: frames from a failure to the re-initialisation.
        bounds: ``(W, H)`` of the images; the failure test clips to it, as
            pysot's ``vot_overlap(pred, gt, (W, H))`` does.

    Returns:
        N entries: ``INIT_MARKER``, ``FAILURE_MARKER``, ``SKIP_MARKER`` or
        the predicted region as a tuple of floats. A frame whose gt has a
        NaN cannot be judged and is kept as tracked (VOT's gt has none).
    """
    gt_regions = np.asarray(gt_regions, dtype=np.float64)
    trajectory: List[TrajectoryEntry] = []
    next_init = 0  # pysot's frame_counter
    for idx in range(num_frames):  # the tracker runs one frame at a time
        if idx == next_init:
            init_fn(idx, gt_regions[idx])
            trajectory.append(INIT_MARKER)
        elif idx > next_init:
            region = tuple(float(v) for v in track_fn(idx))
            gt_known = bool(np.isfinite(gt_regions[idx]).all())
            # NaN overlap of a known gt (a non-finite prediction) fails too
            if gt_known and not poly_iou(region, gt_regions[idx],
                                         bounds) > 0:
                trajectory.append(FAILURE_MARKER)
                next_init = idx + skip_initialize
            else:
                trajectory.append(region)
        else:
            trajectory.append(SKIP_MARKER)
    return trajectory


def trajectory_markers(trajectory: Sequence[TrajectoryEntry]) -> np.ndarray:
    """The marker of each frame of a trajectory.

    Args:
        trajectory: N entries.

    Returns:
        (N,) int: the marker, or -1 where the entry is a region.
    """
    return np.array([int(np.ravel(e)[0]) if _is_marker(e) else -1
                     for e in trajectory], dtype=np.int64)


# --------------------------------------------------------------------------
# accuracy and robustness


class SequenceAR(NamedTuple):
    """Accuracy and failures of one sequence."""
    accuracy: float  # mean overlap of the frames counted; NaN if none
    failures: int  # number of FAILURE_MARKER frames
    overlaps: np.ndarray  # (N,) overlap per frame, NaN where not counted


class BenchmarkAR(NamedTuple):
    """The figures pysot's ARBenchmark prints for S sequences."""
    accuracy: float  # mean overlap over all counted frames of all sequences
    robustness: float  # 100 * failures / frames: failures per 100 frames
    lost_number: int  # failures of all sequences


def _burnin_mask(markers: np.ndarray, burnin: int) -> np.ndarray:
    """(N,) bool: frames less than ``burnin`` frames from the latest init."""
    frames = np.arange(len(markers))
    latest_init = np.maximum.accumulate(
        np.where(markers == INIT_MARKER, frames, -burnin))
    return frames - latest_init < burnin


def _overlaps(trajectory: Sequence[TrajectoryEntry], gt, burnin: int,
              bounds: Bounds) -> np.ndarray:
    """pysot's ``calculate_accuracy(...)[1]`` (``ignore_unknown=True``).

    Over the first min(len(trajectory), len(gt)) frames, NaN at the
    markers and the ``burnin`` frames from each init.
    """
    n = min(len(trajectory), len(gt))
    overlaps = region_overlaps(trajectory[:n], np.asarray(gt)[:n], bounds)
    if burnin > 0:
        overlaps[_burnin_mask(trajectory_markers(trajectory[:n]),
                              burnin)] = np.nan
    return overlaps


def _nanmean(values: np.ndarray) -> float:
    """Mean of the non-NaN values; NaN (without a warning) if none."""
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float('nan')


def accuracy_robustness(trajectory: Sequence[TrajectoryEntry], gt,
                        burnin: int = BURNIN,
                        bounds: Bounds = None) -> SequenceAR:
    """VOT accuracy and failure count of one sequence.

    pysot's ``calculate_accuracy(traj, gt, burnin=10, bound=(W, H))`` and
    ``calculate_failures(traj)``: the overlaps of the frames where the
    tracker predicted, less the ``burnin`` frames from each initialisation
    (the init frame and the ``burnin - 1`` after it), over the first
    min(len(trajectory), len(gt)) frames; the failures over the whole
    trajectory.

    Args:
        trajectory: N entries, as :func:`supervised_trajectory` returns.
        gt: (N, 4) or (N, 2K) ground truth.
        burnin: frames ignored from each (re)initialisation.
        bounds: ``(W, H)``; pysot's ARBenchmark passes the image size.

    Returns:
        :class:`SequenceAR`. pysot returns accuracy 0 for an empty
        trajectory; here it is NaN, like any sequence with no frame counted.
    """
    overlaps = _overlaps(trajectory, gt, burnin, bounds)
    failures = int(np.sum(trajectory_markers(trajectory) == FAILURE_MARKER))
    return SequenceAR(_nanmean(overlaps), failures, overlaps)


def ar_benchmark(trajectories: Sequence[Sequence[TrajectoryEntry]],
                 gts: Sequence, burnin: int = BURNIN,
                 bounds: Optional[Sequence[Bounds]] = None) -> BenchmarkAR:
    """Accuracy, robustness and lost number of S sequences, as pysot prints.

    pysot's ``AccuracyRobustnessBenchmark`` with one run per sequence: the
    accuracy pools the counted frames of all sequences (a long sequence
    weighs more), the robustness is ``100 * failures / frames`` with the
    frames of all sequences (counted or not).

    Args:
        trajectories: S trajectories.
        gts: S ground truths, (N_s, 4) or (N_s, 2K).
        burnin: see :func:`accuracy_robustness`.
        bounds: S ``(W, H)`` image sizes, or None for no clipping.

    Returns:
        :class:`BenchmarkAR`.
    """
    bounds = [None] * len(gts) if bounds is None else bounds
    per_seq = [accuracy_robustness(t, g, burnin, b)
               for t, g, b in zip(trajectories, gts, bounds)]
    overlaps = np.concatenate([s.overlaps for s in per_seq])
    lost = sum(s.failures for s in per_seq)
    return BenchmarkAR(_nanmean(overlaps), 100. * lost / len(overlaps), lost)


# --------------------------------------------------------------------------
# expected average overlap


def eao_fragments(overlaps: Sequence[np.ndarray],
                  failures: Sequence[Sequence[int]],
                  gt_lengths: Sequence[int],
                  skipping: int = SKIP_INITIALIZE
                  ) -> Tuple[np.ndarray, np.ndarray]:
    """Cut the S sequences at their failures (pysot's ``_calculate_eao``).

    A sequence without failure is one fragment. A sequence with failures
    at frames f is cut at the re-inits ``f + skipping`` (those within the
    sequence): each fragment but the last runs from its start to the next
    re-init included and then stays at overlap 0 for ever (the tracker
    failed); the last runs to the end of the sequence, unknown (NaN) after.
    Inside a failed sequence's fragments the markers count as overlap 0;
    a sequence without failure keeps its NaN (only frame 0's, from the
    init marker, which no length uses, unless its gt has NaN).

    Each fragment weighs the fraction of its frames that has a gt (pysot's
    'all' tag): 1, except a fragment ending at a re-init at the very end of
    the sequence, ``len / (len + 1)``, and an empty last fragment, 0.
    pysot also multiplies every weight by the same ``1 / runs`` factor,
    which cancels out and is left out.

    Args:
        overlaps: S arrays (N_s,) of per-frame overlaps, NaN at markers
            (pysot's ``calculate_accuracy`` with ``burnin=0``).
        failures: S lists of the frame indices of the failure markers.
        gt_lengths: S gt lengths (>= N_s).
        skipping: frames from a failure to the re-init.

    Returns:
        fragments: (F, L) overlaps, L the longest N_s.
        weights: (F,).
    """
    length = max(len(o) for o in overlaps)
    fragments, weights = [], []
    for ov, fails, gt_len in zip(overlaps, failures, gt_lengths):
        ov, n = np.asarray(ov, dtype=np.float64), len(ov)
        if len(fails) == 0:
            fragments.append(np.pad(ov, (0, length - n),
                                    constant_values=np.nan))
            weights.append(1.)
            continue
        known = np.nan_to_num(ov, nan=0.)  # markers: the tracker has lost it
        starts = [0] + [f + skipping for f in fails if f + skipping <= n]
        for start, stop in zip(starts[:-1], starts[1:]):
            piece = known[start:stop + 1]
            fragments.append(np.pad(piece, (0, length - len(piece))))
            weights.append((min(stop + 1, gt_len) - start) /
                           (stop - start + 1))
        piece = known[starts[-1]:]
        fragments.append(np.pad(piece, (0, length - len(piece)),
                                constant_values=np.nan))
        # pysot's 1e-16 turns 0 / 0 (an empty last fragment) into 0
        weights.append((n - starts[-1]) / (gt_len - starts[-1] + 1e-16))
    return np.array(fragments), np.array(weights)


def expected_overlap_curve(fragments: np.ndarray,
                           weights: np.ndarray) -> np.ndarray:
    """Expected overlap per sequence length (pysot's
    ``calculate_expected_overlap``).

    Entry i is the weighted mean, over the fragments that reach frame i,
    of their mean overlap over frames 1..i (frame 0, the init, excluded);
    entry 0 is 1, an entry no fragment reaches is 0.

    Args:
        fragments: (F, L) from :func:`eao_fragments`.
        weights: (F,).

    Returns:
        (L,) float64 (pysot stores it as float32).
    """
    length = fragments.shape[1]
    means = np.cumsum(fragments[:, 1:], axis=1) / np.arange(1, length)
    reach = ~np.isnan(fragments[:, 1:])
    # a reaching fragment with a NaN mean (a NaN gt) keeps it, as in pysot
    num = np.sum(np.where(reach, means * weights[:, None], 0.), axis=0)
    den = np.sum(np.where(reach, weights[:, None], 0.), axis=0)
    curve = np.zeros(length)
    curve[0] = 1.
    with np.errstate(invalid='ignore', divide='ignore'):
        curve[1:] = np.where(reach.any(axis=0), num / den, 0.)
    return curve


def expected_average_overlap(
        trajectories: Sequence[Sequence[TrajectoryEntry]],
        gts: Sequence,
        low: int = EAO_RANGES['VOT2018'][0],
        high: int = EAO_RANGES['VOT2018'][1],
        skipping: int = SKIP_INITIALIZE,
        bounds: Optional[Sequence[Bounds]] = None) -> float:
    """EAO of S sequences (pysot's ``EAOBenchmark``, tag 'all', one run).

    The mean of :func:`expected_overlap_curve` over the sequence lengths
    ``low..high`` (entries ``low - 1 .. high - 1``) that the curve has and
    that are not NaN; NaN if none. The overlaps are taken without burn-in.

    Args:
        trajectories: S trajectories.
        gts: S ground truths, (N_s, 4) or (N_s, 2K).
        low: shortest length averaged, >= 1 (see :data:`EAO_RANGES`).
        high: longest length averaged.
        skipping: frames from a failure to the re-init.
        bounds: S ``(W, H)``, or None. pysot's EAOBenchmark passes
            ``(W - 1, H - 1)`` here (and ``(W, H)`` for accuracy).

    Returns:
        The EAO.
    """
    if low < 1:
        raise ValueError(f'low must be >= 1, got {low}')
    bounds = [None] * len(gts) if bounds is None else bounds
    overlaps = [_overlaps(t, g, 0, b)
                for t, g, b in zip(trajectories, gts, bounds)]
    failures = [np.flatnonzero(trajectory_markers(t) == FAILURE_MARKER)
                for t in trajectories]
    curve = expected_overlap_curve(*eao_fragments(
        overlaps, failures, [len(g) for g in gts], skipping))
    in_range = curve[low - 1:high]
    return _nanmean(in_range)
