"""Tests for plugin.datasets.tracking_dataset.TrackingSequenceDataset, with
the sequence transforms, on a hand-written file and on generated videos."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmdet.registry import DATASETS
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement

from plugin.datasets import TrackingSequenceDataset, make_shapes_tracking

PIPELINE = [
    dict(type='plugin.LoadSequenceFrames'),
    dict(type='plugin.PackSequenceInputs')
]


def _frame(value, h=4, w=6):
    """(h, w, 3) uint8 frame: channel 0 = value, 1 = row, 2 = column."""
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = value
    img[..., 1] = np.arange(h)[:, None]
    img[..., 2] = np.arange(w)[None, :]
    return img


@pytest.fixture
def hand_made(tmp_path):
    """Two sequences of lossless 6 x 4 frames: 'a' (3 frames, with
    attribute flags), 'b' (2, without)."""
    root = tmp_path / 'set'
    seqs = []
    for name, count in (('a', 3), ('b', 2)):
        os.makedirs(root / 'sequences' / name)
        frames = []
        for t in range(count):
            rel = f'sequences/{name}/{t:06d}.png'
            cv2.imwrite(str(root / rel), _frame(10 * t + len(name)))
            frames.append(rel)
        seqs.append(
            dict(
                name=name,
                frames=frames,
                boxes=[[t, 1.0, t + 2.5, 3.0] for t in range(count)],
                visible=[1.0, 0.75, 1.0][:count],
                occluded=[False, True, False][:count],
                img_shape=[4, 6],
                target_class='ring',
                num_distractors=1))
    seqs[0]['attributes'] = dict(occlusion=[False, True, False],
                                 fast_motion=[False, False, True])
    with open(root / 'annotations.json', 'w', encoding='utf-8') as f:
        json.dump(dict(sequences=seqs, meta={}), f)
    return str(root)


def test_load_data_list(hand_made):
    ds = TrackingSequenceDataset(
        ann_file='annotations.json', data_root=hand_made, test_mode=True)
    assert len(ds) == 2
    info = ds.get_data_info(0)
    assert info['seq_name'] == 'a'
    assert info['frame_paths'] == [
        osp.join(hand_made, f'sequences/a/{t:06d}.png') for t in range(3)
    ]
    assert all(osp.isabs(p) for p in info['frame_paths'])
    assert info['gt_bboxes'].dtype == np.float32
    assert info['gt_bboxes'].tolist() == [[0., 1., 2.5, 3.], [1., 1., 3.5, 3.],
                                          [2., 1., 4.5, 3.]]
    assert info['img_shape'] == (4, 6)
    assert info['visible'].dtype == np.float32
    assert info['visible'].tolist() == [1.0, 0.75, 1.0]
    assert info['occluded'].tolist() == [False, True, False]
    assert info['target_class'] == 'ring'
    assert info['sample_idx'] == 0
    assert list(info['attributes']) == ['occlusion', 'fast_motion']
    assert info['attributes']['occlusion'].dtype == bool
    assert info['attributes']['occlusion'].tolist() == [False, True, False]
    assert info['attributes']['fast_motion'].tolist() == [False, False, True]
    assert ds.get_data_info(1)['gt_bboxes'].shape == (2, 4)
    # the flags are optional
    assert 'attributes' not in ds.get_data_info(1)


def test_limits_and_serialization(hand_made):
    ann_file = osp.join(hand_made, 'annotations.json')
    for serialize in (True, False):
        # no data_root: paths relative to the annotation file's folder
        ds = TrackingSequenceDataset(
            ann_file=ann_file,
            num_frames=2,
            max_sequences=1,
            serialize_data=serialize,
            test_mode=True)
        assert len(ds) == 1
        info = ds.get_data_info(0)
        assert info['frame_paths'] == [
            osp.join(hand_made, f'sequences/a/{t:06d}.png') for t in range(2)
        ]
        assert info['gt_bboxes'].tolist() == [[0., 1., 2.5, 3.],
                                              [1., 1., 3.5, 3.]]
        assert info['visible'].tolist() == [1.0, 0.75]
        assert {k: v.tolist() for k, v in info['attributes'].items()} == \
            dict(occlusion=[False, True], fast_motion=[False, False])
    with pytest.raises(ValueError, match='num_frames'):
        TrackingSequenceDataset(ann_file=ann_file, num_frames=0)


def test_mismatched_counts(hand_made):
    path = osp.join(hand_made, 'annotations.json')
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    data['sequences'][1]['boxes'].append([0., 0., 1., 1.])
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(data, f)
    with pytest.raises(ValueError, match='sequence b: 2 frames but 3 boxes'):
        TrackingSequenceDataset(ann_file=path)


@pytest.mark.parametrize('flags, message', [
    ([True, False], "sequence a: attribute 'occlusion' has 2 flags but 3 "
     'frames'),
    ([True, False, True, False], "sequence a: attribute 'occlusion' has 4 "
     'flags but 3 frames'),
    ('yes', "sequence a: attribute 'occlusion' must be a list of bools"),
    ([[True]] * 3, "sequence a: attribute 'occlusion' must be a list"),
])
def test_bad_attribute_flags(hand_made, flags, message):
    path = osp.join(hand_made, 'annotations.json')
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    data['sequences'][0]['attributes']['occlusion'] = flags
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(data, f)
    # checked on the whole sequence, whatever is kept of it
    for num_frames in (None, 2):
        with pytest.raises(ValueError, match=message):
            TrackingSequenceDataset(ann_file=path, num_frames=num_frames)
    data['sequences'][0]['attributes'] = [True, False, True]
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(data, f)
    with pytest.raises(ValueError, match='sequence a: "attributes" must map'):
        TrackingSequenceDataset(ann_file=path)


def _build(**kwargs):
    # as in a run: the pipeline's types are looked up in mmdet's scope
    with DefaultScope.overwrite_default_scope('mmdet'):
        return DATASETS.build(
            dict(
                dict(type='plugin.TrackingSequenceDataset',
                     ann_file='annotations.json',
                     pipeline=PIPELINE,
                     test_mode=True),
                **kwargs))


def test_pipeline_from_the_registry(hand_made):
    ds = _build(data_root=hand_made)
    item = ds[1]
    frames = item['inputs']['frames']
    assert frames.shape == (2, 4, 6, 3) and frames.dtype == np.uint8
    np.testing.assert_array_equal(frames, np.stack([_frame(1), _frame(11)]))
    sample = item['data_samples']
    assert isinstance(sample, BaseDataElement)
    assert sample.seq_name == 'b'
    assert sample.img_shape == (4, 6)
    assert sample.gt_bboxes.tolist() == [[0., 1., 2.5, 3.], [1., 1., 3.5, 3.]]
    assert sample.visible.tolist() == [1.0, 0.75]
    assert sample.sample_idx == 1
    # 'b' has no flags, 'a' has them in its metainfo
    assert 'attributes' not in sample.metainfo
    attributes = ds[0]['data_samples'].attributes
    assert attributes['occlusion'].tolist() == [False, True, False]
    # a batch keeps one array per sequence (lengths differ)
    batch = pseudo_collate([ds[0], ds[1]])
    assert [f.shape[0] for f in batch['inputs']['frames']] == [3, 2]
    assert [s.seq_name for s in batch['data_samples']] == ['a', 'b']


def test_generated_videos_round_trip(tmp_path):
    root = str(tmp_path / 'track')
    make_shapes_tracking(
        root, num_sequences=2, num_frames=4, width=96, height=64)
    ds = _build(data_root=root)
    with open(osp.join(root, 'annotations.json'), encoding='utf-8') as f:
        seqs = json.load(f)['sequences']
    assert len(ds) == 2
    for index, seq in enumerate(seqs):
        item = ds[index]
        frames = item['inputs']['frames']
        assert frames.shape == (4, 64, 96, 3)
        np.testing.assert_array_equal(
            frames[2], cv2.imread(osp.join(root, seq['frames'][2])))
        meta = item['data_samples'].metainfo
        assert meta['seq_name'] == seq['name']
        assert meta['gt_bboxes'].tolist() == seq['boxes']
        assert meta['visible'].tolist() == pytest.approx(seq['visible'])
        assert meta['img_shape'] == (64, 96)
        assert sorted(meta['attributes']) == sorted(seq['attributes'])
        for name, flags in seq['attributes'].items():
            assert meta['attributes'][name].tolist() == flags
        assert meta['frame_paths'] == [
            osp.join(root, p) for p in seq['frames']
        ]


def test_reader_of_a_standard_layout(tmp_path):
    """A GOT-10k-layout folder through ``reader``: the same items as the
    project's format, absent frames with NaN boxes, through the pipeline."""
    root = tmp_path / 'got10k'
    folder = root / 'val' / 'GOT-10k_Val_000001'
    folder.mkdir(parents=True)
    for t in range(3):
        cv2.imwrite(str(folder / f'{t + 1:08d}.png'), _frame(t))
    (folder / 'groundtruth.txt').write_text('0,1,2,2\n1,1,2,2\n2,1,2,2\n')
    (folder / 'absence.label').write_text('0\n1\n0\n')
    (folder / 'cover.label').write_text('8\n0\n8\n')
    (root / 'val' / 'list.txt').write_text('GOT-10k_Val_000001\n')
    ds = _build(data_root=str(root), ann_file='',
                reader=dict(type='plugin.GOT10kReader', split='val'))
    item = ds[0]
    assert item['inputs']['frames'].shape == (3, 4, 6, 3)
    sample = item['data_samples']
    assert sample.seq_name == 'GOT-10k_Val_000001'
    assert sample.img_shape == (4, 6)  # from the frames: no meta_info.ini
    assert sample.gt_bboxes[0].tolist() == [0, 1, 2, 3]
    assert np.isnan(sample.gt_bboxes[1]).all()
    assert sample.visible.tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match='either a reader or ann_file'):
        _build(data_root=str(root),
               reader=dict(type='plugin.GOT10kReader', split='val'))
