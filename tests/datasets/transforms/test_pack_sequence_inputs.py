"""Tests for plugin.datasets.transforms.pack_sequence_inputs."""
import numpy as np
import pytest
from mmengine.structures import BaseDataElement

from plugin.datasets.transforms import PackSequenceInputs


def _results():
    return dict(
        frames=np.arange(2 * 3 * 4 * 3, dtype=np.uint8).reshape(2, 3, 4, 3),
        seq_name='seq_0001',
        gt_bboxes=np.array([[0., 0., 2., 2.], [1., 0., 3., 2.5]], np.float32),
        img_shape=(3, 4),
        frame_paths=['/x/0.jpg', '/x/1.jpg'],
        visible=np.array([1.0, 0.5], np.float32),
        target_class='ring',
        sample_idx=7)


def test_pack():
    results = _results()
    out = PackSequenceInputs()(results)
    # the array itself: no copy, no tensor
    assert out['inputs']['frames'] is results['frames']
    sample = out['data_samples']
    assert isinstance(sample, BaseDataElement)
    meta = sample.metainfo
    assert sorted(meta) == [
        'frame_paths', 'gt_bboxes', 'img_shape', 'sample_idx', 'seq_name',
        'visible'
    ]
    assert meta['seq_name'] == 'seq_0001'
    assert meta['gt_bboxes'].tolist() == [[0., 0., 2., 2.], [1., 0., 3., 2.5]]
    assert meta['img_shape'] == (3, 4)
    assert meta['frame_paths'] == ['/x/0.jpg', '/x/1.jpg']
    assert meta['visible'].tolist() == [1.0, 0.5]
    assert meta['sample_idx'] == 7


def test_attributes_when_present():
    results = _results()
    results['attributes'] = dict(
        occlusion=np.array([False, True]), fast_motion=np.array([True,
                                                                 False]))
    meta = PackSequenceInputs()(results)['data_samples'].metainfo
    # name -> (N,) bool, as given
    assert list(meta['attributes']) == ['occlusion', 'fast_motion']
    assert meta['attributes']['occlusion'].dtype == bool
    assert meta['attributes']['occlusion'].tolist() == [False, True]
    assert meta['attributes']['fast_motion'].tolist() == [True, False]
    # absent: no key (checked in test_pack), not an empty dict
    assert 'attributes' not in PackSequenceInputs()(
        _results())['data_samples'].metainfo


def test_meta_keys():
    out = PackSequenceInputs(
        meta_keys=('seq_name', 'target_class'))(_results())
    assert out['data_samples'].metainfo == dict(
        seq_name='seq_0001', target_class='ring')


def test_missing_keys():
    results = _results()
    del results['gt_bboxes'], results['frames']
    with pytest.raises(KeyError, match=r"\['frames', 'gt_bboxes'\]"):
        PackSequenceInputs()(results)
