"""Tests of plugin/evaluation/ope.py on hand-made 4-frame tracks."""
import numpy as np
import pytest

from plugin.evaluation.ope import (NORM_PRECISION_THRESHOLDS,
                                   PRECISION_THRESHOLDS, SUCCESS_THRESHOLDS,
                                   attribute_success, box_iou_per_frame,
                                   center_error,
                                   normalized_center_error, precision_curve,
                                   precision_score, sequence_ope,
                                   success_auc, success_curve, valid_gt_mask)

GT = np.array([[0, 0, 10, 10]] * 4, dtype=np.float32)
# IoUs 1, 0.5, 0.25, 0 with GT (areas 100, 50, 25, 0 shared)
PRED = np.array([[0, 0, 10, 10], [0, 0, 10, 5], [0, 0, 10, 2.5],
                 [20, 20, 30, 30]], dtype=np.float32)
# success at 0, .05, ..., 1 with IoUs [1, .5, .25, 0] and strict '>':
# 3/4 up to 0.2, 2/4 from 0.25 (0.25 > 0.25 fails), 1/4 from 0.5, 0 at 1
SUCCESS = [0.75] * 5 + [0.5] * 5 + [0.25] * 10 + [0.]


def test_thresholds_are_pysots():
    assert len(SUCCESS_THRESHOLDS) == 21
    assert SUCCESS_THRESHOLDS[[0, 5, 10, 20]].tolist() == [0, 0.25, 0.5, 1]
    assert PRECISION_THRESHOLDS[20] == 20
    assert NORM_PRECISION_THRESHOLDS[20] == 0.2


def test_box_iou_per_frame():
    assert box_iou_per_frame(PRED, GT).tolist() == [1., 0.5, 0.25, 0.]
    # half a box along: 50 / 150; a negative-width prediction is empty
    iou = box_iou_per_frame([[5, 0, 15, 10], [10, 0, 0, 10]], GT[:2])
    np.testing.assert_allclose(iou, [1 / 3, 0.])


def test_absent_gt_and_nonfinite_pred():
    gt = np.array([[0, 0, 10, 10], [np.nan] * 4, [5, 5, 5, 9],
                   [0, 0, 10, 10]])
    pred = np.array([[0, 0, 10, 10]] * 3 + [[np.nan, 0, 10, 10]])
    assert valid_gt_mask(gt).tolist() == [True, False, False, True]
    iou = box_iou_per_frame(pred, gt)
    assert iou[[0, 3]].tolist() == [1., 0.] and np.isnan(iou[1:3]).all()
    err = center_error(pred, gt)
    assert err[0] == 0 and np.isnan(err[1:3]).all() and err[3] == np.inf
    # absent frames leave the count: 1 success out of 2 frames
    assert success_curve(iou)[0] == 0.5
    assert precision_curve(err)[-1] == 0.5
    assert np.isnan(success_curve([np.nan, np.nan])).all()


def test_success_curve_and_auc():
    curve = success_curve(box_iou_per_frame(PRED, GT))
    assert curve.tolist() == SUCCESS
    assert success_auc(curve) == pytest.approx(8.75 / 21)  # = 5 / 12
    # a perfect track: IoU 1 > 1 never holds, AUC 20 / 21
    assert success_auc(success_curve(np.ones(3))) == pytest.approx(20 / 21)
    assert success_curve([1, .5, .25, 0], [0.2, 0.5]).tolist() == [.75, .25]


def test_center_error_and_precision():
    # centres shifted by 3-4-5 triangles: errors 0, 10, 20, 30 px
    shift = np.array([[0, 0], [6, 8], [12, 16], [18, 24]], dtype=np.float32)
    pred = GT + np.tile(shift, 2)
    errors = center_error(pred, GT)
    assert errors.tolist() == [0., 10., 20., 30.]
    assert precision_score(errors) == 0.75  # 20 <= 20 counts
    curve = precision_curve(errors, np.array([0, 9, 10, 19, 20, 29, 30]))
    assert curve.tolist() == [.25, .25, .5, .5, .75, .75, 1.]
    assert precision_curve(errors)[[0, 10, 20, 30, 50]].tolist() == [
        .25, .5, .75, 1., 1.]


def test_normalized_center_error():
    gt = np.array([[0, 0, 8, 16]] * 4, dtype=np.float32)  # w 8, h 16
    # offsets (dx / 8, dy / 16) = (0, 0), (.06, .08), (.15, .2), (.3, .4)
    shift = np.array([[0, 0], [.48, 1.28], [1.2, 3.2], [2.4, 6.4]])
    pred = gt + np.tile(shift, 2)
    norm = normalized_center_error(pred, gt)
    np.testing.assert_allclose(norm, [0, .1, .25, .5], atol=1e-6)
    # in px the same offsets are 0, 1.37, 3.42, 6.84: per-axis scaling
    np.testing.assert_allclose(center_error(pred, gt),
                               [0, 1.3670, 3.4176, 6.8352], atol=1e-4)
    assert precision_score(norm, 0.2) == 0.5
    # thresholds away from the errors, which float32 boxes blur
    curve = precision_curve(norm, NORM_PRECISION_THRESHOLDS)
    assert curve[[0, 9, 11, 20, 24, 26, 49]].tolist() == [
        .25, .25, .5, .5, .5, .75, .75]


def test_sequence_ope_init_frame_flag():
    res = sequence_ope(PRED, GT)
    assert res['num_frames'] == 4
    assert res['success_curve'].tolist() == SUCCESS
    assert res['success'] == pytest.approx(5 / 12)
    # centre errors 0, 2.5, 3.75, 28.28 px; normalised 0, .25, .375, 2.83
    assert res['precision'] == 0.75
    assert res['norm_precision'] == 0.25
    # without frame 0: IoUs .5, .25, 0 -> 2/3 x5, 1/3 x5, 0 x11
    res = sequence_ope(PRED, GT, include_init_frame=False)
    assert res['num_frames'] == 3
    assert res['success'] == pytest.approx((10 / 3 + 5 / 3) / 21)
    assert res['precision'] == pytest.approx(2 / 3)
    assert res['norm_precision'] == 0.


def test_shape_mismatch_raises():
    with pytest.raises(ValueError):
        box_iou_per_frame(PRED[:3], GT)
    with pytest.raises(ValueError):
        center_error(PRED[:, :2], GT[:, :2])


# two sequences' IoUs: 'A' the 4 frames above, 'B' with an absent gt (NaN)
IOUS = [np.array([1., .5, .25, 0.]), np.array([1., np.nan, .6])]
FLAGS = [
    dict(occlusion=[False, True, True, False],
         fast_motion=[False, False, False, True],
         init_only=[True, False, False, False]),
    dict(occlusion=np.array([True, True, False]),
         distractor=np.array([False, True, False]))
]


def test_attribute_success_pools_flagged_frames():
    success, num_frames = attribute_success(IOUS, FLAGS)
    assert list(success) == list(num_frames) == [
        'distractor', 'fast_motion', 'init_only', 'occlusion']
    # occlusion: .5, .25 of A and 1 of B (B's NaN frame left out) -> all 3
    # up to 0.2 (x5), 2/3 from 0.25 (x5), 1/3 from 0.5 (x10), 0 at 1:
    # (5 + 10/3 + 10/3) / 21 = 5/9
    assert num_frames['occlusion'] == 3
    assert success['occlusion'] == pytest.approx(5 / 9)
    # fast_motion: A's lost frame only (B has no flag): IoU 0 > 0 fails
    assert num_frames['fast_motion'] == 1 and success['fast_motion'] == 0.
    # frame 0 counts, as in sequence_ope: the init box alone, 20/21
    assert num_frames['init_only'] == 1
    assert success['init_only'] == pytest.approx(20 / 21)
    # distractor's only frame has no gt: NaN and no frame
    assert num_frames['distractor'] == 0 and np.isnan(success['distractor'])


def test_attribute_success_without_init_frame():
    success, num_frames = attribute_success(IOUS, FLAGS,
                                            include_init_frame=False)
    # occlusion: .5, .25 of A; B's frame 0 dropped, its frame 1 absent:
    # 1 (x5), 1/2 (x5), 0 (x11) -> 7.5 / 21
    assert num_frames['occlusion'] == 2
    assert success['occlusion'] == pytest.approx(7.5 / 21)
    assert num_frames['init_only'] == 0 and np.isnan(success['init_only'])
    assert num_frames['fast_motion'] == 1


def test_attribute_success_edge_cases():
    # no flags anywhere: nothing to report
    assert attribute_success(IOUS, [{}, {}]) == ({}, {})
    assert attribute_success([], []) == ({}, {})
    # a sequence without flags adds no frame
    success, num_frames = attribute_success(IOUS, [{}, FLAGS[1]])
    assert num_frames == dict(distractor=0, occlusion=1)
    assert success['occlusion'] == pytest.approx(20 / 21)
    with pytest.raises(ValueError, match=r"sequence 1: attribute 'x'"):
        attribute_success(IOUS, [{}, dict(x=[True, False])])
    with pytest.raises(ValueError, match='2 IoU arrays but 1 flag dicts'):
        attribute_success(IOUS, [{}])
