"""Tests for plugin.datasets.transforms.siam_pair_crop.SiamPairCrop.

Pixel extents follow the bilinear rule explained in test_crop.py: with an
upscale k the rectangle touches the pixels whose centre lies less than k / 2
outside its crop box, and fully colours those at least k / 2 inside.
"""
import numpy as np
import pytest
import torch
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.registry import DefaultScope

from plugin.datasets import SHAPES_METAINFO, make_shapes_dataset
from plugin.datasets.transforms import SiamPairCrop

BG = (40, 40, 40)
RED = (0, 0, 200)
GREEN = (0, 200, 0)


class FixedJitter(SiamPairCrop):
    """SiamPairCrop whose jitters are given: the template's, the search's."""

    def __init__(self, jitters, **kwargs):
        super().__init__(**kwargs)
        self.jitters = list(jitters)
        self.calls = []

    def _sample_jitter(self, shift, scale):
        self.calls.append((shift, scale))
        return self.jitters[len(self.calls) - 1]


NO_JITTER = (0., 0., 1., 1.)


def _extent(mask):
    """[first column, last column], [first row, last row] of a mask."""
    cols, rows = np.flatnonzero(mask.any(0)), np.flatnonzero(mask.any(1))
    return [int(cols[0]), int(cols[-1])], [int(rows[0]), int(rows[-1])]


def _results(img, boxes, ignore=None):
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    if ignore is None:
        ignore = np.zeros(len(boxes), bool)
    return dict(
        img=img,
        img_path='x.png',
        img_id=3,
        gt_bboxes=boxes,
        gt_bboxes_labels=np.zeros(len(boxes), np.int64),
        gt_ignore_flags=np.asarray(ignore, bool))


def _one_rect():
    """240x200 background, a red 30x30 square, box (100, 80, 130, 110)."""
    img = np.full((200, 240, 3), BG, np.uint8)
    img[80:110, 100:130] = RED
    return _results(img, [[100, 80, 130, 110]])


def _two_rects():
    """Red box (40, 40, 70, 70) and green box (160, 120, 190, 150)."""
    img = np.full((200, 240, 3), BG, np.uint8)
    img[40:70, 40:70] = RED
    img[120:150, 160:190] = GREEN
    return _results(img, [[40, 40, 70, 70], [160, 120, 190, 150]])


def test_centred_template_and_search():
    t = FixedJitter([NO_JITTER, NO_JITTER], neg_prob=0.)
    out = t(_one_rect())
    # s_z = 60, so k = 127 / 60 in both crops (s_x = 60 * 255 / 127)
    np.testing.assert_allclose(out['template_bbox'],
                               [31.75, 31.75, 95.25, 95.25])
    np.testing.assert_allclose(out['search_bbox'],
                               [[95.75, 95.75, 159.25, 159.25]])
    assert out['template_bbox'].dtype == np.float32
    assert out['search_bbox'].dtype == np.float32
    z, x = out['template_img'], out['search_img']
    assert z.shape == (127, 127, 3) and z.dtype == np.uint8
    assert x.shape == (255, 255, 3) and x.dtype == np.uint8
    # k / 2 = 1.058: template touched for u + 0.5 in (30.69, 96.31), full
    # in [32.81, 94.19]; search the same + 64
    assert _extent((z != BG).any(-1)) == ([31, 95], [31, 95])
    assert _extent((z == RED).all(-1)) == ([33, 93], [33, 93])
    assert _extent((x != BG).any(-1)) == ([95, 159], [95, 159])
    assert _extent((x == RED).all(-1)) == ([97, 157], [97, 157])
    assert out['is_negative'] is False
    assert out['target_index'] == 0 and out['search_index'] == 0
    assert out['template_size'] == 127 and out['search_size'] == 255
    # the default bounds: pysot's TEMPLATE and SEARCH SHIFT / SCALE
    assert t.calls == [(4., 0.05), (64., 0.18)]


def test_search_shift_and_scale():
    # the search window moves by (10, -6) crop pixels and its w, h are
    # scaled by 1.25, 0.8: the object's centre lands at
    # 127.5 - 10 / 1.25 = 119.5, 127.5 + 6 / 0.8 = 135, its half sizes are
    # 31.75 / 1.25 = 25.4 and 31.75 / 0.8 = 39.6875
    t = FixedJitter([NO_JITTER, (10., -6., 1.25, 0.8)], neg_prob=0.)
    out = t(_one_rect())
    np.testing.assert_allclose(out['search_bbox'],
                               [[94.1, 95.3125, 144.9, 174.6875]],
                               rtol=1e-6)
    np.testing.assert_allclose(out['template_bbox'],
                               [31.75, 31.75, 95.25, 95.25])
    x = out['search_img']
    # kx = 127 / 75, ky = 127 / 48:
    # x touched in (93.25, 145.75), full in [94.95, 144.05]
    # y touched in (93.99, 176.01), full in [96.64, 173.36]
    assert _extent((x != BG).any(-1)) == ([93, 145], [94, 175])
    assert _extent((x == RED).all(-1)) == ([95, 143], [97, 172])


def test_template_jitter():
    # template window moved by (2, -4) crop pixels, scaled by 1.05, 0.95:
    # centre 63.5 - 2 / 1.05, 63.5 + 4 / 0.95; half sizes
    # 31.75 / 1.05, 31.75 / 0.95
    t = FixedJitter([(2., -4., 1.05, 0.95), NO_JITTER], neg_prob=0.)
    out = t(_one_rect())
    cx, cy = 63.5 - 2 / 1.05, 63.5 + 4 / 0.95
    hw, hh = 31.75 / 1.05, 31.75 / 0.95
    np.testing.assert_allclose(out['template_bbox'],
                               [cx - hw, cy - hh, cx + hw, cy + hh],
                               rtol=1e-6)
    np.testing.assert_allclose(out['search_bbox'],
                               [[95.75, 95.75, 159.25, 159.25]])


def test_border_padding_is_image_mean():
    img = np.full((40, 40, 3), (10, 20, 30), np.uint8)
    img[:16, :16] = (250, 240, 230)
    # mean (48.4, 55.2, 62.0): 256 of 1600 pixels raised by (240, 220, 200)
    pad = np.array([48, 55, 62], np.uint8)
    t = FixedJitter([NO_JITTER, NO_JITTER], neg_prob=0.)
    out = t(_results(img, [[0, 0, 16, 16]]))
    z, x = out['template_img'], out['search_img']
    # template: window (-8, -8)-(24, 24), k = 127 / 32; pixels with
    # u + 0.5 < 7.5 k = 29.77 see only padding
    assert (z[:30] == pad).all() and (z[:, :30] == pad).all()
    assert (z[30, 30:] != pad).any(-1).all()
    np.testing.assert_array_equal(z[40, 40], [250, 240, 230])
    # search: s_x = 32 * 255 / 127, window from 8 - s_x / 2 = -24.126,
    # same k; padding for u + 0.5 < 23.626 k = 93.77
    assert (x[:94] == pad).all() and (x[:, :94] == pad).all()
    assert (x[94, 94:] != pad).any(-1).all()
    np.testing.assert_allclose(out['search_bbox'],
                               [[95.75, 95.75, 159.25, 159.25]])


def test_negative_pair_is_centred_on_the_other_object():
    colours = (RED, GREEN)
    seen = set()
    for seed in range(6):
        np.random.seed(seed)
        t = FixedJitter([NO_JITTER, NO_JITTER], neg_prob=1.)
        out = t(_two_rects())
        target, other = out['target_index'], out['search_index']
        seen.add(target)
        assert other == 1 - target
        assert out['is_negative'] is True
        assert out['search_bbox'].shape == (0, 4)
        assert out['search_bbox'].dtype == np.float32
        # the template shows the target, the search the other object at
        # the place a centred target would have
        z, x = out['template_img'], out['search_img']
        assert _extent((z == colours[target]).all(-1)) == ([33, 93],
                                                           [33, 93])
        assert _extent((x == colours[other]).all(-1)) == ([97, 157],
                                                          [97, 157])
        assert not (x == colours[target]).all(-1).any()
        np.testing.assert_allclose(out['template_bbox'],
                                   [31.75, 31.75, 95.25, 95.25])
    assert seen == {0, 1}


def test_single_usable_object_never_negative_and_unusable_never_picked():
    img = np.full((200, 240, 3), BG, np.uint8)
    boxes = [
        [10, 10, 13.9, 40],  # 3.9 px wide: under min_size 4
        [100, 80, 130, 110],  # the only usable object
        [50, 50, 90, 90],  # ignored (crowd)
        [150, 20, 190, 23],  # 3 px high
    ]
    t = SiamPairCrop(neg_prob=1.)
    np.random.seed(0)
    for _ in range(30):
        out = t(_results(img, boxes, ignore=[False, False, True, False]))
        assert out['target_index'] == 1 and out['search_index'] == 1
        assert out['is_negative'] is False
        assert out['search_bbox'].shape == (1, 4)


def test_uniform_pick_and_negative_rate():
    img = np.full((60, 60, 3), BG, np.uint8)
    boxes = [
        [10, 10, 20, 20],
        [30, 30, 34, 50],  # exactly min_size wide: usable
        [40, 10, 43.99, 30],  # just under min_size: never picked
        [0, 40, 20, 60],
    ]
    t = SiamPairCrop(template_size=16, search_size=32, neg_prob=0.2)
    np.random.seed(0)
    picks, negs = [], []
    for _ in range(2000):
        out = t(_results(img, boxes))
        picks.append(out['target_index'])
        negs.append(out['is_negative'])
        assert out['search_bbox'].shape == ((0, 4) if negs[-1] else (1, 4))
    counts = np.bincount(picks, minlength=4) / 2000
    # 1/3 each, binomial sd 0.0105
    np.testing.assert_allclose(counts, [1 / 3, 1 / 3, 0, 1 / 3], atol=0.035)
    # 0.2, sd 0.0089
    assert abs(np.mean(negs) - 0.2) < 0.03


def test_none_when_nothing_usable():
    img = np.full((60, 60, 3), BG, np.uint8)
    t = SiamPairCrop()
    assert t(_results(img, [[10, 10, 13, 40]])) is None
    assert t(_results(img, [[10, 10, 40, 40]], ignore=[True])) is None
    assert t(_results(img, np.zeros((0, 4)))) is None


def test_jitter_ranges():
    t = SiamPairCrop()
    np.random.seed(0)
    draws = np.array([t._sample_jitter(64., 0.18) for _ in range(4000)])
    dx, dy, fx, fy = draws.T
    for shift in (dx, dy):
        assert shift.min() >= -64 and shift.max() < 64
        # uniform: the extremes are reached, the spread is 128 / sqrt(12)
        assert shift.min() < -63 and shift.max() > 63
        assert abs(shift.std() - 128 / 12**0.5) < 1.5
    for factor in (fx, fy):
        assert factor.min() >= 0.82 and factor.max() < 1.18
        assert factor.min() < 0.821 and factor.max() > 1.179
    # independent draws
    assert abs(np.corrcoef(draws.T)[np.triu_indices(4, 1)]).max() < 0.05


def test_jittered_boxes_stay_in_range():
    t = SiamPairCrop(neg_prob=0.)
    np.random.seed(1)
    z_boxes, x_boxes = [], []
    for _ in range(200):
        out = t(_one_rect())
        z_boxes.append(out['template_bbox'])
        x_boxes.append(out['search_bbox'][0])
    for boxes, half, shift, scale in ((z_boxes, 63.5, 4, 0.05),
                                      (x_boxes, 127.5, 64, 0.18)):
        boxes = np.array(boxes, np.float64)
        centre = (boxes[:, :2] + boxes[:, 2:]) / 2
        size = boxes[:, 2:] - boxes[:, :2]
        # the object is 63.5 px at scale 1; the centre moves by d / f
        assert (abs(centre - half) <= shift / (1 - scale) + 1e-3).all()
        assert (size >= 63.5 / (1 + scale) - 1e-3).all()
        assert (size <= 63.5 / (1 - scale) + 1e-3).all()
        assert abs(centre - half).max() > 0.8 * shift
        assert size.min() < 63.5 / (1 + 0.8 * scale)
        assert size.max() > 63.5 / (1 - 0.8 * scale)


def test_horizontal_boxes_and_consumed_keys():
    res = _one_rect()
    res['gt_bboxes'] = HorizontalBoxes(torch.tensor([[100., 80., 130., 110.]]))
    out = FixedJitter([NO_JITTER, NO_JITTER], neg_prob=0.)(res)
    np.testing.assert_allclose(out['search_bbox'],
                               [[95.75, 95.75, 159.25, 159.25]])
    for key in ('img', 'gt_bboxes', 'gt_bboxes_labels', 'gt_ignore_flags'):
        assert key not in out
    assert out['img_path'] == 'x.png' and out['img_id'] == 3


def test_invalid_arguments_and_repr():
    with pytest.raises(ValueError):
        SiamPairCrop(template_size=300, search_size=255)
    with pytest.raises(ValueError):
        SiamPairCrop(search_scale=1.)
    with pytest.raises(ValueError):
        SiamPairCrop(neg_prob=1.5)
    with pytest.raises(ValueError):
        SiamPairCrop(search_shift=-1)
    assert repr(SiamPairCrop()) == (
        'SiamPairCrop(template_size=127, search_size=255, '
        'context_amount=0.5, template_shift=4.0, template_scale=0.05, '
        'search_shift=64.0, search_scale=0.18, neg_prob=0.2, min_size=4.0)')


@pytest.fixture(scope='module')
def shapes_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('shapes') / 'data')
    make_shapes_dataset(
        root, num_train=4, num_val=0, num_test=0, seed=0, min_size=96, max_size=160)
    return root


def _coco(root, pair_cfg):
    from mmdet.datasets import CocoDataset
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='plugin.SiamPairCrop', **pair_cfg),
        dict(type='plugin.PackSiamInputs'),
    ]
    # LoadImageFromFile etc. are looked up in mmdet's scope
    with DefaultScope.overwrite_default_scope('mmdet'):
        return CocoDataset(
            data_root=root,
            ann_file='annotations/instances_train.json',
            data_prefix=dict(img='train/'),
            metainfo=SHAPES_METAINFO,
            filter_cfg=dict(filter_empty_gt=True),
            pipeline=pipeline)


def test_pipeline_on_shapes(shapes_root):
    np.random.seed(0)
    still = dict(
        template_shift=0, template_scale=0, search_shift=0, search_scale=0)
    ds = _coco(shapes_root, dict(still, neg_prob=0.))
    assert len(ds) == 4
    for i in range(len(ds)):
        item = ds[i]
        z, x = item['inputs']['template'], item['inputs']['search']
        assert z.shape == (3, 127, 127) and z.dtype == torch.uint8
        assert x.shape == (3, 255, 255) and x.dtype == torch.uint8
        assert z.is_contiguous() and x.is_contiguous()
        sample = item['data_samples']
        boxes = sample.gt_instances.bboxes
        assert boxes.shape == (1, 4) and boxes.dtype == torch.float32
        assert sample.gt_instances.labels.tolist() == [0]
        assert sample.is_negative is False
        assert sample.template_size == 127 and sample.search_size == 255
        assert sample.img_path.endswith('.png')
        assert sample.img_id == ds.get_data_info(i)['img_id']
        # centred at zero jitter, inside the crop
        box = boxes[0].numpy()
        np.testing.assert_allclose((box[:2] + box[2:]) / 2, [127.5, 127.5],
                                   atol=1e-3)
        assert (box >= 0).all() and (box <= 255).all()
        # the same object in the template, at the template's scale
        zbox = sample.template_bbox
        np.testing.assert_allclose((zbox[:2] + zbox[2:]) / 2, [63.5, 63.5],
                                   atol=1e-3)
        np.testing.assert_allclose(zbox[2:] - zbox[:2], box[2:] - box[:2],
                                   rtol=1e-5)

    # neg_prob 1: every image with several objects gives a negative pair
    # (shapes' objects are all at least 14 px, so usable), a single-object
    # image a positive one
    ds = _coco(shapes_root, dict(neg_prob=1.))
    objects = [
        len(ds.get_data_info(i)['instances']) for i in range(len(ds))
    ]
    assert max(objects) > 1
    for i in range(len(ds)):
        sample = ds[i]['data_samples']
        assert sample.is_negative is (objects[i] > 1)
        k = 0 if sample.is_negative else 1
        assert sample.gt_instances.bboxes.shape == (k, 4)
        assert sample.gt_instances.labels.shape == (k, )
