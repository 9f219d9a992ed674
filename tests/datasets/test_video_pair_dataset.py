"""SiamVideoPairDataset: pairs of two frames of one sequence."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmengine.registry import DefaultScope

from plugin.datasets import SiamVideoPairDataset
from plugin.registry import DATASETS


@pytest.fixture(autouse=True)
def mmdet_scope():
    """Pipelines name mmdet's and plugin's transforms, as under the
    runner."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        yield


def _write(root, sequences):
    """Sequences of (name, boxes, visible) with 16 x 16 frames whose pixel
    value is the frame index."""
    out = []
    for name, boxes, visible in sequences:
        frames = []
        for t in range(len(boxes)):
            rel = f'{name}/{t:06d}.png'
            path = osp.join(root, rel)
            os.makedirs(osp.dirname(path), exist_ok=True)
            cv2.imwrite(path, np.full((16, 16, 3), t, np.uint8))
            frames.append(rel)
        seq = dict(name=name, frames=frames, boxes=boxes, img_shape=[16, 16])
        if visible is not None:
            seq['visible'] = visible
        out.append(seq)
    with open(osp.join(root, 'annotations.json'), 'w') as f:
        json.dump(dict(sequences=out), f)
    return osp.join(root, 'annotations.json')


BOX = [2., 2., 10., 10.]


@pytest.fixture
def ann(tmp_path):
    return _write(str(tmp_path), [
        # frames 1 (fully hidden) and 3 (a 2 px box) are not pair members
        ('a', [BOX, BOX, BOX, [2., 2., 4., 4.], BOX, BOX],
         [1., 0., 0.5, 1., 1., 1.]),
        # no usable frame: dropped
        ('b', [BOX, BOX], [0., 0.]),
        # no visible field: every frame counts as visible
        ('c', [BOX, BOX, BOX], None),
    ])


def test_usable_frames_and_length(ann):
    ds = SiamVideoPairDataset(ann_file=ann, frame_range=1)
    usable = [ds.get_sequence(i)['usable'].tolist() for i in range(2)]
    assert usable == [[0, 2, 4, 5], [0, 1, 2]]
    assert len(ds) == 7  # one pair per usable frame
    assert len(SiamVideoPairDataset(ann_file=ann, num_pairs=10)) == 10


def test_pairs_stay_within_frame_range_and_skip_hidden_frames(ann):
    ds = SiamVideoPairDataset(ann_file=ann, frame_range=2, num_pairs=4)
    np.random.seed(0)
    gaps = set()
    for _ in range(200):
        info = ds.get_data_info(0)  # sequence a
        t, u = info['template_frame'], info['search_frame_index']
        assert t in (0, 2, 4, 5) and u in (0, 2, 4, 5)
        assert abs(u - t) <= 2 and info['frame_gap'] == u - t
        assert info['img_path'].endswith(f'a/{t:06d}.png')
        assert info['search_img_path'].endswith(f'a/{u:06d}.png')
        assert info['gt_bboxes'].shape == (1, 4)
        gaps.add(u - t)
    assert gaps == {-2, -1, 0, 1, 2}
    # index i takes sequence i mod S
    assert ds.get_data_info(1)['seq_name'] == 'c'
    assert ds.get_data_info(2)['seq_name'] == 'a'


def test_frame_range_zero_gives_still_pairs(ann):
    ds = SiamVideoPairDataset(ann_file=ann, frame_range=0)
    for i in range(20):
        info = ds.get_data_info(i)
        assert info['frame_gap'] == 0
        assert info['img_path'] == info['search_img_path']


def _with_pipeline(ann, crop=None, **kwargs):
    """The dataset built from config with the training pipeline: load both
    frames, an 8 / 16 px pair crop (no negatives, ``crop``'s other
    arguments), pack."""
    return DATASETS.build(
        dict(
            type='plugin.SiamVideoPairDataset',
            ann_file=ann,
            pipeline=[
                dict(type='plugin.LoadPairFrames'),
                dict(type='plugin.SiamPairCrop', template_size=8,
                     search_size=16, neg_prob=0, **(crop or {})),
                dict(type='plugin.PackSiamInputs')
            ],
            **kwargs))


def test_pipeline_cuts_template_and_search_from_their_frames(ann):
    ds = _with_pipeline(
        ann, dict(template_shift=0, template_scale=0, search_shift=0,
                  search_scale=0), frame_range=5)
    np.random.seed(1)
    seen = 0
    for _ in range(30):
        out = ds[0]
        gap = out['data_samples'].metainfo['frame_gap']
        z = out['inputs']['template'].numpy()
        x = out['inputs']['search'].numpy()
        # pixel value = frame index (the crop pads with the frame's mean,
        # which is the same value)
        t = int(z[0, 0, 0])
        assert (z == t).all() and (x == t + gap).all()
        assert out['data_samples'].gt_instances.bboxes.shape == (1, 4)
        seen += gap != 0
    assert seen > 0


def test_bad_arguments(ann, tmp_path):
    with pytest.raises(ValueError, match='frame_range'):
        SiamVideoPairDataset(ann_file=ann, frame_range=-1)
    with pytest.raises(ValueError, match='num_pairs'):
        SiamVideoPairDataset(ann_file=ann, num_pairs=0)
    empty = _write(str(tmp_path / 'e'), [('b', [BOX], [0.])])
    with pytest.raises(ValueError, match='no sequence'):
        SiamVideoPairDataset(ann_file=empty)


def _with_classes(ann, classes):
    """Add ``target_class`` to the sequences of an annotation file."""
    with open(ann) as f:
        data = json.load(f)
    for seq, name in zip(data['sequences'], classes):
        if name is not None:
            seq['target_class'] = name
    with open(ann, 'w') as f:
        json.dump(data, f)
    return ann


@pytest.fixture
def classed(tmp_path):
    # three sequences whose frames have values 0-2, 10-12 and 20-22 (the
    # frame index plus 10 per sequence, written by hand below)
    root = str(tmp_path)
    ann = _write(root, [('a', [BOX] * 3, None), ('c', [BOX] * 3, None),
                        ('d', [BOX] * 3, None)])
    for k, name in enumerate('acd'):
        for t in range(3):
            cv2.imwrite(osp.join(root, f'{name}/{t:06d}.png'),
                        np.full((16, 16, 3), 10 * k + t, np.uint8))
    return _with_classes(ann, ['circle', 'square', 'circle'])


def test_hard_negatives_come_from_a_look_alike_sequence(classed):
    ds = SiamVideoPairDataset(ann_file=classed, hard_neg_prob=1.)
    np.random.seed(0)
    for _ in range(20):
        info = ds.get_data_info(0)  # a circle: its look-alike is d
        assert info['hard_negative'] and info['search_seq_name'] == 'd'
        assert info['search_img_path'].split('/')[-2] == 'd'
        assert info['frame_gap'] == 0
        assert info['img_path'].split('/')[-2] == 'a'
    # the square has no look-alike: any other sequence
    others = {ds.get_data_info(1)['search_seq_name'] for _ in range(30)}
    assert others == {'a', 'd'}
    # without the option nothing is drawn for it: the stream is unchanged
    plain = SiamVideoPairDataset(ann_file=classed)
    np.random.seed(5)
    first = [plain.get_data_info(i)['search_frame_index'] for i in range(9)]
    np.random.seed(5)
    again = [SiamVideoPairDataset(ann_file=classed, hard_neg_prob=0.)
             .get_data_info(i)['search_frame_index'] for i in range(9)]
    assert first == again and 'hard_negative' not in plain.get_data_info(0)


def test_hard_negative_pairs_are_negative_after_the_crop(classed):
    ds = _with_pipeline(classed, hard_neg_prob=1.)
    np.random.seed(2)
    out = ds[0]
    assert out['data_samples'].metainfo['is_negative']
    assert len(out['data_samples'].gt_instances) == 0
    # the template from a (values 0-2), the search from d (20-22)
    assert out['inputs']['template'].max() <= 2
    assert out['inputs']['search'].min() >= 20
    with pytest.raises(ValueError, match='hard_neg_prob'):
        SiamVideoPairDataset(ann_file=classed, hard_neg_prob=2.)


def test_reader_pairs_never_use_absent_frames(tmp_path):
    """LaSOT-layout video through ``reader``: its fully occluded and
    out-of-view frames (NaN boxes) are never pair members."""
    folder = tmp_path / 'cat' / 'cat-1'
    (folder / 'img').mkdir(parents=True)
    for t in range(6):
        cv2.imwrite(str(folder / 'img' / f'{t + 1:08d}.png'),
                    np.full((16, 16, 3), t, np.uint8))
    (folder / 'groundtruth.txt').write_text('2,2,8,8\n' * 6)
    (folder / 'full_occlusion.txt').write_text('0,1,0,0,0,0')
    (folder / 'out_of_view.txt').write_text('0,0,0,0,1,0')
    ds = SiamVideoPairDataset(
        data_root=str(tmp_path), ann_file='', frame_range=5, num_pairs=50,
        reader=dict(type='plugin.LaSOTReader', split='all'))
    assert ds.get_sequence(0)['usable'].tolist() == [0, 2, 3, 5]
    np.random.seed(0)
    members = set()
    for i in range(50):
        info = ds.get_data_info(i)
        members.update([info['template_frame'], info['search_frame_index']])
    assert members == {0, 2, 3, 5}
