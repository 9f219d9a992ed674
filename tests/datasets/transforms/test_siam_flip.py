"""SiamFlip: pysot's horizontal flip, with the box."""
import numpy as np

from plugin.datasets.transforms import SiamFlip
from plugin.datasets.transforms.siam_flip import flip_boxes


def test_flip_boxes():
    assert flip_boxes(np.array([10., 20., 30., 40.]), 100).tolist() == [
        70., 20., 90., 40.]
    assert flip_boxes(np.zeros((0, 4)), 100).shape == (0, 4)


def test_pair_is_mirrored_with_its_boxes():
    z = np.zeros((4, 4, 3), np.uint8)
    z[:, 0] = 255  # left column
    x = np.zeros((8, 8, 3), np.uint8)
    x[1:3, 1:4] = 255  # box (1, 1, 4, 3)
    out = SiamFlip(crop='both', prob=1.)(dict(
        template_img=z, search_img=x,
        template_bbox=np.array([0., 0., 1., 4.], np.float32),
        search_bbox=np.array([[1., 1., 4., 3.]], np.float32)))
    assert out['template_img'][:, 3].min() == 255
    assert out['template_img'][:, :3].max() == 0
    assert out['template_bbox'].tolist() == [3., 0., 4., 4.]
    assert out['search_bbox'].tolist() == [[4., 1., 7., 3.]]
    ys, xs = np.nonzero(out['search_img'][..., 0])
    assert (xs.min(), xs.max() + 1) == (4, 7)


def test_negative_pair_has_no_box_to_flip():
    out = SiamFlip(crop='search', prob=1.)(dict(
        search_img=np.zeros((8, 8, 3), np.uint8),
        search_bbox=np.zeros((0, 4), np.float32)))
    assert out['search_bbox'].shape == (0, 4)
