"""Tests of plugin/evaluation/ope_metric.py: two hand-made sequences."""
import json

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement

from plugin.evaluation.ope_metric import OPEMetric

GT_B = np.array([[0, 0, 10, 10]] * 4, dtype=np.float32)
# IoUs 1, .5, .25, 0 (AUC 5/12); centre errors 0, 2.5, 3.75, 28.3 px
# (precision .75); normalised 0, .25, .375, 2.83 (norm precision .25)
PRED_B = np.array([[0, 0, 10, 10], [0, 0, 10, 5], [0, 0, 10, 2.5],
                   [20, 20, 30, 30]], dtype=np.float32)
GT_A = np.array([[5, 5, 25, 15]] * 2, dtype=np.float32)  # tracked exactly


def samples():
    """Sequence 'b' as a BaseDataElement with tensors, 'a' as the dict
    mmengine's Evaluator makes with to_dict(); 'b' comes first."""
    b = BaseDataElement(
        metainfo=dict(seq_name='b', gt_bboxes=GT_B, img_shape=(40, 40)))
    b.pred_track_bboxes = torch.from_numpy(PRED_B)
    b.track_time = 0.5  # 3 frames tracked
    a = dict(seq_name='a', gt_bboxes=GT_A, pred_track_bboxes=GT_A.copy(),
             track_time=0.25)  # 1 frame tracked
    return [b, a]


def test_means_over_sequences_and_fps():
    # built by name as a config does (the runner's default scope is mmdet)
    with DefaultScope.overwrite_default_scope('mmdet'):
        evaluator = Evaluator(dict(type='plugin.OPEMetric'))
    assert isinstance(evaluator.metrics[0], OPEMetric)
    evaluator.process(samples())
    metrics = evaluator.evaluate(2)
    # each sequence weighs the same, whatever its length
    assert metrics['ope/success'] == pytest.approx((5 / 12 + 20 / 21) / 2)
    assert metrics['ope/precision'] == pytest.approx((0.75 + 1) / 2)
    assert metrics['ope/norm_precision'] == pytest.approx((0.25 + 1) / 2)
    assert metrics['ope/fps'] == pytest.approx((3 + 1) / 0.75)


def test_out_file_sorted_and_init_frame_flag(tmp_path):
    out = tmp_path / 'sub' / 'ope.json'
    metric = OPEMetric(include_init_frame=False, out_file=str(out))
    metric.process({}, samples())
    metrics = metric.compute_metrics(metric.results)
    # without frame 0: 'b' has IoUs .5, .25, 0 -> AUC 5/21; 'a' 20/21
    assert metrics['success'] == pytest.approx((5 / 21 + 20 / 21) / 2)
    assert metrics['precision'] == pytest.approx((2 / 3 + 1) / 2)
    saved = json.loads(out.read_text())
    assert [s['seq_name'] for s in saved['sequences']] == ['a', 'b']
    assert [s['num_frames'] for s in saved['sequences']] == [1, 3]
    assert saved['sequences'][1]['success_curve'][:6] == [2 / 3] * 5 + [1 / 3]
    assert len(saved['thresholds']['success']) == 21
    assert len(saved['curves']['precision_curve']) == 51
    assert saved['curves']['success_curve'][0] == pytest.approx(
        (1 + 2 / 3) / 2)
    assert saved['metrics']['fps'] == pytest.approx(4 / 0.75)


def test_per_sequence_table():
    metric = OPEMetric()
    metric.process({}, samples())
    results = sorted(metric.results, key=lambda r: r['seq_name'])
    table = metric._table(results, metric.compute_metrics(metric.results))
    lines = table.splitlines()
    assert lines[2].split() == ['a', '2', '0.952', '1.000', '1.000', '4.0']
    assert lines[3].split() == ['b', '4', '0.417', '0.750', '0.250', '6.0']
    assert lines[5].split() == ['mean', '6', '0.685', '0.875', '0.625', '5.3']


def test_fps_without_track_time_is_nan():
    metric = OPEMetric()
    metric.process({}, [dict(seq_name='a', gt_bboxes=GT_A,
                             pred_track_bboxes=GT_A)])
    metrics = metric.compute_metrics(metric.results)
    assert np.isnan(metrics['fps'])
    assert metrics['success'] == pytest.approx(20 / 21)


def _flagged_samples():
    """samples() with per-frame flags: 'b' (BaseDataElement) occluded at
    frames 1, 2, 'a' (dict) at frame 0; only 'b' has 'lost'."""
    b, a = samples()
    b.set_metainfo(dict(attributes=dict(
        occlusion=np.array([False, True, True, False]),
        lost=np.array([False, False, False, True]))))
    a['attributes'] = dict(occlusion=np.array([True, False]))
    return [b, a]


def test_attribute_scores_and_unchanged_metrics(tmp_path):
    plain = OPEMetric()
    plain.process({}, samples())
    out = tmp_path / 'ope.json'
    metric = OPEMetric(out_file=str(out))
    metric.process({}, _flagged_samples())
    # the flags change no metric (nor its keys: checkpoints pick
    # ope/success)
    assert metric.compute_metrics(metric.results) == \
        plain.compute_metrics(plain.results)
    by_name = {r['seq_name']: r for r in metric.results}
    assert by_name['b']['ious'].tolist() == [1., .5, .25, 0.]
    assert by_name['a']['attributes']['occlusion'].tolist() == [True, False]
    assert 'attributes' not in plain.results[0]
    success, num_frames = metric.attribute_scores()
    # occlusion: IoUs .5, .25 of 'b', 1 of 'a' -> (5 + 10/3 + 10/3) / 21
    assert num_frames == dict(lost=1, occlusion=3)
    assert success == dict(lost=0., occlusion=pytest.approx(5 / 9))
    saved = json.loads(out.read_text())
    assert saved['attributes'] == dict(
        success=dict(lost=0., occlusion=pytest.approx(5 / 9)),
        num_frames=dict(lost=1, occlusion=3))
    assert saved['sequences'][0]['attributes'] == dict(
        occlusion=[True, False])
    assert saved['sequences'][1]['ious'] == [1., .5, .25, 0.]
    assert plain.attribute_scores() == ({}, {})


def test_attribute_scores_without_init_frame():
    metric = OPEMetric(include_init_frame=False)
    metric.process({}, _flagged_samples())
    success, num_frames = metric.attribute_scores()
    # 'a' loses its only flagged frame: .5, .25 -> (5 + 2.5) / 21
    assert num_frames['occlusion'] == 2
    assert success['occlusion'] == pytest.approx(7.5 / 21)
