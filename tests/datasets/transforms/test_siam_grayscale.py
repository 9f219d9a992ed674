"""SiamGrayscale: pysot's DATASET.GRAY."""
import numpy as np

from plugin.datasets.transforms import SiamGrayscale


def test_both_crops_turn_gray_with_equal_channels():
    red = np.zeros((2, 2, 3), np.uint8)
    red[..., 2] = 200  # BGR red
    green = np.zeros((2, 2, 3), np.uint8)
    green[..., 1] = 100
    out = SiamGrayscale(prob=1.)(dict(template_img=red, search_img=green))
    # cv2's luma weights: 0.299 R, 0.587 G
    assert out['template_img'].tolist() == [[[60] * 3] * 2] * 2
    assert out['search_img'].tolist() == [[[59] * 3] * 2] * 2


def test_search_only():
    img = np.zeros((2, 2, 3), np.uint8)
    img[..., 0] = 255
    out = SiamGrayscale(crop='search', prob=1.)(
        dict(template_img=img.copy(), search_img=img.copy()))
    assert out['template_img'][0, 0].tolist() == [255, 0, 0]
    assert out['search_img'][0, 0].tolist() == [29, 29, 29]  # 0.114 B
