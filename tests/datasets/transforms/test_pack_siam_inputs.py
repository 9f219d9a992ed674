"""Tests for plugin.datasets.transforms.pack_siam_inputs.PackSiamInputs."""
import numpy as np
import torch
from mmdet.structures import DetDataSample

from plugin.datasets.transforms import PackSiamInputs


def _results(search_bbox, negative=False):
    # pixel (y, x) holds channels (y, x, 7): the layout is checkable
    z = np.zeros((4, 4, 3), np.uint8)
    z[..., 0] = np.arange(4)[:, None]
    z[..., 1] = np.arange(4)[None, :]
    z[..., 2] = 7
    x = np.arange(6 * 6 * 3, dtype=np.uint8).reshape(6, 6, 3)
    return dict(
        template_img=z,
        search_img=x,
        search_bbox=np.asarray(search_bbox, np.float32).reshape(-1, 4),
        template_bbox=np.array([1., 1., 3., 3.], np.float32),
        is_negative=negative,
        target_index=0,
        template_size=4,
        search_size=6,
        img_path='a/b.png',
        img_id=5,
        ori_shape=(10, 12))


def test_positive():
    out = PackSiamInputs()(_results([[1., 2., 3., 4.5]]))
    z, x = out['inputs']['template'], out['inputs']['search']
    assert z.shape == (3, 4, 4) and z.dtype == torch.uint8
    assert x.shape == (3, 6, 6) and x.dtype == torch.uint8
    assert z.is_contiguous() and x.is_contiguous()
    # HWC -> CHW: channel 0 is the row index, channel 1 the column index
    assert z[0].tolist() == [[0] * 4, [1] * 4, [2] * 4, [3] * 4]
    assert z[1].tolist() == [[0, 1, 2, 3]] * 4
    assert (z[2] == 7).all()
    assert x[:, 1, 2].tolist() == [24, 25, 26]  # (1 * 6 + 2) * 3 + c
    sample = out['data_samples']
    assert isinstance(sample, DetDataSample)
    assert sample.gt_instances.bboxes.dtype == torch.float32
    assert sample.gt_instances.bboxes.tolist() == [[1., 2., 3., 4.5]]
    assert sample.gt_instances.labels.dtype == torch.int64
    assert sample.gt_instances.labels.tolist() == [0]
    meta = sample.metainfo
    assert sorted(meta) == [
        'img_id', 'img_path', 'is_negative', 'search_size', 'template_bbox',
        'template_size'
    ]
    assert meta['img_path'] == 'a/b.png' and meta['img_id'] == 5
    assert meta['is_negative'] is False
    assert meta['template_size'] == 4 and meta['search_size'] == 6
    np.testing.assert_array_equal(meta['template_bbox'], [1., 1., 3., 3.])


def test_negative_is_empty():
    out = PackSiamInputs()(_results(np.zeros((0, 4)), negative=True))
    sample = out['data_samples']
    assert sample.gt_instances.bboxes.shape == (0, 4)
    assert sample.gt_instances.bboxes.dtype == torch.float32
    assert sample.gt_instances.labels.shape == (0, )
    assert sample.gt_instances.labels.dtype == torch.int64
    assert sample.is_negative is True


def test_non_contiguous_image_and_meta_keys():
    res = _results([[1., 2., 3., 4.5]])
    # a flipped view: not C-contiguous
    res['search_img'] = res['search_img'][:, ::-1]
    pack = PackSiamInputs(meta_keys=('img_id', 'ori_shape', 'missing'))
    out = pack(res)
    x = out['inputs']['search']
    assert x.is_contiguous() and x.shape == (3, 6, 6)
    assert x[:, 1, 0].tolist() == [33, 34, 35]  # (1 * 6 + 5) * 3 + c
    assert out['data_samples'].metainfo == dict(img_id=5, ori_shape=(10, 12))
    assert repr(pack) == ("PackSiamInputs(meta_keys=('img_id', 'ori_shape', "
                          "'missing'))")
