"""Crop geometry shared by the tracker's training pairs and its tracking.

One affine map, used everywhere: the axis-aligned window of size
``crop_wh = (sw, sh)`` centred on ``center_xy = (cx, cy)`` in image
coordinates maps onto ``[0, out] x [0, out]`` in crop coordinates::

    x' = (x - (cx - sw / 2)) * out / sw
    y' = (y - (cy - sh / 2)) * out / sh

Coordinates are continuous (pixel ``i`` covers ``[i, i + 1)``, its centre is
``i + 0.5``); boxes are xyxy. Images are HWC uint8 BGR arrays.

Shapes: G boxes; H, W image height and width; S = ``out_size``.
"""
from typing import Sequence, Tuple, Union

import cv2
import numpy as np
import torch

__all__ = [
    'context_size', 'image_mean', 'crop_and_resize', 'box_to_crop',
    'box_from_crop'
]

# A side length (square window) or (width, height).
WindowSize = Union[float, Sequence[float], np.ndarray]


def context_size(w: Union[float, np.ndarray, torch.Tensor],
                 h: Union[float, np.ndarray, torch.Tensor],
                 context_amount: float = 0.5
                 ) -> Union[float, np.ndarray, torch.Tensor]:
    """Side of the square template window around a ``w`` x ``h`` target.

    ``s_z = sqrt((w + p) * (h + p))`` with ``p = context_amount * (w + h)``:
    the target plus a context margin, as a square of the same area
    (SiamFC / pysot).

    Args:
        w: Target width(s) in pixels (a number, an array, or a tensor: the
            tracker's penalty compares the context sizes of every anchor's
            box on the device).
        h: Target height(s), broadcastable with ``w``.
        context_amount: Share of ``w + h`` added to each side; 0.5 is pysot's
            ``CONTEXT_AMOUNT`` (the issue's ``p = (w + h) / 2``).

    Returns:
        ``s_z``, a float (``np.float64``) for numbers, an array for arrays,
        a tensor (of ``w``'s dtype) for tensors.
    """
    if isinstance(w, torch.Tensor):
        p = context_amount * (w + h)
        return torch.sqrt((w + p) * (h + p))
    p = context_amount * (np.asarray(w, np.float64) + h)
    return np.sqrt((w + p) * (h + p))


def image_mean(img: np.ndarray) -> Tuple[float, float, float]:
    """Per-channel mean of an HWC 3-channel image (pysot's ``avg_chans``).

    Args:
        img: (H, W, 3) image.

    Returns:
        The three channel means, in the image's channel order.
    """
    # cv2.mean is a single pass in C, several times faster than np.mean.
    mean = cv2.mean(img)
    return float(mean[0]), float(mean[1]), float(mean[2])


def _window(center_xy: Sequence[float],
            crop_wh: WindowSize) -> Tuple[float, float, float, float]:
    """(x0, y0, sw, sh): top-left corner and size of the window."""
    try:
        sw, sh = float(crop_wh[0]), float(crop_wh[1])
    except (TypeError, IndexError):  # a number or a 0-d array: a square
        sw = sh = float(crop_wh)
    if not (sw > 0 and sh > 0):
        raise ValueError(f'crop_wh must be positive, got {crop_wh}')
    cx, cy = float(center_xy[0]), float(center_xy[1])
    return cx - sw / 2, cy - sh / 2, sw, sh


def crop_and_resize(img: np.ndarray, center_xy: Sequence[float],
                    crop_wh: WindowSize, out_size: int,
                    pad_value: Sequence[float]) -> np.ndarray:
    """Cut the window centred on ``center_xy`` and resize it to a square.

    One ``cv2.warpAffine`` (bilinear); the parts of the window outside the
    image are filled with ``pad_value`` (pysot pads with ``avg_chans``).

    Args:
        img: (H, W, 3) uint8 image.
        center_xy: (cx, cy) window centre, continuous image coordinates.
        crop_wh: Window side, or (sw, sh), in image pixels.
        out_size: S, side of the output.
        pad_value: Fill value per channel, e.g. :func:`image_mean`.

    Returns:
        (S, S, 3) array of ``img``'s dtype.
    """
    x0, y0, sw, sh = _window(center_xy, crop_wh)
    kx, ky = out_size / sw, out_size / sh
    # warpAffine maps pixel indices; pixel u's centre is at u + 0.5, so
    # u' + 0.5 = (u + 0.5 - x0) * k  <=>  u' = k * u + (0.5 - x0) * k - 0.5.
    matrix = np.array([[kx, 0., (0.5 - x0) * kx - 0.5],
                       [0., ky, (0.5 - y0) * ky - 0.5]])
    return cv2.warpAffine(
        img,
        matrix, (out_size, out_size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=tuple(float(v) for v in pad_value))


def _affine(center_xy: Sequence[float], crop_wh: WindowSize,
            out_size: int) -> Tuple[np.ndarray, np.ndarray]:
    """(origin, scale), each (4,) for xyxy: ``x' = (x - origin) * scale``."""
    x0, y0, sw, sh = _window(center_xy, crop_wh)
    origin = np.array([x0, y0, x0, y0])
    scale = out_size / np.array([sw, sh, sw, sh])
    return origin, scale


def box_to_crop(boxes: np.ndarray, center_xy: Sequence[float],
                crop_wh: WindowSize, out_size: int) -> np.ndarray:
    """Map xyxy boxes from image to crop coordinates.

    Args:
        boxes: (..., 4) xyxy boxes in image coordinates, e.g. (G, 4) or (4,).
        center_xy: (cx, cy) window centre, as in :func:`crop_and_resize`.
        crop_wh: Window side, or (sw, sh).
        out_size: S, side of the crop.

    Returns:
        float32 array of ``boxes``' shape, in crop coordinates.
    """
    origin, scale = _affine(center_xy, crop_wh, out_size)
    return ((np.asarray(boxes, np.float64) - origin) * scale).astype(
        np.float32)


def box_from_crop(boxes: np.ndarray, center_xy: Sequence[float],
                  crop_wh: WindowSize, out_size: int) -> np.ndarray:
    """Map xyxy boxes from crop back to image coordinates.

    The inverse of :func:`box_to_crop` with the same window.

    Args:
        boxes: (..., 4) xyxy boxes in crop coordinates.
        center_xy: (cx, cy) window centre in image coordinates.
        crop_wh: Window side, or (sw, sh).
        out_size: S, side of the crop.

    Returns:
        float32 array of ``boxes``' shape, in image coordinates.
    """
    origin, scale = _affine(center_xy, crop_wh, out_size)
    return (np.asarray(boxes, np.float64) / scale + origin).astype(
        np.float32)
