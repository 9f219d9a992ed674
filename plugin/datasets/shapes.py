"""Deterministic synthetic COCO-format detection dataset of filled shapes.

The dataset replaces COCO for demos and tests on machines without internet or
GPU: a few hundred small images that a dense detector can learn in minutes on
a CPU, while still exercising the things the detectors in this package care
about:

* six classes of filled shapes (:data:`SHAPES_CLASSES`), roughly balanced;
* varied image size, object scale (longer side from 14 px to 45% of the
  shorter image side) and aspect ratio (0.5 to 2), random rotation of the
  shapes that have an orientation (L-shapes within 15 degrees of an axis,
  see :func:`sample_shape`);
* three classes (``ring``, ``L-shape``, ``crescent``) whose mass lies away
  from the centre of their box on purpose: the case AutoAssign's learned
  centre prior exists for (a fixed Gaussian centre prior, as in FCOS-style
  assigners, puts its weight on background pixels for these): the pixel at
  the centre of their box is background for all rings, ~99.9% of crescents
  and ~97% of L-shapes;
* textured, noisy backgrounds that differ from image to image, so a detector
  cannot rely on "anything that is not flat is an object";
* occlusion: later objects are drawn over earlier ones. The box of every
  object is the tight box of its *visible* pixels and ``area`` counts them.

Everything is deterministic: image ``i`` of split ``s`` is drawn from its own
``numpy.random.default_rng([seed, split_id, i])``, so the same arguments give
byte-identical PNG and json files, independently of how many images are made
or in which order.

Files written by :func:`make_shapes_dataset`::

    out_dir/
        train/000000.png ...
        val/000000.png ...
        test/000000.png ...
        annotations/instances_train.json
        annotations/instances_val.json
        annotations/instances_test.json

``val`` is for choosing (checkpoints, options), ``test`` for the figures
that are reported: the recipes keep their best checkpoint by val mAP and
``tools/test.py`` evaluates it on test.

The json files are standard COCO detection files; load them in mmdetection
with ``CocoDataset(data_root=out_dir, ann_file='annotations/instances_val.json',
data_prefix=dict(img='val/'), metainfo=SHAPES_METAINFO, ...)``.

Example:
    >>> from plugin.datasets import ensure_shapes_dataset
    >>> root = ensure_shapes_dataset('data/shapes')  # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import json
import os
import os.path as osp
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple

import cv2
import numpy as np

__all__ = [
    'SHAPES_CLASSES', 'SHAPES_PALETTE', 'SHAPES_METAINFO', 'ShapeSpec',
    'draw_shape', 'sample_shape', 'render_background', 'generate_image',
    'make_shapes_dataset', 'ensure_shapes_dataset', 'Layout',
    'DEFAULT_LAYOUT', 'CROWDED_LAYOUT'
]

#: Class names, in category-id order (category id = index + 1).
SHAPES_CLASSES: Tuple[str, ...] = ('circle', 'rectangle', 'triangle', 'ring',
                                   'L-shape', 'crescent')

#: One RGB colour per class, for visualisation only (objects in the images
#: have random colours; the class is defined by the geometry alone).
SHAPES_PALETTE: List[Tuple[int, int, int]] = [
    (220, 20, 60),  # circle: crimson
    (0, 130, 200),  # rectangle: blue
    (60, 180, 75),  # triangle: green
    (245, 130, 48),  # ring: orange
    (145, 30, 180),  # L-shape: purple
    (70, 240, 240),  # crescent: cyan (yellow would sit next to ring's orange)
]

#: ``metainfo`` argument for mmdet's ``CocoDataset``; the shapes configs take
#: theirs from here (configs/_base_/shapes_detection.py).
SHAPES_METAINFO: Dict[str, object] = dict(
    classes=SHAPES_CLASSES, palette=SHAPES_PALETTE)

# Split name -> the second number of the per-image RNG seed. Fixed integers (not
# the position in a list of splits) so that adding a split never changes the
# images of the existing ones. 'track' (test), 'track_train' and 'track_val'
# seed the tracking videos of plugin.datasets.shapes_tracking, held out from
# the images and from each other. 'test' (5) came last: the other splits'
# images did not change when it was added. The crowded variant's splits
# (6-8) have seeds of their own.
_SPLIT_IDS: Dict[str, int] = {
    'train': 0,
    'val': 1,
    'track': 2,
    'track_train': 3,
    'track_val': 4,
    'test': 5,
    'crowded_train': 6,
    'crowded_val': 7,
    'crowded_test': 8,
}
#: The detection splits, in the order they are generated.
DETECTION_SPLITS = ('train', 'val', 'test')

# Objects per image, inclusive range (before objects that cannot be placed
# without hiding too much of another one are skipped).
_MIN_OBJECTS, _MAX_OBJECTS = 1, 12
# Longer side of an object (before rotation): from this many pixels ...
_MIN_OBJECT_SIDE = 14.0
# ... to this fraction of the shorter image side.
_MAX_OBJECT_FRAC = 0.45


@dataclass(frozen=True)
class Layout:
    """How many objects an image holds and how large they are.

    Attributes:
        min_objects, max_objects: objects drawn per image, inclusive
            (before those that cannot be placed are skipped).
        min_side: the smallest longer side of an object, in pixels.
        max_side_frac: the largest, as a fraction of the shorter image side.
        max_side: and at most this many pixels (None: no cap).
    """
    min_objects: int = _MIN_OBJECTS
    max_objects: int = _MAX_OBJECTS
    min_side: float = _MIN_OBJECT_SIDE
    max_side_frac: float = _MAX_OBJECT_FRAC
    max_side: Optional[float] = None


#: The shapes dataset's layout: 1 to 12 objects of 14 px to 45 % of the
#: image.
DEFAULT_LAYOUT = Layout()
#: The crowded variant, an aerial-image or shelf stand-in: 150 to 300
#: objects of 10 to 32 px per image (10: the smallest side at which a ring
#: stays hollow and an L keeps both arms after rasterisation).
CROWDED_LAYOUT = Layout(min_objects=150, max_objects=300, min_side=10.0,
                        max_side=32.0)
LAYOUTS: Dict[str, Layout] = dict(default=DEFAULT_LAYOUT,
                                  crowded=CROWDED_LAYOUT)
# Aspect ratio (width / height) is log-uniform in [1/_MAX_ASPECT, _MAX_ASPECT].
_MAX_ASPECT = 2.0
# An object is annotated only if at least this fraction of its pixels stays
# visible after the objects drawn later, and its visible box is at least
# _MIN_BOX_SIDE pixels wide and high.
_MIN_VISIBLE_FRAC = 0.6
_MIN_BOX_SIDE = 4
# Maximum deviation (degrees) of an L-shape from an axis-aligned orientation
# (see sample_shape).
_L_JITTER = 15.0
# Positions tried for an object before it is skipped (see generate_image).
_PLACEMENT_TRIES = 10
# Minimum Euclidean distance in RGB (0..255 per channel, so at most ~441)
# between an object's colour and the mean colour under its mask. 100 is
# clearly visible on every background while leaving most of the colour cube
# available; random colours are tried _COLOUR_TRIES times, then the most
# distant one is kept.
_MIN_COLOUR_DIST = 100.0
_COLOUR_TRIES = 32
# PNG compression level (0-9): fixed explicitly because OpenCV's default has
# changed between versions and the output must be byte-identical. 3 is a good
# speed/size trade-off for noisy images (which compress poorly at any level).
_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 3]
# cv2 drawing functions take integer coordinates; with `shift` bits of
# fractional precision they rasterise sub-pixel geometry (4 bits = 1/16 px),
# which keeps small shapes faithful. Drawing is binary (LINE_8, no
# anti-aliasing) so that a mask pixel is either fully object or not.
_SHIFT = 4
_SCALE = 1 << _SHIFT


@dataclass
class ShapeSpec:
    """Geometry of one shape, in image pixel coordinates.

    The shape is defined in a local frame whose box is ``w`` x ``h`` centred
    on ``(cx, cy)``, mirrored horizontally if ``flip``, then rotated by
    ``angle`` degrees (counter-clockwise as displayed, i.e. with y pointing
    down: a positive angle turns +x towards -y). ``circle`` and ``ring`` are
    never rotated (they are axis-aligned ellipses).

    Attributes:
        label: One of :data:`SHAPES_CLASSES`.
        cx: Centre x of the local box, in pixels.
        cy: Centre y of the local box, in pixels.
        w: Local box width, in pixels.
        h: Local box height, in pixels.
        angle: Rotation in degrees (ignored by circle and ring).
        flip: Mirror the local frame horizontally (used by L-shape to get
            both chiralities; harmless for the others).
        hole: ``ring``: inner radius / outer radius. ``crescent``: radius of
            the disc cut out / radius of the outer disc.
        arm: ``L-shape``: arm thickness as a fraction of the box side.
        offset: ``crescent``: offset of the cut-out disc's centre towards +x,
            as a fraction of the outer radius. ``triangle``: x of the apex in
            [-1, 1] (fraction of the half width; 0 = isosceles).
    """

    label: str
    cx: float
    cy: float
    w: float
    h: float
    angle: float = 0.0
    flip: bool = False
    hole: float = 0.6
    arm: float = 0.35
    offset: float = 0.4


def _to_image(spec: ShapeSpec, pts: np.ndarray) -> np.ndarray:
    """Map local points (in units of the half box) to fixed-point pixels.

    Args:
        spec: Shape whose frame is used.
        pts: (N, 2) points in [-1, 1]^2 local units (x right, y down).

    Returns:
        (N, 2) int32 pixel coordinates scaled by ``2**_SHIFT`` for cv2.
    """
    xy = pts * np.array([spec.w / 2.0, spec.h / 2.0])
    if spec.flip:
        xy[:, 0] = -xy[:, 0]
    theta = np.deg2rad(spec.angle)
    c, s = np.cos(theta), np.sin(theta)
    # Rotation with y pointing down: a positive angle looks counter-clockwise.
    rot = np.array([[c, s], [-s, c]])
    xy = xy @ rot.T + np.array([spec.cx, spec.cy])
    # Pixel centres are at integer coordinates in cv2; round to 1/16 px.
    return np.round(xy * _SCALE).astype(np.int32)


def _fill_ellipse(mask: np.ndarray, centre: np.ndarray, axes: Tuple[float,
                                                                   float],
                  angle: float, value: int) -> None:
    """Fill an ellipse into ``mask`` with sub-pixel centre and axes."""
    cx, cy = (int(v) for v in centre)
    ax = (max(int(round(axes[0] * _SCALE)), 0),
          max(int(round(axes[1] * _SCALE)), 0))
    cv2.ellipse(mask, (cx, cy), ax, float(angle), 0.0, 360.0, int(value), -1,
                cv2.LINE_8, _SHIFT)


def draw_shape(spec: ShapeSpec, height: int, width: int) -> np.ndarray:
    """Rasterise one shape into a boolean mask of the given image size.

    This is the geometric core of the generator, exposed so that tests (and
    anyone curious) can look at a single shape on an empty canvas.

    Args:
        spec: The shape to draw.
        height: Mask height in pixels.
        width: Mask width in pixels.

    Returns:
        Boolean array of shape (height, width), True on the shape's pixels.

    Raises:
        ValueError: If ``spec.label`` is not one of :data:`SHAPES_CLASSES`.
    """
    mask = np.zeros((height, width), dtype=np.uint8)
    label = spec.label
    if label == 'circle':
        centre = _to_image(spec, np.zeros((1, 2)))[0]
        _fill_ellipse(mask, centre, (spec.w / 2.0, spec.h / 2.0), 0.0, 1)
    elif label == 'ring':
        # Annulus: the outer ellipse minus a concentric one scaled by `hole`,
        # so the box centre is always background.
        centre = _to_image(spec, np.zeros((1, 2)))[0]
        _fill_ellipse(mask, centre, (spec.w / 2.0, spec.h / 2.0), 0.0, 1)
        _fill_ellipse(mask, centre,
                      (spec.hole * spec.w / 2.0, spec.hole * spec.h / 2.0),
                      0.0, 0)
    elif label == 'rectangle':
        corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)
        cv2.fillPoly(mask, [_to_image(spec, corners)], 1, cv2.LINE_8, _SHIFT)
    elif label == 'triangle':
        # Base along the bottom of the local box, apex on the top edge at
        # x = offset (in half widths): from right-angled to isosceles.
        pts = np.array([[-1, 1], [1, 1], [spec.offset, -1]], dtype=float)
        cv2.fillPoly(mask, [_to_image(spec, pts)], 1, cv2.LINE_8, _SHIFT)
    elif label == 'L-shape':
        # Vertical arm on the left, horizontal arm at the bottom, both
        # `arm` of the box side thick. With arm < 0.5 the box centre (0, 0)
        # lies in the empty upper-right part.
        t = 2.0 * spec.arm  # thickness in local units (box side = 2)
        pts = np.array([[-1, -1], [-1 + t, -1], [-1 + t, 1 - t], [1, 1 - t],
                        [1, 1], [-1, 1]],
                       dtype=float)
        cv2.fillPoly(mask, [_to_image(spec, pts)], 1, cv2.LINE_8, _SHIFT)
    elif label == 'crescent':
        # Outer disc (the local box's inscribed ellipse) minus a disc of
        # radius `hole` shifted by `offset` towards +x. Both ellipses share
        # the local frame, so after the non-uniform scaling and rotation they
        # are still ellipses with the same orientation: cv2.ellipse draws
        # them exactly.
        centres = _to_image(spec, np.array([[0.0, 0.0], [spec.offset, 0.0]]))
        # cv2.ellipse rotates clockwise as displayed for a positive angle;
        # our local frame rotates the other way.
        cv_angle = -spec.angle
        _fill_ellipse(mask, centres[0], (spec.w / 2.0, spec.h / 2.0),
                      cv_angle, 1)
        _fill_ellipse(mask, centres[1],
                      (spec.hole * spec.w / 2.0, spec.hole * spec.h / 2.0),
                      cv_angle, 0)
    else:
        raise ValueError(f'unknown shape {label!r}; expected one of '
                         f'{SHAPES_CLASSES}')
    return mask.astype(bool)


def _rotated_half_extent(spec: ShapeSpec) -> Tuple[float, float]:
    """Half width and half height of the rotated local box (upper bound)."""
    if spec.label in ('circle', 'ring'):
        return spec.w / 2.0, spec.h / 2.0
    theta = np.deg2rad(spec.angle)
    c, s = abs(np.cos(theta)), abs(np.sin(theta))
    return ((c * spec.w + s * spec.h) / 2.0, (s * spec.w + c * spec.h) / 2.0)


def sample_shape(rng: np.random.Generator,
                 label: str,
                 height: int,
                 width: int,
                 layout: Layout = DEFAULT_LAYOUT) -> ShapeSpec:
    """Draw random geometry for one shape that fits inside the image.

    Args:
        rng: Random generator (consumed in a fixed order: deterministic).
        label: One of :data:`SHAPES_CLASSES`.
        height: Image height in pixels.
        width: Image width in pixels.
        layout: The object sizes.

    Returns:
        A :class:`ShapeSpec` whose rotated box lies inside the image (objects
        are never truncated by the border; only occlusion hides pixels).
    """
    # Longer side log-uniform: as many small as large objects per octave,
    # like natural scale distributions.
    max_side = max(layout.max_side_frac * min(height, width),
                   layout.min_side)
    if layout.max_side is not None:
        max_side = max(min(max_side, layout.max_side), layout.min_side)
    side = float(
        np.exp(rng.uniform(np.log(layout.min_side), np.log(max_side))))
    aspect = float(np.exp(rng.uniform(-np.log(_MAX_ASPECT),
                                      np.log(_MAX_ASPECT))))
    w, h = (side, side / aspect) if aspect >= 1 else (side * aspect, side)
    angle = float(rng.uniform(0.0, 360.0))
    if label == 'L-shape':
        # Free rotation would often move the tight box's centre onto an arm
        # (measured: ~40% of L-shapes), because the box shrinks towards the
        # L's mass when its empty corner would have been the extreme point.
        # So an L is turned by a multiple of 90 degrees plus at most
        # +-_L_JITTER degrees (mapped from the same uniform draw, keeping the
        # RNG stream label-independent); together with the random mirror
        # this still gives all 8 orientations, and with the arm widths below
        # the box centre is on the shape for only ~3% of L-shapes.
        angle = 90.0 * (angle // 90.0) + (angle % 90.0) / 90.0 * (
            2 * _L_JITTER) - _L_JITTER
    flip = bool(rng.random() < 0.5)
    # Shape parameters, drawn for every class so that the RNG stream does
    # not depend on the label.
    # ring: inner/outer radius 0.45..0.7 -> a band 30-55% of the radius, thick
    # enough to survive rasterisation at 14 px yet clearly hollow.
    # crescent: cut-out disc of radius 0.8..0.9 offset by 0.3..0.55 of the
    # outer radius; over that whole range the centre of the unrotated
    # crescent's box falls inside the cut-out disc, i.e. is background (and
    # for rotated ones it is on the shape for ~0.1% of them, rasterisation).
    hole = float(rng.uniform(0.45, 0.7)) if label == 'ring' else float(
        rng.uniform(0.8, 0.9))
    # L-shape arms 20..40% of the side (below 50% keeps the centre of the
    # unrotated box empty), but at least 3 px thick so that small L-shapes
    # do not degenerate into lines; 0.45 caps that for the smallest ones.
    arm = float(rng.uniform(0.2, 0.4))
    arm = min(max(arm, 3.0 / min(w, h)), 0.45)
    # triangle apex anywhere on the top edge; crescent offset as above.
    offset = float(rng.uniform(-1.0, 1.0)) if label == 'triangle' else float(
        rng.uniform(0.3, 0.55))
    spec = ShapeSpec(label, 0.0, 0.0, w, h, angle, flip, hole, arm, offset)
    hx, hy = _rotated_half_extent(spec)
    # Keep the whole shape inside the image (1 px margin for rounding).
    spec.cx = float(rng.uniform(hx + 1.0, max(width - hx - 1.0, hx + 1.0)))
    spec.cy = float(rng.uniform(hy + 1.0, max(height - hy - 1.0, hy + 1.0)))
    return spec


def _replace_position(rng: np.random.Generator, spec: ShapeSpec, height: int,
                      width: int) -> ShapeSpec:
    """Same shape at a new random position inside the image."""
    hx, hy = _rotated_half_extent(spec)
    cx = float(rng.uniform(hx + 1.0, max(width - hx - 1.0, hx + 1.0)))
    cy = float(rng.uniform(hy + 1.0, max(height - hy - 1.0, hy + 1.0)))
    return ShapeSpec(spec.label, cx, cy, spec.w, spec.h, spec.angle,
                     spec.flip, spec.hole, spec.arm, spec.offset)


def render_background(rng: np.random.Generator, height: int,
                      width: int) -> np.ndarray:
    """Draw a textured background: gradient, blurred blobs, maybe stripes.

    Per-pixel noise is added later, over objects too (see
    :func:`generate_image`), so that object interiors are not perfectly flat
    either.

    Args:
        rng: Random generator.
        height: Image height in pixels.
        width: Image width in pixels.

    Returns:
        float32 array (height, width, 3), values roughly in [0, 255].
    """
    # 1. Linear gradient between two random colours along a random direction.
    c0 = rng.uniform(0, 255, size=3)
    c1 = rng.uniform(0, 255, size=3)
    theta = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    proj = xs * np.cos(theta) + ys * np.sin(theta)
    t = (proj - proj.min()) / max(float(np.ptp(proj)), 1.0)
    img = (c0[None, None, :] * (1 - t[..., None]) +
           c1[None, None, :] * t[..., None]).astype(np.float32)

    # 2. A few large blurred blobs (0-5), blended in: low-frequency clutter
    # that is not object-shaped because it is heavily blurred.
    num_blobs = int(rng.integers(0, 6))
    if num_blobs:
        layer = img.copy()
        for _ in range(num_blobs):
            centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            axes = (int(rng.integers(width // 10, width // 3 + 1)),
                    int(rng.integers(height // 10, height // 3 + 1)))
            colour = tuple(float(v) for v in rng.uniform(0, 255, size=3))
            cv2.ellipse(layer, centre, axes, float(rng.uniform(0, 180)), 0,
                        360, colour, -1, cv2.LINE_8)
        # Sigma 6-16 px: far blurrier than any object edge.
        sigma = float(rng.uniform(6.0, 16.0))
        layer = cv2.GaussianBlur(layer, (0, 0), sigma)
        alpha = float(rng.uniform(0.3, 0.7))
        img = img * (1 - alpha) + layer * alpha

    # 3. Stripes in 40% of the images: a sinusoid of random period (6-40 px),
    # orientation and per-channel amplitude (up to 30 levels): oriented,
    # periodic texture with soft edges that is still not an object.
    if rng.random() < 0.4:
        period = float(rng.uniform(6.0, 40.0))
        phi = rng.uniform(0, np.pi)
        wave = np.sin(2 * np.pi *
                      (xs * np.cos(phi) + ys * np.sin(phi)) / period)
        amp = rng.uniform(-30.0, 30.0, size=3).astype(np.float32)
        img = img + wave[..., None] * amp[None, None, :]
    return img.astype(np.float32)


def _pick_colour(rng: np.random.Generator, local_mean: np.ndarray) -> \
        np.ndarray:
    """Random colour far enough (in RGB) from the local background mean."""
    best, best_dist = None, -1.0
    for _ in range(_COLOUR_TRIES):
        colour = rng.uniform(0, 255, size=3)
        dist = float(np.linalg.norm(colour - local_mean))
        if dist >= _MIN_COLOUR_DIST:
            return colour
        if dist > best_dist:
            best, best_dist = colour, dist
    return best


def generate_image(
    rng: np.random.Generator,
    height: int,
    width: int,
    layout: Layout = DEFAULT_LAYOUT
) -> Tuple[np.ndarray, List[Dict[str, object]]]:
    """Generate one image and the annotations of its visible objects.

    Objects are drawn one after the other, each over the previous ones. A
    new object is placed at up to ``_PLACEMENT_TRIES`` random positions; the
    first position where it hides no more than 40% of any earlier object is
    kept, otherwise the object is skipped (not drawn). This keeps the labels
    clean: every shape fragment visible in the image is annotated, instead of
    drawing a mostly hidden shape and leaving it unannotated. The final
    visibility filter (>= 60% visible, visible box >= 4 px) is still applied.

    Args:
        rng: Random generator for this image.
        height: Image height in pixels.
        width: Image width in pixels.
        layout: How many objects, how large.

    Returns:
        ``(image, objects)``: image is uint8 (height, width, 3) in BGR order
        (cv2's; colours are random, so the order only matters for
        consistency), objects a list of dicts with ``label`` (0-based class
        index), ``bbox`` ([x, y, w, h] floats, tight box of the visible
        pixels, pixel-inclusive: w = x_max - x_min + 1), ``area`` (visible
        pixel count) and ``visible`` (visible fraction).
    """
    canvas = render_background(rng, height, width)
    # owner[y, x] = index of the object visible at that pixel, -1 = background
    owner = np.full((height, width), -1, dtype=np.int16)
    full_area: List[int] = []  # pixel count of each drawn object, unoccluded
    visible_area: List[int] = []  # pixel count still visible
    labels: List[int] = []

    num_objects = int(
        rng.integers(layout.min_objects, layout.max_objects + 1))
    for _ in range(num_objects):
        label = int(rng.integers(0, len(SHAPES_CLASSES)))
        spec = sample_shape(rng, SHAPES_CLASSES[label], height, width,
                            layout)
        mask = None
        for attempt in range(_PLACEMENT_TRIES):
            if attempt:
                spec = _replace_position(rng, spec, height, width)
            cand = draw_shape(spec, height, width)
            if not cand.any():
                continue
            # Pixels each earlier object would lose under this candidate.
            lost = np.bincount(
                owner[cand].astype(np.int64) + 1,
                minlength=len(full_area) + 1)[1:]
            if all(vis - n >= _MIN_VISIBLE_FRAC * full for vis, n, full in
                   zip(visible_area, lost, full_area)):
                mask = cand
                break
        if mask is None:
            continue
        for j, n in enumerate(lost):
            visible_area[j] -= int(n)
        local_mean = canvas[mask].mean(axis=0)
        canvas[mask] = _pick_colour(rng, local_mean)
        owner[mask] = len(full_area)
        full_area.append(int(mask.sum()))
        visible_area.append(full_area[-1])
        labels.append(label)

    # Per-pixel Gaussian noise over everything (sigma 2-8 levels): sensor-like
    # texture on backgrounds and objects alike.
    sigma = float(rng.uniform(2.0, 8.0))
    canvas += rng.normal(0.0, sigma, size=canvas.shape).astype(np.float32)
    image = np.clip(np.round(canvas), 0, 255).astype(np.uint8)

    objects: List[Dict[str, object]] = []
    for k, label in enumerate(labels):
        ys, xs = np.nonzero(owner == k)
        if len(xs) == 0:
            continue
        area = int(len(xs))
        x0, x1 = int(xs.min()), int(xs.max())
        y0, y1 = int(ys.min()), int(ys.max())
        bw, bh = x1 - x0 + 1, y1 - y0 + 1
        visible = area / full_area[k]
        if visible < _MIN_VISIBLE_FRAC or bw < _MIN_BOX_SIDE or \
                bh < _MIN_BOX_SIDE:
            continue
        objects.append(
            dict(
                label=label,
                bbox=[float(x0), float(y0),
                      float(bw), float(bh)],
                area=float(area),
                visible=visible))
    return image, objects


def _image_size(rng: np.random.Generator, min_size: int,
                max_size: int) -> Tuple[int, int]:
    """Width and height, each uniform in [min_size, max_size]."""
    width = int(rng.integers(min_size, max_size + 1))
    height = int(rng.integers(min_size, max_size + 1))
    return height, width


def _write_split(root: str, split: str, num_images: int, seed: int,
                 min_size: int, max_size: int,
                 layout: str = 'default') -> Dict[str, object]:
    """Generate one split into ``root``; return its COCO dict."""
    img_dir = osp.join(root, split)
    os.makedirs(img_dir, exist_ok=True)
    split_id = _SPLIT_IDS[split if layout == 'default' else
                          f'{layout}_{split}']
    images, annotations = [], []
    for index in range(num_images):
        rng = np.random.default_rng([seed, split_id, index])
        height, width = _image_size(rng, min_size, max_size)
        image, objects = generate_image(rng, height, width, LAYOUTS[layout])
        file_name = f'{index:06d}.png'
        if not cv2.imwrite(osp.join(img_dir, file_name), image, _PNG_PARAMS):
            raise OSError(f'could not write {osp.join(img_dir, file_name)}')
        image_id = index + 1  # COCO ids start at 1 (0 is falsy in some tools)
        images.append(
            dict(id=image_id, file_name=file_name, width=width, height=height))
        for obj in objects:
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=image_id,
                    category_id=obj['label'] + 1,
                    bbox=obj['bbox'],
                    area=obj['area'],
                    iscrowd=0))
    return dict(
        info=dict(
            description='plugin synthetic shapes dataset',
            split=split,
            generator=dict(
                seed=seed,
                num_images=num_images,
                min_size=min_size,
                max_size=max_size,
                layout=layout)),
        licenses=[],
        images=images,
        annotations=annotations,
        categories=[
            dict(id=i + 1, name=name, supercategory='shape')
            for i, name in enumerate(SHAPES_CLASSES)
        ])


def _ann_path(out_dir: str, split: str) -> str:
    return osp.join(out_dir, 'annotations', f'instances_{split}.json')


def make_shapes_dataset(out_dir: str,
                        num_train: int = 600,
                        num_val: int = 100,
                        num_test: int = 100,
                        seed: int = 0,
                        min_size: int = 192,
                        max_size: int = 320,
                        layout: str = 'default') -> Dict[str, object]:
    """Generate the dataset (always; see :func:`ensure_shapes_dataset`).

    Everything is written to a temporary folder next to ``out_dir`` and moved
    into place at the end, annotation files last, so an interrupted run never
    leaves a dataset that looks complete. An existing dataset in ``out_dir``
    (its ``train/``, ``val/`` and ``annotations/`` folders) is replaced; other
    files in ``out_dir`` are left alone.

    Args:
        out_dir: Destination folder.
        num_train: Number of training images.
        num_val: Number of validation images (for model selection).
        num_test: Number of test images (for the reported figures).
        seed: Base seed; image i of a split uses ``[seed, split_id, i]``.
        min_size: Smallest image width/height in pixels.
        max_size: Largest image width/height in pixels.
        layout: ``'default'`` (1-12 objects an image) or ``'crowded'``
            (150-300 small objects: :data:`CROWDED_LAYOUT`, split seeds of
            its own).

    Returns:
        Summary dict: ``out_dir``, ``seconds`` and per split (``'train'``,
        ``'val'``, ``'test'``) a dict with ``img_dir``, ``ann_file``,
        ``images``, ``objects`` and ``objects_per_class`` (class name ->
        count).

    Raises:
        ValueError: On negative counts/seed or an invalid size range.
    """
    if min(num_train, num_val, num_test) < 0:
        raise ValueError('num_train, num_val and num_test must be >= 0')
    if seed < 0:
        raise ValueError('seed must be >= 0 (numpy SeedSequence entropy)')
    if layout not in LAYOUTS:
        raise ValueError(f'layout must be one of {sorted(LAYOUTS)}, got '
                         f'{layout!r}')
    # Below 2 * _MIN_OBJECT_SIDE a large, rotated object would not fit.
    if not 2 * _MIN_OBJECT_SIDE <= min_size <= max_size:
        raise ValueError(f'need {2 * int(_MIN_OBJECT_SIDE)} <= min_size <= '
                         f'max_size, got {min_size}, {max_size}')
    start = time.perf_counter()
    out_dir = osp.abspath(out_dir)
    with staged_install(out_dir, '.shapes', DETECTION_SPLITS,
                        ('annotations', )) as tmp:
        cocos = {}
        for split, num in zip(DETECTION_SPLITS,
                              (num_train, num_val, num_test)):
            cocos[split] = _write_split(tmp, split, num, seed, min_size,
                                        max_size, layout)
            os.makedirs(osp.join(tmp, 'annotations'), exist_ok=True)
            with open(_ann_path(tmp, split), 'w', encoding='utf-8') as f:
                json.dump(cocos[split], f)

    summary: Dict[str, object] = dict(
        out_dir=out_dir, seconds=round(time.perf_counter() - start, 2))
    for split, coco in cocos.items():
        per_class = {name: 0 for name in SHAPES_CLASSES}
        for ann in coco['annotations']:
            per_class[SHAPES_CLASSES[ann['category_id'] - 1]] += 1
        summary[split] = dict(
            img_dir=osp.join(out_dir, split),
            ann_file=_ann_path(out_dir, split),
            images=len(coco['images']),
            objects=len(coco['annotations']),
            objects_per_class=per_class)
    return summary


@contextlib.contextmanager
def staged_install(out_dir: str, prefix: str, data_names: Tuple[str, ...],
                   ann_names: Tuple[str, ...]) -> Iterator[str]:
    """A temporary folder to generate a dataset into, installed into
    ``out_dir`` when the block ends without an error, removed either way.

    The folder sits next to ``out_dir`` (the same file system: the moves
    are atomic renames). An existing dataset's ``ann_names`` leave first
    and the new ones come last, so at every instant the annotation files
    either match the data or are missing (and the ``ensure_*`` functions
    regenerate); other files in ``out_dir`` are left alone.

    Args:
        out_dir: absolute destination folder.
        prefix: of the temporary folders' names (``prefix-tmp-*``,
            ``prefix-old-*``).
        data_names: the generated data files/folders, in ``out_dir``.
        ann_names: the annotation files/folders that name them.

    Yields:
        str: the temporary folder.
    """
    parent = osp.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f'{prefix}-tmp-', dir=parent)
    try:
        yield tmp
        if not osp.exists(out_dir):
            os.rename(tmp, out_dir)
            return
        trash = tempfile.mkdtemp(prefix=f'{prefix}-old-', dir=parent)
        try:
            for name in ann_names + data_names:
                if osp.lexists(osp.join(out_dir, name)):
                    os.rename(osp.join(out_dir, name), osp.join(trash, name))
            for name in data_names + ann_names:
                os.rename(osp.join(tmp, name), osp.join(out_dir, name))
        finally:
            shutil.rmtree(trash, ignore_errors=True)
    finally:
        if osp.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def ensure_shapes_dataset(out_dir: str, **kwargs) -> str:
    """Generate the dataset only if its annotation files are missing.

    Idempotent and cheap when the dataset exists: only the presence of
    ``annotations/instances_{train,val,test}.json`` is checked. A dataset
    made before the test split existed is regenerated whole (its train and
    val images come out the same). The generation arguments are not
    compared; pass ``--force`` to the CLI or call
    :func:`make_shapes_dataset` to regenerate.

    Args:
        out_dir: Dataset folder.
        **kwargs: Passed to :func:`make_shapes_dataset` when generating.

    Returns:
        ``out_dir``, unchanged (convenient as ``data_root``).
    """
    if not all(
            osp.isfile(_ann_path(out_dir, split))
            for split in DETECTION_SPLITS):
        make_shapes_dataset(out_dir, **kwargs)
    return out_dir
