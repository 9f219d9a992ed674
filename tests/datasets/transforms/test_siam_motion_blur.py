"""SiamMotionBlur: pysot's cross-shaped motion blur."""
import numpy as np
import pytest

from plugin.datasets.transforms import SiamMotionBlur
from plugin.datasets.transforms.siam_motion_blur import motion_kernel


def test_kernel_is_a_weighted_cross_summing_to_one():
    k = motion_kernel(3, 0.25)
    expected = np.array([[0, 1, 0], [3, 4, 3], [0, 1, 0]]) / 12
    assert np.allclose(k, expected) and np.isclose(k.sum(), 1)


def test_a_dot_spreads_along_the_cross():
    img = np.zeros((9, 9, 3), np.uint8)
    img[4, 4] = 240
    np.random.seed(0)
    out = SiamMotionBlur(prob=1., kernel_range=(3, 3))(
        dict(template_img=img.copy(), search_img=img))
    np.random.seed(0)
    np.random.random()  # decision
    wx = (np.random.randint(1), np.random.random())[1]
    row = out['search_img'][4, :, 0].tolist()
    col = out['search_img'][:, 4, 0].tolist()
    assert row[3] == row[5] == round(240 * (1 - wx) / 3)
    assert col[3] == col[5] == round(240 * wx / 3)
    assert row[2] == col[2] == out['search_img'][3, 3, 0] == 0
    assert (out['template_img'] == img).all()  # search only


def test_constant_crop_stays_constant_and_sizes_are_odd():
    img = np.full((16, 16, 3), 90, np.uint8)
    np.random.seed(1)
    for _ in range(5):
        out = SiamMotionBlur(prob=1., kernel_range=(3, 29))(
            dict(search_img=img.copy()))
        assert (out['search_img'] == 90).all()
    with pytest.raises(ValueError, match='odd'):
        SiamMotionBlur(kernel_range=(4, 9))
