"""Tests for the tracker's crop geometry (plugin.datasets.transforms.crop).

The pixel checks rely on bilinear sampling: output pixel ``u`` samples the
image at ``X = (u + 0.5) / k + x0`` (continuous), so with an upscale ``k`` a
rectangle ``[x1, x2)`` colours the pixels with ``u + 0.5`` in
``((x1 - 0.5 - x0) k, (x2 + 0.5 - x0) k)`` at least partly, and fully those
in ``[(x1 + 0.5 - x0) k, (x2 - 0.5 - x0) k]``: the crop box widened or
narrowed by ``k / 2``.
"""
import numpy as np
import pytest

from plugin.datasets.transforms import (box_from_crop, box_to_crop,
                                        context_size, crop_and_resize,
                                        image_mean)

BG = (40, 40, 40)
COLOUR = (200, 100, 0)


def _extent(mask):
    """[first column, last column], [first row, last row] of a mask."""
    cols, rows = np.flatnonzero(mask.any(0)), np.flatnonzero(mask.any(1))
    return [int(cols[0]), int(cols[-1])], [int(rows[0]), int(rows[-1])]


def _rect_image():
    """240x200 background with a 30x30 rectangle, box (100, 80, 130, 110)."""
    img = np.full((200, 240, 3), BG, np.uint8)
    img[80:110, 100:130] = COLOUR
    return img


def test_context_size():
    # p = 0.5 * (0.75 + 5.75) = 3.25; sqrt(4 * 9) = 6
    assert context_size(0.75, 5.75) == 6.
    # square: p = w, s_z = 2 w
    assert context_size(30., 30.) == 60.
    # no context: the geometric mean of the sides
    assert context_size(4., 9., context_amount=0.) == 6.
    np.testing.assert_allclose(
        context_size(np.array([30., 0.75]), np.array([30., 5.75])),
        [60., 6.])


def test_image_mean():
    img = np.full((40, 40, 3), (10, 20, 30), np.uint8)
    img[:16, :16] = (250, 240, 230)
    # 256 of 1600 pixels (0.16) raised by (240, 220, 200)
    assert image_mean(img) == pytest.approx((48.4, 55.2, 62.))


def test_box_to_crop_by_hand():
    boxes = np.array([[10., 20., 30., 60.], [0., 0., 40., 80.]])
    # window (0, 0)-(40, 80): kx = 100 / 40 = 2.5, ky = 100 / 80 = 1.25
    out = box_to_crop(boxes, (20., 40.), (40., 80.), 100)
    expected = [[25., 25., 75., 75.], [0., 0., 100., 100.]]
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, expected)
    # a scalar side is a square window: (-20, 0)-(60, 80), k = 1.25
    out = box_to_crop(boxes[0], (20., 40.), 80., 100)
    assert out.shape == (4, )
    np.testing.assert_array_equal(out, [37.5, 25., 62.5, 75.])


def test_round_trip():
    rng = np.random.default_rng(0)
    xy = rng.uniform(-50, 300, (7, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(1, 90, (7, 2))], axis=1)
    center, wh = (123.4, 56.7), (87.6, 143.2)
    crop = box_to_crop(boxes, center, wh, 255)
    back = box_from_crop(crop, center, wh, 255)
    assert back.dtype == np.float32 and back.shape == (7, 4)
    np.testing.assert_allclose(back, boxes, rtol=1e-6, atol=1e-4)
    # the window itself maps onto [0, 255]^2
    window = [123.4 - 43.8, 56.7 - 71.6, 123.4 + 43.8, 56.7 + 71.6]
    np.testing.assert_allclose(
        box_to_crop(window, center, wh, 255), [0, 0, 255, 255], atol=1e-4)
    np.testing.assert_allclose(
        box_from_crop([0, 0, 255, 255], center, wh, 255), window, rtol=1e-6)


def test_bad_window():
    with pytest.raises(ValueError):
        box_to_crop([0, 0, 1, 1], (0, 0), (0., 5.), 10)
    with pytest.raises(ValueError):
        crop_and_resize(_rect_image(), (0, 0), -3., 10, BG)


def test_template_crop_pixels():
    img = _rect_image()
    # s_z = 60 around (115, 95): k = 127 / 60, box -> 15 k, 45 k
    box = box_to_crop([100., 80., 130., 110.], (115., 95.), 60., 127)
    np.testing.assert_allclose(box, [31.75, 31.75, 95.25, 95.25])
    crop = crop_and_resize(img, (115., 95.), 60., 127, BG)
    assert crop.shape == (127, 127, 3) and crop.dtype == np.uint8
    # k / 2 = 1.058: touched for u + 0.5 in (30.69, 96.31), full colour in
    # [32.81, 94.19]
    touched = (crop != BG).any(-1)
    full = (crop == COLOUR).all(-1)
    assert _extent(touched) == ([31, 95], [31, 95])
    assert _extent(full) == ([33, 93], [33, 93])
    assert full[33:94, 33:94].all()


def test_non_square_window_pixels():
    img = _rect_image()
    # the window (74.7, 74.9)-(154.7, 114.9) onto 120 x 120:
    # kx = 120 / 80 = 1.5, ky = 120 / 40 = 3
    center, wh = (114.7, 94.9), (80., 40.)
    box = box_to_crop([100., 80., 130., 110.], center, wh, 120)
    # x: 25.3 * 1.5, 55.3 * 1.5; y: 5.1 * 3, 35.1 * 3
    np.testing.assert_allclose(box, [37.95, 15.3, 82.95, 105.3], rtol=1e-6)
    crop = crop_and_resize(img, center, wh, 120, BG)
    assert crop.shape == (120, 120, 3)
    # x: touched in (37.2, 83.7), full in [38.7, 82.2]
    # y: touched in (13.8, 106.8), full in [16.8, 103.8]
    assert _extent((crop != BG).any(-1)) == ([37, 83], [14, 106])
    assert _extent((crop == COLOUR).all(-1)) == ([39, 81], [17, 103])


def test_padding_is_pad_value():
    img = np.full((40, 40, 3), (10, 20, 30), np.uint8)
    img[:16, :16] = (250, 240, 230)
    mean = image_mean(img)  # (48.4, 55.2, 62.0), rounded in the crop
    # the window (-8, -8)-(24, 24): k = 127 / 32; pixels with X < -0.5,
    # i.e. u + 0.5 < 7.5 k = 29.77, see only padding
    crop = crop_and_resize(img, (8., 8.), 32., 127, mean)
    pad = np.array([48, 55, 62], np.uint8)
    assert (crop[:30] == pad).all() and (crop[:, :30] == pad).all()
    # the next row and column mix padding and image
    assert (crop[30, 30:] != pad).any(-1).all()
    # X = 40.5 / k - 8 = 2.2: inside the coloured corner
    np.testing.assert_array_equal(crop[40, 40], [250, 240, 230])
    # X = 126.5 / k - 8 = 23.87: plain background
    np.testing.assert_array_equal(crop[126, 126], [10, 20, 30])
