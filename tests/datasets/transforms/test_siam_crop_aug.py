"""SiamCropAug: which crop a pair augmentation changes, and its draws."""
import numpy as np
import pytest

from plugin.datasets.transforms import SiamCropAug


class AddOne(SiamCropAug):
    """Adds 1 to the crop and counts its calls; the params are a draw."""

    def draw_params(self):
        return dict(v=np.random.random())

    def augment(self, img, bbox, params):
        self.seen = getattr(self, 'seen', []) + [params['v']]
        return img + 1, bbox


def _pair():
    return dict(template_img=np.zeros((2, 2, 3), np.uint8),
                search_img=np.zeros((4, 4, 3), np.uint8),
                template_bbox=np.zeros(4, np.float32),
                search_bbox=np.zeros((1, 4), np.float32))


@pytest.mark.parametrize('crop,expected', [('template', [1, 0]),
                                           ('search', [0, 1]),
                                           ('both', [1, 1])])
def test_crop_selects_the_images(crop, expected):
    out = AddOne(crop=crop, prob=1.)(_pair())
    assert [int(out['template_img'].max()), int(out['search_img'].max())
            ] == expected


def test_both_crops_share_one_draw():
    aug = AddOne(crop='both', prob=1.)
    aug(_pair())
    assert len(aug.seen) == 2 and aug.seen[0] == aug.seen[1]


def test_prob_zero_never_applies_and_the_decision_is_always_drawn():
    aug = AddOne(crop='search', prob=0.)
    np.random.seed(0)
    out = aug(_pair())
    assert out['search_img'].max() == 0 and not hasattr(aug, 'seen')
    first = np.random.random()
    np.random.seed(0)
    np.random.random()  # the one decision draw
    assert np.random.random() == first


def test_bad_arguments():
    with pytest.raises(ValueError, match='crop must be'):
        AddOne(crop='pair')
    with pytest.raises(ValueError, match='prob'):
        AddOne(prob=1.5)
