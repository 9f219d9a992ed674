"""Tests for plugin.datasets.transforms.load_sequence.LoadSequenceFrames."""
import cv2
import numpy as np
import pytest

from plugin.datasets.transforms import LoadSequenceFrames


def _write(tmp_path, frames):
    paths = []
    for t, frame in enumerate(frames):
        path = str(tmp_path / f'{t:06d}.png')  # lossless
        cv2.imwrite(path, frame)
        paths.append(path)
    return paths


def _frames(count, h=3, w=5):
    # pixel (t, y, x) holds (t, y, x): the stacking order is checkable
    out = np.zeros((count, h, w, 3), np.uint8)
    out[..., 0] = np.arange(count)[:, None, None]
    out[..., 1] = np.arange(h)[None, :, None]
    out[..., 2] = np.arange(w)[None, None, :]
    return out


def test_loads_all_frames_in_order(tmp_path):
    expected = _frames(4)
    paths = _write(tmp_path, expected)
    results = LoadSequenceFrames()(
        dict(frame_paths=paths, img_shape=(3, 5), seq_name='s'))
    assert results['frames'].dtype == np.uint8
    assert results['frames'].shape == (4, 3, 5, 3)
    np.testing.assert_array_equal(results['frames'], expected)
    assert results['img_shape'] == (3, 5)
    assert results['frame_paths'] == paths
    assert results['frames'][2, 1, 4].tolist() == [2, 1, 4]


def test_sets_img_shape_when_absent(tmp_path):
    paths = _write(tmp_path, _frames(2, h=2, w=7))
    results = LoadSequenceFrames()(dict(frame_paths=paths))
    assert results['img_shape'] == (2, 7)


def test_size_mismatches(tmp_path):
    paths = _write(tmp_path, _frames(2))
    with pytest.raises(ValueError, match=r'\(3, 5\) \(H, W\).*\(5, 3\)'):
        LoadSequenceFrames()(
            dict(frame_paths=paths, img_shape=(5, 3), seq_name='s'))
    other = tmp_path / 'other'
    other.mkdir()
    paths += _write(other, _frames(1, h=4))
    with pytest.raises(ValueError, match='differ in size'):
        LoadSequenceFrames()(dict(frame_paths=paths, seq_name='s'))


def test_repr():
    assert repr(LoadSequenceFrames()) == (
        "LoadSequenceFrames(backend_args=None, imdecode_backend='cv2')")
