"""Tests for the synthetic tracking videos
(plugin.datasets.shapes_tracking)."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from plugin.datasets import (draw_shape, ensure_shapes_tracking,
                             generate_sequence, make_shapes_tracking)
from plugin.datasets.shapes import _SPLIT_IDS
from plugin.datasets.shapes import ShapeSpec
from plugin.datasets.shapes_tracking import (_MEET_DIST, ASPECT_RANGE,
                                             ATTRIBUTES, GENERATOR_VERSION,
                                             MAX_SPEED, SCALE_RANGE, SPLITS,
                                             _fold, _log_curve, _path,
                                             frame_attributes, stale_reason)

# Small and fast: 3 short sequences in 160 x 120 frames.
W, H, N = 160, 120, 12
SMALL = dict(num_sequences=3, num_frames=N, width=W, height=H, seed=0)


def _seq(index, seed=0, num_frames=N):
    rng = np.random.default_rng([seed, 2, index])
    return generate_sequence(rng, num_frames, W, H)


@pytest.fixture(scope='module')
def seqs():
    return [_seq(i) for i in range(3)]


def _centres(specs):
    return np.array([[s.cx, s.cy] for s in specs])


def _size(specs):
    """sqrt(w * h) of the local box per frame."""
    return np.array([np.sqrt(s.w * s.h) for s in specs])


def _tight_box(mask):
    ys, xs = np.nonzero(mask)
    return [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]


def test_split_id_is_disjoint_from_the_images():
    assert _SPLIT_IDS == {
        'train': 0, 'val': 1, 'track': 2, 'track_train': 3, 'track_val': 4,
        'test': 5, 'crowded_train': 6, 'crowded_val': 7, 'crowded_test': 8
    }
    # each video split has its own seed; test keeps the earlier set's 2
    assert {k: _SPLIT_IDS[v] for k, v in SPLITS.items()} == {
        'train': 3, 'val': 4, 'test': 2
    }


def test_fold_reflects_into_unit_interval():
    u = np.array([-0.25, 0.0, 0.5, 1.0, 1.25, 2.5, 3.0, -1.5])
    expected = [0.25, 0.0, 0.5, 1.0, 0.75, 0.5, 1.0, 0.5]
    np.testing.assert_allclose(_fold(u), expected)


def test_log_curve_bounds_and_step():
    rng = np.random.default_rng(3)
    for _ in range(20):
        c = _log_curve(rng, 200, np.log(0.6), np.log(1.6), 0.03)
        assert c[0] == 0.0
        assert c.min() >= np.log(0.6) - 1e-12
        assert c.max() <= np.log(1.6) + 1e-12
        assert np.abs(np.diff(c)).max() <= 0.03 + 1e-12
        assert np.ptp(c) > 0.05  # it does change


def test_path_speed_and_bounds():
    rng = np.random.default_rng(4)
    lo, hi = np.array([10.0, 20.0]), np.array([50.0, 40.0])
    for _ in range(20):
        p = _path(rng, 300, 2.0, lo, hi)
        step = np.linalg.norm(np.diff(p, axis=0), axis=1)
        assert step.max() <= 2.0 + 1e-9
        assert (p >= lo - 1e-9).all() and (p <= hi + 1e-9).all()
        assert step.mean() > 0.3  # it moves
    # `through` puts the path at the point in that frame
    p = _path(rng, 50, 2.0, lo, hi, through=(30, np.array([12.0, 39.0])))
    np.testing.assert_allclose(p[30], [12.0, 39.0])


def test_deterministic(seqs):
    frames, ann = _seq(1)
    assert all(np.array_equal(a, b) for a, b in zip(frames, seqs[1][0]))
    assert ann['boxes'] == seqs[1][1]['boxes']
    assert ann['visible'] == seqs[1][1]['visible']
    # another index or seed: another video
    assert not np.array_equal(seqs[1][0][0], seqs[2][0][0])
    assert ann['boxes'] != seqs[2][1]['boxes']
    other, other_ann = _seq(1, seed=1)
    assert not np.array_equal(other[0], frames[0])
    assert other_ann['boxes'] != ann['boxes']


def test_frames_and_annotation_layout(seqs):
    for frames, ann in seqs:
        assert len(frames) == N
        assert all(f.shape == (H, W, 3) and f.dtype == np.uint8
                   for f in frames)
        assert ann['img_shape'] == [H, W]
        assert len(ann['boxes']) == len(ann['visible']) == N
        assert ann['occluded'] == [v < 1 for v in ann['visible']]
        assert len(ann['specs']['target']) == N
        assert len(ann['specs']['distractors']) == ann['num_distractors']
        assert 1 <= ann['num_distractors'] <= 3
        assert all(len(d) == N for d in ann['specs']['distractors'])
        json.dumps({k: v for k, v in ann.items() if k != 'specs'})


def test_boxes_are_the_tight_box_of_the_full_target_mask(seqs):
    for _, ann in seqs:
        for spec, box in zip(ann['specs']['target'], ann['boxes']):
            mask = draw_shape(spec, H, W)
            assert box == _tight_box(mask)
            assert spec.label == ann['target_class']
        boxes = np.array(ann['boxes'])
        # inside the frame, never cut by the border
        assert (boxes[:, :2] >= 0).all()
        assert (boxes[:, 2] <= W).all() and (boxes[:, 3] <= H).all()


def test_motion_is_bounded(seqs):
    for _, ann in seqs:
        objects = [ann['specs']['target']] + ann['specs']['distractors']
        for specs in objects:
            step = np.linalg.norm(np.diff(_centres(specs), axis=0), axis=1)
            size = _size(specs)
            assert (step <= MAX_SPEED * np.minimum(size[:-1], size[1:]) +
                    1e-9).all()
            assert step.sum() > 0
        # The box centre also moves with the mask's shape as the size
        # changes (asymmetric shapes) and by rasterisation (1 px).
        boxes = np.array(ann['boxes'])
        centre = (boxes[:, :2] + boxes[:, 2:]) / 2
        box_step = np.linalg.norm(np.diff(centre, axis=0), axis=1)
        wh = boxes[:, 2:] - boxes[:, :2]
        size = _size(ann['specs']['target'])
        tol = np.abs(np.diff(wh, axis=0)).sum(axis=1) / 2 + 1.0
        assert (box_step <= MAX_SPEED * size[:-1] + tol).all()


def test_scale_and_aspect_stay_in_range(seqs):
    for _, ann in seqs:
        for specs in [ann['specs']['target']] + ann['specs']['distractors']:
            scale = _size(specs) / _size(specs)[0]
            aspect = np.array([s.w / s.h for s in specs])
            aspect = aspect / aspect[0]
            assert SCALE_RANGE[0] - 1e-9 <= scale.min()
            assert scale.max() <= SCALE_RANGE[1] + 1e-9
            assert ASPECT_RANGE[0] - 1e-9 <= aspect.min()
            assert aspect.max() <= ASPECT_RANGE[1] + 1e-9
            # smooth: at most 3% (scale) and 2% (aspect) per frame
            assert np.abs(np.diff(np.log(scale))).max() <= 0.03 + 1e-9
            assert np.abs(np.diff(np.log(aspect))).max() <= 0.02 + 1e-9
            assert np.ptp(scale) > 0 and np.ptp(aspect) > 0


def test_distractors_share_the_class_and_pass_close(seqs):
    for _, ann in seqs:
        target = ann['specs']['target']
        for specs in ann['specs']['distractors']:
            assert all(s.label == ann['target_class'] for s in specs)
        first = ann['specs']['distractors'][0]
        dist = np.linalg.norm(_centres(first) - _centres(target), axis=1)
        mean_size = (_size(first) + _size(target)) / 2
        assert (dist <= _MEET_DIST[1] * mean_size + 1e-6).any()


def test_occlusion_episode(seqs):
    for frames, ann in seqs:
        visible = np.array(ann['visible'])
        assert visible[0] == 1.0 and not ann['occluded'][0]
        assert visible.min() < 1.0
        assert visible.min() >= 0.5  # at most half hidden
        occluders = ann['specs']['occluders']
        assert all(s.label != ann['target_class'] for o in occluders
                   for s in o)
        # the visible fraction is what the occluders leave of the mask
        for t, spec in enumerate(ann['specs']['target']):
            mask = draw_shape(spec, H, W)
            hidden = np.zeros_like(mask)
            for o in occluders:
                hidden |= draw_shape(o[t], H, W)
            assert visible[t] == (mask & ~hidden).sum() / mask.sum()
        # drawn over the target: where both are, the frame has the
        # occluder's colour, not the target's
        t = int(visible.argmin())
        mask = draw_shape(ann['specs']['target'][t], H, W)
        occ = np.zeros_like(mask)
        for o in occluders:
            occ |= draw_shape(o[t], H, W)
        img = frames[t].astype(np.float64)
        both = img[mask & occ].mean(axis=0)
        occ_only = img[occ & ~mask].mean(axis=0)
        target_only = img[mask & ~occ].mean(axis=0)
        assert np.abs(both - occ_only).max() < 5  # noise sigma <= 8
        assert np.linalg.norm(both - target_only) > 50


def test_every_video_has_its_episodes():
    # more videos (tiny ones): frame 0 is never occluded, every video has an
    # occlusion of at most half the target and a close distractor
    for index in range(20):
        rng = np.random.default_rng([0, 2, index])
        _, ann = generate_sequence(rng, N, 96, 64)
        visible = np.array(ann['visible'])
        assert visible[0] == 1.0
        assert 0.5 <= visible.min() < 1.0
        target, first = ann['specs']['target'], ann['specs']['distractors'][0]
        dist = np.linalg.norm(_centres(first) - _centres(target), axis=1)
        mean_size = (_size(first) + _size(target)) / 2
        assert (dist <= _MEET_DIST[1] * mean_size + 1e-6).any()


def test_too_few_frames():
    with pytest.raises(ValueError, match='at least 2 frames'):
        generate_sequence(np.random.default_rng(0), 1, W, H)


def _files(root):
    """Relative path -> bytes of every file under root."""
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = f.read()
    return out


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('tracking') / 'a')
    return root, make_shapes_tracking(root, **SMALL)


def test_written_files(written, seqs):
    root, summary = written
    assert sorted(os.listdir(osp.dirname(root))) == ['a']  # no temp left
    assert sorted(os.listdir(root)) == ['annotations.json', 'sequences']
    with open(osp.join(root, 'annotations.json'), encoding='utf-8') as f:
        data = json.load(f)
    assert data['meta'] == dict(
        description='plugin synthetic shapes tracking sequences',
        generator_version=GENERATOR_VERSION,
        split='test',
        seed=0,
        split_id=2,
        num_sequences=3,
        num_frames=N,
        width=W,
        height=H,
        jpeg_quality=90,
        jpeg_sampling='4:4:4')
    names = [s['name'] for s in data['sequences']]
    assert names == ['seq_0000', 'seq_0001', 'seq_0002']
    num_bytes = 0
    for seq, (frames, ann) in zip(data['sequences'], seqs):
        assert seq['frames'] == [
            f'sequences/{seq["name"]}/{t:06d}.jpg' for t in range(N)
        ]
        expected = {k: v for k, v in ann.items() if k != 'specs'}
        assert {k: seq[k] for k in expected} == expected
        for rel, frame in zip(seq['frames'], frames):
            num_bytes += osp.getsize(osp.join(root, rel))
        img = cv2.imread(osp.join(root, seq['frames'][0]))
        # JPEG quality 90 on noisy frames: ~3.5 levels of error on average
        # (the noise), tens on colour edges
        assert img.shape == (H, W, 3)
        err = np.abs(img.astype(int) - frames[0])
        assert err.mean() < 5 and err.max() < 60
    assert summary['bytes'] == num_bytes
    assert summary['frames'] == 3 * N and summary['sequences'] == 3
    assert summary['occluded_frames'] == sum(
        sum(s['occluded']) for s in data['sequences'])
    for seq in data['sequences']:
        assert sorted(seq['attributes']) == sorted(ATTRIBUTES)
        assert seq['attributes']['occlusion'] == seq['occluded']


def test_parallel_generation_writes_the_same_files(written, tmp_path):
    root, _ = written
    again = str(tmp_path / 'one')
    make_shapes_tracking(again, **SMALL, workers=1)
    first, second = _files(root), _files(again)
    assert first.keys() == second.keys()
    assert all(first[k] == second[k] for k in first)


def _spec(cx, cy, side):
    return ShapeSpec(label='square', cx=cx, cy=cy, w=side, h=side, angle=0.)


def test_frame_attributes_on_hand_made_geometry():
    # target of size 10 at x = 0, 0.5, 2.5, 2.5 (a 2 px jump > 0.1 * 10),
    # then size 14 (x1.4 > 1.3); one look-alike of size 10 at x = 30, 9,
    # 12, 40: beside (centres < 1.0 mean size apart) in frames 1 and 2
    target = [_spec(0, 0, 10), _spec(0.5, 0, 10), _spec(2.5, 0, 10),
              _spec(2.5, 0, 14)]
    look_alike = [_spec(30, 0, 10), _spec(9, 0, 10), _spec(12, 0, 10),
                  _spec(40, 0, 10)]
    flags = frame_attributes(target, [look_alike], [1., 0.6, 1., 1.])
    assert flags == dict(
        occlusion=[False, True, False, False],
        distractor=[False, True, True, False],
        fast_motion=[False, False, True, False],
        scale_change=[False, False, False, True])


def test_written_files_are_deterministic(written, tmp_path):
    root, _ = written
    again = str(tmp_path / 'b')
    make_shapes_tracking(again, **SMALL)
    first, second = _files(root), _files(again)
    assert first.keys() == second.keys()
    assert all(first[k] == second[k] for k in first)


def test_ensure_generates_each_split_only_when_missing_or_stale(tmp_path):
    root = str(tmp_path / 'c')
    tiny = dict(num_frames=3, width=64, height=64)
    splits = dict(train=1, val=1, test=1)
    assert ensure_shapes_tracking(root, splits, **tiny) == root
    assert sorted(os.listdir(root)) == ['test', 'train', 'val']
    anns = {s: osp.join(root, s, 'annotations.json') for s in splits}
    stamps = {s: os.stat(a).st_mtime_ns for s, a in anns.items()}
    ensure_shapes_tracking(root, splits, **tiny)
    assert {s: os.stat(a).st_mtime_ns for s, a in anns.items()} == stamps
    # the splits are different videos
    frames = {s: cv2.imread(osp.join(root, s, 'sequences/seq_0000/'
                                     '000000.jpg')) for s in splits}
    assert not np.array_equal(frames['train'], frames['val'])
    assert not np.array_equal(frames['train'], frames['test'])
    # a split made by an older generator is stale and regenerated
    with open(anns['val'], encoding='utf-8') as f:
        data = json.load(f)
    data['meta']['generator_version'] = GENERATOR_VERSION - 1
    with open(anns['val'], 'w', encoding='utf-8') as f:
        json.dump(data, f)
    reason = stale_reason(osp.join(root, 'val'), dict(
        json.load(open(anns['train']))['meta'], split='val', split_id=4))
    assert 'generator_version' in reason
    ensure_shapes_tracking(root, splits, **tiny)
    assert os.stat(anns['val']).st_mtime_ns != stamps['val']
    assert os.stat(anns['train']).st_mtime_ns == stamps['train']
    with open(anns['val'], encoding='utf-8') as f:
        assert json.load(f)['meta']['generator_version'] == GENERATOR_VERSION
    # other arguments (more frames) make a split stale too
    ensure_shapes_tracking(root, dict(test=1), **dict(tiny, num_frames=4))
    assert len(os.listdir(osp.join(root, 'test', 'sequences',
                                   'seq_0000'))) == 4
    # regenerating replaces the set in place, other files stay
    open(osp.join(root, 'test', 'keep.txt'), 'w').close()
    make_shapes_tracking(osp.join(root, 'test'), 1, **dict(tiny,
                                                           num_frames=5))
    assert sorted(os.listdir(osp.join(root, 'test'))) == [
        'annotations.json', 'keep.txt', 'sequences'
    ]
    assert stale_reason(str(tmp_path / 'none'), {}).endswith('is missing')


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='at least 64 x 64'):
        make_shapes_tracking(str(tmp_path / 'd'), width=63)
    with pytest.raises(ValueError, match='>= 0'):
        make_shapes_tracking(str(tmp_path / 'd'), seed=-1)
    with pytest.raises(ValueError, match='split must be one of'):
        make_shapes_tracking(str(tmp_path / 'd'), split='track')
    with pytest.raises(ValueError, match='unknown split'):
        ensure_shapes_tracking(str(tmp_path / 'd'), dict(dev=1))
    assert not osp.exists(tmp_path / 'd')
