"""Deterministic synthetic videos for single-object tracking: training,
validation and test splits.

The videos are made with the renderer of the shapes detection dataset
(:mod:`plugin.datasets.shapes`: its backgrounds, shapes, colour rule and
noise). Sequence ``i`` of a split is drawn from
``numpy.random.default_rng([seed, split_id, i])``, the split ids registered
next to the images' train (0) and val (1) ids (:data:`SPLITS`): ``test`` is
2 (the videos that earlier versions generated as the only set, unchanged
pixel for pixel), ``train`` 3 and ``val`` 4. So no video is in two splits
and none is made from a training image's random stream.

Each sequence has:

* a static textured background (:func:`~plugin.datasets.shapes.
  render_background`) and fresh Gaussian noise in every frame (one sigma per
  sequence, 2-8 levels, as the shapes images);
* a target of a random class whose size changes smoothly within x0.6..x1.6
  of its first-frame size and whose aspect (local box w / h) within
  x0.75..x1.33 of its first-frame aspect, moving along a smooth random path
  (a constant drift plus low-frequency sinusoids, reflected off the frame
  edges, which keep it fully inside) at most :data:`MAX_SPEED` times its size
  per frame;
* 1-3 distractors of the target's class, each with its own random colour,
  size, path, scale and aspect changes, drawn under the target; the first
  one's path is shifted so that it passes next to the target once;
* occlusion episodes (one per started 50 frames): a shape of another class
  flies across the target, drawn over it, hiding at most half of it for a
  few frames. Frame 0 is never occluded (it initialises the tracker).

The ground truth of a frame is the target's full box, the tight box of its
unoccluded mask, xyxy in continuous pixel coordinates
(``[x0, y0, x1 + 1, y1 + 1]`` for the extreme mask pixels), plus the visible
fraction of its mask, an occluded flag (some pixel hidden) and OTB-style
attribute flags (:data:`ATTRIBUTES`, computed from the objects' geometry,
see :func:`frame_attributes`).

Files written by :func:`make_shapes_tracking` (one split)::

    out_dir/
        sequences/seq_0000/000000.jpg ...
        annotations.json

and by :func:`ensure_shapes_tracking` (all splits)::

    out_dir/train/..., out_dir/val/..., out_dir/test/...

``annotations.json`` is ``{"sequences": [{"name", "frames" (paths relative
to out_dir), "boxes" (N x [x1, y1, x2, y2]), "visible", "occluded",
"attributes" ({name: N bools}), "img_shape" ([H, W]), "target_class",
"num_distractors"}, ...], "meta": {generator version and arguments}}``;
:class:`~plugin.datasets.tracking_dataset.TrackingSequenceDataset` and
:class:`~plugin.datasets.video_pair_dataset.SiamVideoPairDataset` read it.
A split whose ``meta`` differs from what the current generator would write
(another :data:`GENERATOR_VERSION` or other arguments) is stale, and
:func:`ensure_shapes_tracking` regenerates it.

Shapes: N frames, H x W frame size, D distractors, E occlusion episodes.

Example:
    >>> from plugin.datasets import ensure_shapes_tracking
    >>> root = ensure_shapes_tracking('data/shapes_tracking')  # doctest: +SKIP
"""
from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import os.path as osp
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from .shapes import (_SPLIT_IDS, SHAPES_CLASSES, ShapeSpec, _pick_colour,
                     _rotated_half_extent, draw_shape, render_background,
                     sample_shape, staged_install)

__all__ = [
    'MAX_SPEED', 'SCALE_RANGE', 'ASPECT_RANGE', 'SPLITS', 'ATTRIBUTES',
    'GENERATOR_VERSION', 'generate_sequence', 'frame_attributes',
    'make_shapes_tracking', 'stale_reason', 'ensure_shapes_tracking'
]

#: Name of each video split -> its key in shapes._SPLIT_IDS (the second
#: number of every sequence's RNG seed). ``test`` keeps the id of the one
#: set earlier versions made, so its videos did not change.
SPLITS: Dict[str, str] = {
    'train': 'track_train',
    'val': 'track_val',
    'test': 'track'
}
#: Bumped whenever the pixels or the annotations of a generated video change
#: (2: attribute flags; 1 had no version and one split); a split generated
#: by another version is stale.
GENERATOR_VERSION = 2
#: Per-frame attribute flags in the annotations (OTB's OCC, DEF-free subset).
ATTRIBUTES = ('occlusion', 'distractor', 'fast_motion', 'scale_change')
# A distractor is "beside" the target when their centres are closer than
# this many times the mean of their sizes sqrt(w * h): at 1.0 the two boxes
# touch or overlap (a third of the test frames; 1.5, half a size apart,
# flagged more than half of them).
_NEAR_DISTRACTOR = 1.0
# Fast motion: the centre moved more than this fraction of the target's
# size since the last frame; 0.1 is two thirds of MAX_SPEED (OTB's FM, 20
# px, is about a third of its typical 60 px target, in far longer strides).
_FAST_MOTION = 0.1
# Scale change: the size sqrt(w * h) differs from frame 0's by more than
# this factor either way (OTB's SV uses 2 over much longer videos; the
# videos here range x0.6-x1.6).
_SCALE_CHANGE = 1.3

#: Largest per-frame move of an object's centre, as a fraction of its size
#: sqrt(w * h) (local box). SiamRPN's template window is s_z = sqrt((w + p) *
#: (h + p)), p = (w + h) / 2, about 2 target sizes, and its search window
#: about 2 s_z (255 / 127), so the target stays inside the search window
#: while it moves less than (4 - 1) / 2 = 1.5 sizes per frame; 0.15 is ten
#: times less (the default set's targets move 1-2.5 px per frame on
#: average), so the tracker is tested on distractors, occlusion and scale,
#: not on outrunning its window.
MAX_SPEED = 0.15
#: Size sqrt(w * h) of an object relative to its first frame.
SCALE_RANGE = (0.6, 1.6)
#: Aspect (w / h of the local box) relative to its first frame.
ASPECT_RANGE = (0.75, 4.0 / 3.0)
# Largest per-frame change of log(scale) and log(aspect): 3% and 2% per
# frame, smooth zooms rather than jumps.
_MAX_LOG_SCALE_STEP = 0.03
_MAX_LOG_ASPECT_STEP = 0.02
# Periods (frames) of the two sinusoids of a scale or aspect curve: slow
# changes, one to a few per 100-frame sequence.
_CURVE_PERIODS = (40.0, 160.0)
# Target's first-frame longer side: log-uniform in this fraction of the
# shorter frame side (24-48 px at 320 x 240), so that x1.6 with x1.33 aspect
# change still leaves room to move.
_TARGET_SIDE_FRAC = (0.1, 0.2)
# Share of an object's speed budget spent on a constant drift (the rest goes
# to the sinusoids): the drift carries it across the frame, the sinusoids
# bend the path.
_DRIFT_SHARE = (0.2, 0.6)
# Periods (frames) of the two sinusoids per axis of a path.
_PATH_PERIODS = (25.0, 100.0)
# Distractors per sequence, inclusive, and their first-frame longer side
# relative to the target's (similar sizes: real confusers).
_NUM_DISTRACTORS = (1, 3)
_DISTRACTOR_SIDE = (0.75, 1.33)
# The first distractor passes the target at a random frame in the last 3/4
# of the sequence, its centre then at this many times the mean of the two
# sizes sqrt(w * h) from the target's (below 1 they touch or overlap; the
# target is drawn over it). Directions tried to keep that point reachable.
_MEET_DIST = (0.8, 1.3)
_MEET_DIRECTIONS = 16
# One occlusion episode per started _FRAMES_PER_EPISODE frames.
_FRAMES_PER_EPISODE = 50
# An occluder can touch the target only within +-half frames of its closest
# approach (3-6: episodes of a few frames); its longer side relative to the
# target's first one (large enough to hide half of it).
_EPISODE_HALF = (3, 6)
_OCCLUDER_SIDE = (0.8, 1.4)
# Largest hidden fraction of the target in an episode, the random goal for
# the episode's peak, and the offsets tried to reach it.
_MAX_HIDDEN = 0.5
_HIDDEN_GOAL = (0.2, 0.5)
_OFFSET_STEPS = 17
# Keep 1 px between an object's rotated box and the frame edge (rounding), as
# sample_shape does.
_MARGIN = 1.0
# Per-pixel noise sigma, one per sequence: the shapes images' range.
_NOISE_SIGMA = (2.0, 8.0)
# JPEG: noisy 320 x 240 frames take ~150 KB each as PNG (shapes' level 3;
# ~450 MB for the default 3000 frames). Quality 90 without chroma
# subsampling (4:4:4): ~28 KB per frame, mean error ~3.5 levels (the noise,
# which no codec keeps) and at most ~35 on colour edges, which 4:2:0
# subsampling smears over 2 px (errors up to ~100 there, for ~40% less
# space).
_JPEG_PARAMS = [
    cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
    cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444
]
_ANN_FILE = 'annotations.json'
_SEQ_DIR = 'sequences'


@dataclass
class _Motion:
    """Per-frame geometry of one object: ``base`` with (cx, cy, w, h)
    replaced by row t of ``centres`` (N, 2) and ``sizes`` (N, 2)."""

    base: ShapeSpec
    centres: np.ndarray
    sizes: np.ndarray

    def spec(self, t: int) -> ShapeSpec:
        """The object's shape in frame ``t``."""
        return dataclasses.replace(
            self.base,
            cx=float(self.centres[t, 0]),
            cy=float(self.centres[t, 1]),
            w=float(self.sizes[t, 0]),
            h=float(self.sizes[t, 1]))


def _log_curve(rng: np.random.Generator, num_frames: int, lo: float,
               hi: float, max_step: float) -> np.ndarray:
    """Smooth random curve from 0 that stays in [lo, hi] (lo <= 0 <= hi).

    Two sinusoids minus their value at t = 0, scaled by one factor so that
    neither bound nor the per-frame step ``max_step`` is exceeded, times a
    random 0.5-1 so that the used range varies between sequences.

    Returns:
        (N,) float64.
    """
    t = np.arange(num_frames, dtype=np.float64)
    raw = np.zeros(num_frames)
    for _ in range(2):
        period = rng.uniform(*_CURVE_PERIODS)
        phase = rng.uniform(0.0, 2 * np.pi)
        weight = rng.uniform(0.5, 1.0)
        raw += weight * (np.sin(2 * np.pi * t / period + phase) -
                         np.sin(phase))
    factors = []
    if raw.max() > 0:
        factors.append(hi / raw.max())
    if raw.min() < 0:
        factors.append(lo / raw.min())
    if num_frames > 1 and np.abs(np.diff(raw)).max() > 0:
        factors.append(max_step / np.abs(np.diff(raw)).max())
    used = rng.uniform(0.5, 1.0)
    return raw * (min(factors) * used if factors else 0.0)


def _sizes(rng: np.random.Generator, num_frames: int, w0: float,
           h0: float) -> np.ndarray:
    """(N, 2) local box sizes (w, h): scale and aspect curves applied to
    (w0, h0); sqrt(w * h) / sqrt(w0 * h0) is the scale exactly."""
    scale = np.exp(
        _log_curve(rng, num_frames, np.log(SCALE_RANGE[0]),
                   np.log(SCALE_RANGE[1]), _MAX_LOG_SCALE_STEP))
    aspect = np.exp(
        _log_curve(rng, num_frames, np.log(ASPECT_RANGE[0]),
                   np.log(ASPECT_RANGE[1]), _MAX_LOG_ASPECT_STEP))
    return np.stack(
        [w0 * scale * np.sqrt(aspect), h0 * scale / np.sqrt(aspect)], axis=1)


def _bounds(base: ShapeSpec, sizes: np.ndarray, width: int,
            height: int) -> Tuple[np.ndarray, np.ndarray]:
    """Lowest and highest centre (x, y) that keep the rotated box of every
    frame's size inside the frame (``_MARGIN`` from the edges)."""
    half = np.array([
        _rotated_half_extent(dataclasses.replace(base, w=w, h=h))
        for w, h in sizes
    ]).max(axis=0)
    lo = half + _MARGIN
    hi = np.array([width, height], dtype=np.float64) - half - _MARGIN
    if np.any(hi < lo):
        raise ValueError(f'a {base.label} of up to {2 * half} px does not fit '
                         f'in a {width} x {height} frame')
    return lo, hi


def _fold(u: np.ndarray) -> np.ndarray:
    """Reflect values into [0, 1] (a triangle wave; 1-Lipschitz)."""
    m = np.mod(u, 2.0)
    return np.where(m <= 1.0, m, 2.0 - m)


def _path(rng: np.random.Generator,
          num_frames: int,
          speed: float,
          lo: np.ndarray,
          hi: np.ndarray,
          through: Optional[Tuple[int, np.ndarray]] = None) -> np.ndarray:
    """Smooth random path inside [lo, hi] moving at most ``speed`` px/frame.

    The free path is ``z(t) = z0 + drift * t + sum_k a_k (sin(w_k t + p_k) -
    sin(p_k))`` per axis, with ``|drift| + sqrt(2) * max_axis sum_k a_k w_k
    <= speed``; since ``|sin(x + w) - sin(x)| <= w`` it moves at most
    ``speed`` per frame. Reflecting it off [lo, hi] (the object bounces off
    the frame edges, the only points where its velocity jumps) cannot make
    a step longer.

    Args:
        through: ``(t, point)``: shift the path so that it is at ``point``
            (which must lie in [lo, hi]) in frame ``t``.

    Returns:
        (N, 2) centres.
    """
    t = np.arange(num_frames, dtype=np.float64)[:, None]
    share = rng.uniform(*_DRIFT_SHARE)
    heading = rng.uniform(0.0, 2 * np.pi)
    drift = share * speed * np.array([np.cos(heading), np.sin(heading)])
    axis_budget = (1.0 - share) * speed / np.sqrt(2.0)
    wiggle = np.zeros((num_frames, 2))
    for axis in range(2):
        omega = 2 * np.pi / rng.uniform(*_PATH_PERIODS, size=2)
        phase = rng.uniform(0.0, 2 * np.pi, size=2)
        weight = rng.uniform(0.2, 1.0, size=2)
        amp = axis_budget * weight / weight.sum() / omega
        wiggle[:, axis] = (amp * (np.sin(omega * t + phase) -
                                  np.sin(phase))).sum(axis=1)
    offset = drift * t + wiggle
    start = rng.uniform(lo, hi)
    if through is not None:
        frame, point = through
        start = point - offset[frame]
    span = np.maximum(hi - lo, 1e-9)
    return lo + _fold((start + offset - lo) / span) * span


def _resized(spec: ShapeSpec, side: float) -> ShapeSpec:
    """``spec`` scaled so that its longer local side is ``side``."""
    k = side / max(spec.w, spec.h)
    return dataclasses.replace(spec, w=spec.w * k, h=spec.h * k)


def _animate(rng: np.random.Generator,
             base: ShapeSpec,
             num_frames: int,
             width: int,
             height: int,
             meet: Optional[Tuple[int, _Motion]] = None) -> _Motion:
    """Scale, aspect and path of one object (see the module docstring).

    Args:
        meet: ``(t, target)``: pass next to ``target`` in frame ``t``.
    """
    sizes = _sizes(rng, num_frames, base.w, base.h)
    lo, hi = _bounds(base, sizes, width, height)
    size = np.sqrt(sizes.prod(axis=1))
    # The smallest size of the sequence: the bound then holds in every frame.
    speed = MAX_SPEED * float(size.min())
    through = None
    if meet is not None:
        frame, target = meet
        target_size = float(np.sqrt(target.sizes[frame].prod()))
        dist = rng.uniform(*_MEET_DIST) * (target_size + size[frame]) / 2
        through = (frame,
                   _meeting_point(rng, target.centres[frame], dist, lo, hi))
    return _Motion(base, _path(rng, num_frames, speed, lo, hi, through),
                   sizes)


def _meeting_point(rng: np.random.Generator, centre: np.ndarray, dist: float,
                   lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A point ``dist`` from ``centre`` inside [lo, hi]: the first of
    ``_MEET_DIRECTIONS`` directions (from a random one) that fits, else the
    first direction clipped into the box."""
    first = rng.uniform(0.0, 2 * np.pi)
    for j in range(_MEET_DIRECTIONS):
        angle = first + 2 * np.pi * j / _MEET_DIRECTIONS
        point = centre + dist * np.array([np.cos(angle), np.sin(angle)])
        if np.all(point >= lo) and np.all(point <= hi):
            return point
    return np.clip(centre + dist * np.array([np.cos(first), np.sin(first)]),
                   lo, hi)


def _in_frame(spec: ShapeSpec, width: int, height: int) -> bool:
    """Whether the rotated box of ``spec`` overlaps the frame at all."""
    hx, hy = _rotated_half_extent(spec)
    return (spec.cx + hx >= 0 and spec.cx - hx <= width and
            spec.cy + hy >= 0 and spec.cy - hy <= height)


def _occluders(rng: np.random.Generator, target: _Motion,
               target_masks: List[np.ndarray], width: int,
               height: int) -> List[_Motion]:
    """One occluder per started ``_FRAMES_PER_EPISODE`` frames.

    Occluder k flies in a straight line relative to the target,
    ``centre(t) = target(t) + offset * n + v * (t - t_k)`` (``n`` normal to
    ``v``), drawn over it. ``|v| = (R_target + R_occluder) / half`` with R
    the half diagonals of the local boxes, so the two can touch only within
    ``half`` frames of ``t_k``; the episodes sit in disjoint parts of the
    sequence, ``t_k > half`` keeps frame 0 clean. Of ``_OFFSET_STEPS`` offsets
    from 0 to R_target + R_occluder, the one whose largest hidden fraction is
    at most ``_MAX_HIDDEN`` and closest to a random goal is kept (an episode
    where no offset gives that hides nothing).
    """
    num_frames = len(target_masks)
    others = [c for c in SHAPES_CLASSES if c != target.base.label]
    num_episodes = -(-num_frames // _FRAMES_PER_EPISODE)
    target_radius = float(np.hypot(target.sizes[:, 0],
                                   target.sizes[:, 1]).max()) / 2
    target_area = np.array([m.sum() for m in target_masks], dtype=np.float64)
    times = np.arange(num_frames, dtype=np.float64)[:, None]
    occluders = []
    for k in range(num_episodes):
        label = others[int(rng.integers(len(others)))]
        side = max(target.base.w, target.base.h) * rng.uniform(*_OCCLUDER_SIDE)
        base = _resized(sample_shape(rng, label, height, width), side)
        radius = float(np.hypot(base.w, base.h)) / 2
        half = int(rng.integers(_EPISODE_HALF[0], _EPISODE_HALF[1] + 1))
        seg_lo = k * num_frames // num_episodes
        seg_hi = (k + 1) * num_frames // num_episodes
        t_lo = max(seg_lo, 1) + half
        # The last episode may run past the end; the others end in their part.
        t_hi = seg_hi - half - 1 if k < num_episodes - 1 else num_frames - 2
        heading = rng.uniform(0.0, 2 * np.pi)
        goal = rng.uniform(*_HIDDEN_GOAL)
        sign = 1.0 if rng.random() < 0.5 else -1.0
        if t_lo > num_frames - 1:
            continue  # too short a sequence for an episode
        t_c = int(rng.integers(t_lo, max(t_hi, t_lo) + 1))
        direction = np.array([np.cos(heading), np.sin(heading)])
        normal = np.array([-direction[1], direction[0]])
        velocity = (target_radius + radius) / half * direction
        frames = range(max(t_c - half, 0), min(t_c + half + 1, num_frames))
        best, best_err = None, np.inf
        for offset in np.linspace(0.0, target_radius + radius, _OFFSET_STEPS):
            centres = (target.centres + sign * offset * normal + velocity *
                       (times - t_c))
            motion = _Motion(base, centres, np.tile([base.w, base.h],
                                                    (num_frames, 1)))
            hidden = max(
                (target_masks[t] & draw_shape(motion.spec(t), height, width)
                 ).sum() / target_area[t] for t in frames)
            if 0 < hidden <= _MAX_HIDDEN and abs(hidden - goal) < best_err:
                best, best_err = motion, abs(hidden - goal)
        if best is not None:
            occluders.append(best)
    return occluders


def _region_mean(img: np.ndarray, motion: _Motion) -> np.ndarray:
    """Mean colour of ``img`` over the rectangle that the object's boxes
    cover during the sequence (the background it moves over)."""
    height, width = img.shape[:2]
    half = np.array([
        _rotated_half_extent(motion.spec(t))
        for t in range(len(motion.centres))
    ])
    x0 = int(np.clip(np.floor((motion.centres[:, 0] - half[:, 0]).min()), 0,
                     width - 1))
    y0 = int(np.clip(np.floor((motion.centres[:, 1] - half[:, 1]).min()), 0,
                     height - 1))
    x1 = int(np.clip(np.ceil((motion.centres[:, 0] + half[:, 0]).max()),
                     x0 + 1, width))
    y1 = int(np.clip(np.ceil((motion.centres[:, 1] + half[:, 1]).max()),
                     y0 + 1, height))
    return img[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0)


def frame_attributes(target: List[ShapeSpec],
                     distractors: List[List[ShapeSpec]],
                     visible: List[float]) -> Dict[str, List[bool]]:
    """OTB-style per-frame attribute flags of one video (:data:`ATTRIBUTES`).

    * ``occlusion``: some of the target is hidden (visible < 1);
    * ``distractor``: a look-alike (same class) is beside the target, its
      centre closer than ``_NEAR_DISTRACTOR`` mean sizes;
    * ``fast_motion``: the target's centre moved more than ``_FAST_MOTION``
      of its size since the previous frame (never frame 0);
    * ``scale_change``: its size differs from frame 0's by more than the
      factor ``_SCALE_CHANGE``.

    Args:
        target: N per-frame specs of the target.
        distractors: D lists of N specs.
        visible: N visible fractions.

    Returns:
        ``{name: N bools}``.
    """
    centres = np.array([[s.cx, s.cy] for s in target])
    size = np.array([np.sqrt(s.w * s.h) for s in target])
    near = np.zeros(len(target), bool)
    for specs in distractors:
        d_centres = np.array([[s.cx, s.cy] for s in specs])
        d_size = np.array([np.sqrt(s.w * s.h) for s in specs])
        dist = np.linalg.norm(centres - d_centres, axis=1)
        near |= dist < _NEAR_DISTRACTOR * (size + d_size) / 2
    step = np.zeros(len(target))
    step[1:] = np.linalg.norm(np.diff(centres, axis=0), axis=1)
    ratio = size / size[0]
    flags = dict(
        occlusion=np.asarray(visible) < 1.0,
        distractor=near,
        fast_motion=step > _FAST_MOTION * size,
        scale_change=np.maximum(ratio, 1 / ratio) > _SCALE_CHANGE)
    return {name: [bool(v) for v in flags[name]] for name in ATTRIBUTES}


def generate_sequence(rng: np.random.Generator, num_frames: int, width: int,
                      height: int) -> Tuple[List[np.ndarray], Dict]:
    """Render one video and its annotations (nothing is written).

    Args:
        rng: Random generator of this sequence (consumed deterministically).
        num_frames: Number of frames N (>= 2; an occlusion episode needs
            5 to 8 of them, shorter videos may have none).
        width: Frame width W in pixels.
        height: Frame height H in pixels.

    Returns:
        ``(frames, annotation)``: frames a list of N uint8 (H, W, 3) BGR
        arrays; annotation a dict with ``boxes`` (N x [x1, y1, x2, y2]
        floats: the target's full box), ``visible`` (N floats, visible
        fraction of the target's mask), ``occluded`` (N bools, visible < 1),
        ``attributes`` (:func:`frame_attributes`), ``img_shape`` ([H, W]), ``target_class`` (str), ``num_distractors``
        (D) and ``specs``, the per-frame :class:`ShapeSpec` of every object
        for checks: ``dict(target=[N], distractors=[D][N],
        occluders=[E][N])`` (not JSON; :func:`make_shapes_tracking` drops it).

    Raises:
        ValueError: If ``num_frames < 2`` or the frame is too small.
    """
    if num_frames < 2:
        raise ValueError(f'need at least 2 frames, got {num_frames}')
    background = render_background(rng, height, width)
    label = SHAPES_CLASSES[int(rng.integers(len(SHAPES_CLASSES)))]
    short = min(width, height)
    side = float(
        np.exp(rng.uniform(np.log(_TARGET_SIDE_FRAC[0] * short),
                           np.log(_TARGET_SIDE_FRAC[1] * short))))
    target = _animate(rng, _resized(sample_shape(rng, label, height, width),
                                    side), num_frames, width, height)

    num_distractors = int(
        rng.integers(_NUM_DISTRACTORS[0], _NUM_DISTRACTORS[1] + 1))
    meet_frame = int(rng.integers(num_frames // 4, num_frames))
    distractors = []
    for j in range(num_distractors):
        base = _resized(
            sample_shape(rng, label, height, width),
            side * rng.uniform(*_DISTRACTOR_SIDE))
        distractors.append(
            _animate(rng, base, num_frames, width, height,
                     (meet_frame, target) if j == 0 else None))

    target_masks = [
        draw_shape(target.spec(t), height, width) for t in range(num_frames)
    ]
    if not all(m.any() for m in target_masks):
        raise ValueError('the target vanished: frame too small')
    occluders = _occluders(rng, target, target_masks, width, height)

    # Colours: target and distractors far from the background they cross;
    # occluders far from the target's colour, so that what they hide shows.
    target_colour = _pick_colour(rng, _region_mean(background, target))
    distractor_colours = [
        _pick_colour(rng, _region_mean(background, d)) for d in distractors
    ]
    occluder_colours = [_pick_colour(rng, target_colour) for _ in occluders]
    sigma = float(rng.uniform(*_NOISE_SIGMA))

    frames, boxes, visible = [], [], []
    for t in range(num_frames):
        canvas = background.copy()
        for motion, colour in zip(distractors, distractor_colours):
            canvas[draw_shape(motion.spec(t), height, width)] = colour
        canvas[target_masks[t]] = target_colour
        hidden = np.zeros((height, width), dtype=bool)
        for motion, colour in zip(occluders, occluder_colours):
            spec = motion.spec(t)
            if _in_frame(spec, width, height):
                mask = draw_shape(spec, height, width)
                canvas[mask] = colour
                hidden |= mask
        # float32 draws: half the time of shapes' float64 normal() per frame
        canvas += sigma * rng.standard_normal(canvas.shape, dtype=np.float32)
        frames.append(np.clip(np.round(canvas), 0, 255).astype(np.uint8))
        xs = np.flatnonzero(target_masks[t].any(axis=0))
        ys = np.flatnonzero(target_masks[t].any(axis=1))
        boxes.append([
            float(xs[0]),
            float(ys[0]),
            float(xs[-1] + 1),
            float(ys[-1] + 1)
        ])
        visible.append(
            float((target_masks[t] & ~hidden).sum() / target_masks[t].sum()))
    target_specs = [target.spec(t) for t in range(num_frames)]
    annotation = dict(
        boxes=boxes,
        visible=visible,
        occluded=[v < 1.0 for v in visible],
        attributes=frame_attributes(
            target_specs,
            [[d.spec(t) for t in range(num_frames)] for d in distractors],
            visible),
        img_shape=[height, width],
        target_class=label,
        num_distractors=num_distractors,
        specs=dict(
            target=target_specs,
            distractors=[[d.spec(t) for t in range(num_frames)]
                         for d in distractors],
            occluders=[[o.spec(t) for t in range(num_frames)]
                       for o in occluders]))
    return frames, annotation


def _meta(split: str, num_sequences: int, num_frames: int, width: int,
          height: int, seed: int) -> Dict[str, object]:
    """What ``annotations.json`` records of its generation: equal metas
    mean equal videos."""
    return dict(
        description='plugin synthetic shapes tracking sequences',
        generator_version=GENERATOR_VERSION,
        split=split,
        seed=seed,
        split_id=_SPLIT_IDS[SPLITS[split]],
        num_sequences=num_sequences,
        num_frames=num_frames,
        width=width,
        height=height,
        jpeg_quality=_JPEG_PARAMS[1],
        jpeg_sampling='4:4:4')


def _write_sequence(job: Tuple[str, int, int, int, int, int, int]
                    ) -> Tuple[Dict, int]:
    """Render and write sequence ``index`` into ``tmp`` (a worker's job).

    Returns:
        ``(annotation without specs, bytes written)``.
    """
    tmp, split_id, seed, index, num_frames, width, height = job
    rng = np.random.default_rng([seed, split_id, index])
    frames, ann = generate_sequence(rng, num_frames, width, height)
    del ann['specs']
    name = f'seq_{index:04d}'
    os.makedirs(osp.join(tmp, _SEQ_DIR, name))
    paths, num_bytes = [], 0
    for t, frame in enumerate(frames):
        rel = f'{_SEQ_DIR}/{name}/{t:06d}.jpg'
        if not cv2.imwrite(osp.join(tmp, rel), frame, _JPEG_PARAMS):
            raise OSError(f'could not write {osp.join(tmp, rel)}')
        num_bytes += osp.getsize(osp.join(tmp, rel))
        paths.append(rel)
    return dict(name=name, frames=paths, **ann), num_bytes


def make_shapes_tracking(out_dir: str,
                         num_sequences: int = 30,
                         num_frames: int = 100,
                         width: int = 320,
                         height: int = 240,
                         seed: int = 0,
                         split: str = 'test',
                         workers: Optional[int] = None) -> Dict[str, object]:
    """Generate one split of videos (always; see
    :func:`ensure_shapes_tracking`).

    Written to a temporary folder next to ``out_dir`` and moved into place at
    the end, ``annotations.json`` last, so an interrupted run never leaves a
    set that looks complete. An existing set in ``out_dir`` (its
    ``sequences/`` and ``annotations.json``) is replaced; other files are
    left alone.

    Args:
        out_dir: Destination folder of this split.
        num_sequences: Number of videos.
        num_frames: Frames per video (>= 2).
        width: Frame width in pixels (>= 64).
        height: Frame height in pixels (>= 64).
        seed: Base seed; sequence i uses ``[seed, split id, i]``.
        split: ``'train'``, ``'val'`` or ``'test'`` (:data:`SPLITS`).
        workers: Processes rendering sequences in parallel (None: up to 2,
            the CPUs there are; 1: in this process). Each sequence has its
            own generator, so the videos do not depend on it.

    Returns:
        Summary dict: ``out_dir``, ``split``, ``ann_file``, ``sequences``,
        ``frames``, ``bytes`` (frames on disk), ``seconds``,
        ``occluded_frames``, ``attribute_frames`` (frames per attribute) and
        ``sequences_per_class``.

    Raises:
        ValueError: On a negative count or seed, too few frames or pixels,
            or an unknown split.
    """
    if split not in SPLITS:
        raise ValueError(f'split must be one of {sorted(SPLITS)}, got '
                         f'{split!r}')
    if num_sequences < 0 or seed < 0:
        raise ValueError('num_sequences and seed must be >= 0')
    if num_frames < 2:
        raise ValueError(f'need at least 2 frames, got {num_frames}')
    # 64: below that the smallest targets (10% of the shorter side, x0.6)
    # are a few pixels wide.
    if min(width, height) < 64:
        raise ValueError(f'frames must be at least 64 x 64, got {width} x '
                         f'{height}')
    if workers is None:
        workers = min(2, os.cpu_count() or 1, max(num_sequences, 1))
    start = time.perf_counter()
    out_dir = osp.abspath(out_dir)
    meta = _meta(split, num_sequences, num_frames, width, height, seed)
    # the annotation file never names frames that are not there
    with staged_install(out_dir, '.shapes-tracking', (_SEQ_DIR, ),
                        (_ANN_FILE, )) as tmp:
        jobs = [(tmp, meta['split_id'], seed, index, num_frames, width,
                 height) for index in range(num_sequences)]
        if workers > 1:
            # fork: the workers need nothing but this module
            ctx = multiprocessing.get_context('fork')
            with ctx.Pool(workers) as pool:
                written = pool.map(_write_sequence, jobs, chunksize=1)
        else:
            written = [_write_sequence(job) for job in jobs]
        sequences = [ann for ann, _ in written]
        num_bytes = sum(n for _, n in written)
        os.makedirs(osp.join(tmp, _SEQ_DIR), exist_ok=True)
        with open(osp.join(tmp, _ANN_FILE), 'w', encoding='utf-8') as f:
            json.dump(dict(sequences=sequences, meta=meta), f)
    per_class = {name: 0 for name in SHAPES_CLASSES}
    for seq in sequences:
        per_class[seq['target_class']] += 1
    return dict(
        out_dir=out_dir,
        split=split,
        ann_file=osp.join(out_dir, _ANN_FILE),
        sequences=num_sequences,
        frames=num_sequences * num_frames,
        bytes=num_bytes,
        seconds=round(time.perf_counter() - start, 2),
        occluded_frames=sum(sum(s['occluded']) for s in sequences),
        attribute_frames={
            name: sum(sum(s['attributes'][name]) for s in sequences)
            for name in ATTRIBUTES
        },
        sequences_per_class=per_class)


def stale_reason(split_dir: str, expected: Dict[str, object]
                 ) -> Optional[str]:
    """Why the split in ``split_dir`` must be (re)generated, or None.

    Args:
        split_dir: A split's folder.
        expected: The ``meta`` the current generator would write.

    Returns:
        None when its ``annotations.json`` has exactly ``expected`` as
        ``meta``; else a sentence (missing, unreadable, or which keys
        differ).
    """
    path = osp.join(split_dir, _ANN_FILE)
    if not osp.isfile(path):
        return f'{path} is missing'
    try:
        with open(path, encoding='utf-8') as f:
            meta = json.load(f).get('meta', {})
    except (OSError, ValueError) as err:
        return f'{path} is unreadable ({err})'
    diff = sorted(k for k in set(meta) | set(expected)
                  if meta.get(k) != expected.get(k))
    if diff:
        return (f'{path} was made by another generator or with other '
                'arguments: ' + ', '.join(
                    f'{k} {meta.get(k)!r} (now {expected.get(k)!r})'
                    for k in diff))
    return None


def ensure_shapes_tracking(out_dir: str,
                           splits: Optional[Dict[str, int]] = None,
                           num_frames: int = 100,
                           width: int = 320,
                           height: int = 240,
                           seed: int = 0,
                           workers: Optional[int] = None) -> str:
    """Generate each split in ``out_dir/<split>/`` unless it is there, made
    by this generator with these arguments.

    A split whose ``annotations.json`` is missing, or whose ``meta``
    differs from what :func:`make_shapes_tracking` would now write (an older
    generator, another seed or size), is regenerated, and the reason
    logged.

    Args:
        out_dir: Dataset folder holding the splits.
        splits: ``{split: number of videos}``; None: ``{'test': 30}``.
        num_frames, width, height, seed, workers: As for
            :func:`make_shapes_tracking`, the same for every split.

    Returns:
        ``out_dir``, unchanged (convenient as ``data_root``).
    """
    for split, num in (splits or {'test': 30}).items():
        if split not in SPLITS:
            raise ValueError(f'unknown split {split!r}; the splits are '
                             f'{sorted(SPLITS)}')
        split_dir = osp.join(out_dir, split)
        reason = stale_reason(
            split_dir, _meta(split, num, num_frames, width, height, seed))
        if reason is None:
            continue
        print(f'shapes_tracking: generating {num} {split} videos '
              f'({reason})', flush=True)
        make_shapes_tracking(split_dir, num, num_frames, width, height, seed,
                             split=split, workers=workers)
    return out_dir
