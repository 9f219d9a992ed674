"""Tests of plugin/tracking/contrib_tracker.py.

The tracking tests need opencv-contrib in .venv/opencv-contrib (``bash
tools/install_opencv_contrib.sh``) and are skipped without it, as on a
fresh machine that ran only tools/run_tests.sh; each starts one child
process (about 5-15 s, mostly importing mmdet).
"""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.structures import BaseDataElement

from plugin.evaluation.ope import center_error
from plugin.tracking.contrib_tracker import (DEFAULT_CONTRIB_DIR,
                                             INSTALL_SCRIPT,
                                             check_contrib_dir,
                                             run_contrib_tracker)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

needs_contrib = pytest.mark.skipif(
    not osp.isdir(osp.join(DEFAULT_CONTRIB_DIR, 'cv2')),
    reason=f'no opencv-contrib in {DEFAULT_CONTRIB_DIR}: run '
    f'`bash {INSTALL_SCRIPT}`')

SIDE = 16  # the square's side, px
STEP = (3, 2)  # its motion, (x, y) px a frame


def square_pngs(folder, num=6, size=64):
    """A bright square moving ``STEP`` px a frame over dark noise on
    ``num`` size x size frames, written as PNGs; returns the paths and the
    (num, 4) xyxy gt."""
    rng = np.random.default_rng(0)
    # 40: noise amplitude (texture for the trackers' features), 230: the
    # square's grey level
    background = rng.integers(0, 40, (size, size, 3)).astype(np.uint8)
    paths, gt = [], np.zeros((num, 4), dtype=np.float32)
    for i in range(num):
        frame = background.copy()
        x, y = 16 + STEP[0] * i, 16 + STEP[1] * i
        frame[y:y + SIDE, x:x + SIDE] = 230
        gt[i] = [x, y, x + SIDE, y + SIDE]
        paths.append(str(folder / f'{i:04d}.png'))
        assert cv2.imwrite(paths[-1], frame)
    return paths, gt


@needs_contrib
def test_csrt_follows_a_moving_square(tmp_path):
    paths, gt = square_pngs(tmp_path)
    [(pred, seconds)] = run_contrib_tracker('CSRT', [(paths, gt[0])])
    assert pred.dtype == np.float32 and pred.shape == (6, 4)
    assert seconds > 0
    np.testing.assert_array_equal(pred[0], gt[0])
    err = center_error(pred, gt)
    # the square travels 5 * (3, 2) = (15, 10) px, 18 px; holding still
    # would be 18 px off at the end, following it 0-3 px
    assert center_error(np.repeat(gt[:1], 6, 0), gt)[-1] > 18
    assert err.max() <= 4, err


@needs_contrib
def test_the_tool_fills_the_samples_with_kcf(tmp_path):
    """tools/test_tracker.py's ``contrib_track``: two sequences in one
    child, read from the samples' ``frame_paths``."""
    spec = importlib.util.spec_from_file_location(
        'test_tracker_tool', osp.join(ROOT, 'tools', 'test_tracker.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    samples = []
    for name in ('a', 'b'):
        (tmp_path / name).mkdir()
        paths, gt = square_pngs(tmp_path / name)
        samples.append(
            BaseDataElement(metainfo=dict(frame_paths=paths, gt_bboxes=gt)))
    tool.contrib_track('KCF', DEFAULT_CONTRIB_DIR)([None, None], samples)
    for sample in samples:
        assert sample.pred_track_bboxes.shape == (6, 4)
        assert sample.track_time > 0
        err = center_error(sample.pred_track_bboxes, sample.gt_bboxes)
        # OpenCV's KCF does not move on its first update here, then keeps
        # that one step (3.6 px) behind; a lost KCF would drift to 18 px
        assert err.max() <= 4, err


@needs_contrib
def test_an_unknown_kind_fails_with_the_childs_error(tmp_path):
    paths, gt = square_pngs(tmp_path, num=2)
    with pytest.raises(RuntimeError, match='no TrackerNoSuch_create'):
        run_contrib_tracker('NoSuch', [(paths, gt[0])])


def test_a_missing_contrib_dir_names_the_install_script(tmp_path):
    missing = str(tmp_path / 'opencv-contrib')
    for call in (lambda: check_contrib_dir(missing),
                 lambda: run_contrib_tracker('CSRT', [], missing)):
        with pytest.raises(FileNotFoundError) as info:
            call()
        assert INSTALL_SCRIPT in str(info.value)
        assert missing in str(info.value)


def test_missing_frames_fail_before_the_child_starts(tmp_path):
    # a stand-in contrib folder: only its cv2/ is checked in the parent
    (tmp_path / 'contrib' / 'cv2').mkdir(parents=True)
    paths, gt = square_pngs(tmp_path, num=2)
    with pytest.raises(FileNotFoundError, match='1 of 3 frames'):
        run_contrib_tracker('CSRT',
                            [(paths + [str(tmp_path / 'gone.png')], gt[0])],
                            str(tmp_path / 'contrib'))
    assert run_contrib_tracker('CSRT', [], str(tmp_path / 'contrib')) == []
