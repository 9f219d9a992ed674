"""SiamPCALighting: pysot's colour augmentation."""
import numpy as np
import pytest

from plugin.datasets.transforms import SiamPCALighting
from plugin.datasets.transforms.siam_pca_lighting import PYSOT_RGB_VAR


def _pair(value):
    return dict(template_img=np.full((2, 2, 3), value, np.uint8),
                search_img=np.full((3, 3, 3), value, np.uint8))


def test_offset_is_pysots_rgb_var_times_a_normal_draw_in_bgr():
    np.random.seed(3)
    np.random.random()  # the decision
    z = np.random.randn(3).astype(np.float32)
    rgb = PYSOT_RGB_VAR @ z
    expected = np.clip(np.rint(100. - rgb[::-1]), 0, 255)
    np.random.seed(3)
    out = SiamPCALighting(crop='search')(_pair(100))
    assert (out['search_img'] == expected.astype(np.uint8)).all()
    assert (out['template_img'] == 100).all()


def test_values_are_clipped_to_uint8_and_strength_zero_is_identity():
    np.random.seed(0)
    out = SiamPCALighting(crop='both', strength=100.)(_pair(250))
    assert out['search_img'].dtype == np.uint8
    assert {0, 255} & set(np.unique(out['search_img']).tolist())
    # one offset for the pair
    assert (out['template_img'][0, 0] == out['search_img'][0, 0]).all()
    out = SiamPCALighting(crop='both', strength=0.)(_pair(7))
    assert (out['search_img'] == 7).all() and (out['template_img'] == 7).all()
    with pytest.raises(ValueError, match='strength'):
        SiamPCALighting(strength=-1)
