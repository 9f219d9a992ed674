"""Checks and conversions of what callers hand a tracker: frames and init
boxes.

The tracking code downstream (``crop_and_resize``, ``image_mean``, the data
preprocessor's HWC -> CHW permute) assumes (H, W, 3) uint8 BGR frames and
boxes of positive size. Without these checks a grayscale frame fails deep
inside torch (``permute(sparse_coo): number of dimensions ...``) and a
zero-area or NaN box as ``crop_wh must be positive``, neither naming the
argument at fault. Here:

* grayscale ((H, W) or (H, W, 1)) and BGRA ((H, W, 4)) uint8 frames are
  converted to (H, W, 3) BGR with ``cv2.cvtColor``; (H, W, 3) uint8 frames
  are returned as they are (the same object, no copy);
* anything else (another channel count or dimensionality, a dtype other
  than uint8, H or W of 0, not an array) raises ``ValueError`` naming the
  argument, e.g. ``frames[2]``, with its shape and dtype;
* an init box must be 4 finite numbers xyxy with x2 > x1 and y2 > y1, else
  ``ValueError`` naming it, e.g. ``boxes[1]``, with its 4 numbers.

Shapes: B sequences or boxes, N frames of a sequence, H x W frame size.
"""
from typing import Any, Iterable, List, Optional

import cv2
import numpy as np

__all__ = [
    'as_bgr_frame', 'as_bgr_frames', 'check_init_box', 'check_init_boxes'
]

# channel count of an (H, W, C) frame -> cv2 conversion to 3-channel BGR
# (None: already BGR, kept as it is)
_TO_BGR = {1: cv2.COLOR_GRAY2BGR, 3: None, 4: cv2.COLOR_BGRA2BGR}
# compared with as a dtype object: several times faster than with the type
_UINT8 = np.dtype(np.uint8)


def _describe(value: Any) -> str:
    """Shape and dtype of an array, the type of anything else."""
    if isinstance(value, np.ndarray):
        return f'shape {value.shape}, dtype {value.dtype}'
    return f'a {type(value).__name__}'


def _is_bgr(frame: Any) -> bool:
    """Whether ``frame`` is an (H, W, 3) uint8 array with H, W > 0."""
    if not isinstance(frame, np.ndarray):
        return False
    shape = frame.shape
    return (len(shape) == 3 and shape[2] == 3 and shape[0] > 0
            and shape[1] > 0 and frame.dtype == _UINT8)


def as_bgr_frame(frame: Any, name: str = 'frame') -> np.ndarray:
    """A frame as (H, W, 3) uint8 BGR.

    Args:
        frame: (H, W, 3) BGR, (H, W) or (H, W, 1) grayscale, or (H, W, 4)
            BGRA; a uint8 numpy array with H, W > 0.
        name: how error messages call the frame, e.g. ``'frames[2]'``.

    Returns:
        np.ndarray: ``frame`` itself if it is (H, W, 3) uint8 already (no
        copy), else a new (H, W, 3) uint8 BGR array.

    Raises:
        ValueError: If ``frame`` is not a uint8 array of one of those
            shapes, or H or W is 0.
    """
    shape = getattr(frame, 'shape', ())
    channels = None  # neither (H, W) nor (H, W, C): rejected below
    if len(shape) == 2:
        channels = 1
    elif len(shape) == 3:
        channels = shape[2]
    if not (isinstance(frame, np.ndarray) and frame.dtype == np.uint8
            and channels in _TO_BGR and shape[0] > 0 and shape[1] > 0):
        raise ValueError(
            f'{name} must be a uint8 (H, W, 3) BGR, (H, W) or (H, W, 1) '
            'grayscale or (H, W, 4) BGRA image with H, W > 0, got '
            f'{_describe(frame)}')
    code = _TO_BGR[channels]
    if code is None:
        return frame
    # cv2 wants contiguous input (a no-op unless the frame is a strided view)
    return cv2.cvtColor(np.ascontiguousarray(frame), code)


def as_bgr_frames(frames: Iterable[Any], name: str = 'frames',
                  num: Optional[int] = None) -> List[np.ndarray]:
    """Several frames (a list, or an (N, H, W[, C]) array), each through
    :func:`as_bgr_frame`.

    Args:
        frames: the frames, at least one.
        name: how error messages call them; frame i is ``name[i]``.
        num: how many frames there must be (one per tracked target), if
            given.

    Returns:
        list[np.ndarray]: (H, W, 3) uint8 BGR frames; the given frames (or
        views of the given array) where they are so already.

    Raises:
        ValueError: If ``frames`` is not iterable, is empty, holds other
            than ``num`` frames, or a frame is invalid.
    """
    if isinstance(frames, np.ndarray) and frames.ndim < 3:
        # iterating would give rows or pixels, not frames
        raise ValueError(f'{name} must be frames, a list or an (N, H, W[, '
                         f'C]) array, got {_describe(frames)}')
    try:
        frames = list(frames)
    except TypeError:
        raise ValueError(f'{name} must be frames, a list or an (N, H, W[, '
                         f'C]) array, got {_describe(frames)}') from None
    if not frames:
        raise ValueError(f'{name} holds no frames')
    if num is not None and len(frames) != num:
        raise ValueError(f'{name} holds {len(frames)} frames for {num} '
                         'targets')
    # BGR uint8 frames (the usual case) pass without formatting their
    # names: this runs inside the tracker's timed step
    return [f if _is_bgr(f) else as_bgr_frame(f, f'{name}[{i}]')
            for i, f in enumerate(frames)]


def check_init_box(box: Any, name: str = 'box') -> np.ndarray:
    """An init box as (4,) float64 xyxy, checked.

    Args:
        box: 4 numbers x1, y1, x2, y2 (any array-like).
        name: how error messages call the box, e.g. ``'boxes[1]'``.

    Returns:
        np.ndarray: (4,) float64 xyxy.

    Raises:
        ValueError: If ``box`` is not 4 numbers, a number is not finite, or
            the width or height is not positive (the tracker's crops are
            sized from them).
    """
    try:
        arr = np.asarray(box, dtype=np.float64).reshape(4)
    except (TypeError, ValueError):
        raise ValueError(f'{name} must be 4 numbers x1, y1, x2, y2, got '
                         f'{box!r}') from None
    x1, y1, x2, y2 = arr
    # NaN compares False, so `not (x2 > x1)` also catches a NaN coordinate
    if not (np.isfinite(arr).all() and x2 > x1 and y2 > y1):
        raise ValueError(
            f'{name} must be a finite xyxy box with x2 > x1 and y2 > y1 '
            f'(positive width and height), got {arr.tolist()}')
    return arr


def check_init_boxes(boxes: Any, name: str = 'boxes',
                     num: Optional[int] = None) -> np.ndarray:
    """B init boxes as (B, 4) float64 xyxy, each through
    :func:`check_init_box`.

    Args:
        boxes: (B, 4) xyxy (any array-like; (4,) for one box).
        name: how error messages call them; box i is ``name[i]``.
        num: how many boxes there must be (one per frame or sequence), if
            given.

    Returns:
        np.ndarray: (B, 4) float64 xyxy.

    Raises:
        ValueError: If ``boxes`` is not B x 4 numbers, holds other than
            ``num`` boxes, or a box is invalid.
    """
    try:
        arr = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f'{name} must be (B, 4) numbers xyxy, got '
                         f'{boxes!r}') from None
    # as before these checks: any 4k numbers in a row, or rows of 4
    if arr.size % 4 or (arr.ndim > 1 and arr.shape[-1] != 4):
        raise ValueError(f'{name} must be (B, 4) numbers xyxy, got shape '
                         f'{arr.shape}')
    arr = arr.reshape(-1, 4)
    if num is not None and len(arr) != num:
        raise ValueError(f'{name} holds {len(arr)} boxes for {num} frames')
    for i, box in enumerate(arr):
        check_init_box(box, f'{name}[{i}]')
    return arr
