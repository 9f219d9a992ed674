"""Tests of plugin/evaluation/vot.py on hand-made regions and trajectories."""
import numpy as np
import pytest

from plugin.evaluation.vot import (BURNIN, EAO_RANGES, FAILURE_MARKER,
                                   INIT_MARKER, SKIP_INITIALIZE, SKIP_MARKER,
                                   accuracy_robustness, ar_benchmark,
                                   eao_fragments, expected_average_overlap,
                                   expected_overlap_curve, poly_iou,
                                   region_overlaps, supervised_trajectory,
                                   trajectory_markers)

I, F, S = INIT_MARKER, FAILURE_MARKER, SKIP_MARKER
GT = (0., 0., 10., 10.)
FULL = (0., 0., 10., 10.)  # IoU 1 with GT
HALF = (0., 0., 10., 5.)  # IoU 50 / 100
QUARTER = (0., 0., 10., 2.5)  # IoU 25 / 100
NEAR = (1., 0., 10., 10.)  # IoU 90 / 110
LOST = (20., 20., 5., 5.)  # disjoint from GT
NAN4 = [np.nan] * 4


def test_constants_are_pysots():
    assert (I, F, S) == (1, 2, 0)
    assert SKIP_INITIALIZE == 5 and BURNIN == 10
    assert EAO_RANGES['VOT2016'] == (108, 371)
    assert EAO_RANGES['VOT2017'] == EAO_RANGES['VOT2018'] == (100, 356)
    assert EAO_RANGES['VOT2019'] == (46, 291)


def test_rectangle_overlaps():
    # unit squares half a side apart: 0.5 / 1.5
    assert poly_iou([0, 0, 1, 1], [.5, 0, 1, 1]) == pytest.approx(1 / 3)
    # disjoint, and touching along an edge: no area shared
    assert poly_iou([0, 0, 1, 1], [2, 2, 1, 1]) == 0
    assert poly_iou([0, 0, 1, 1], [1, 0, 1, 1]) == 0
    # zero-area regions overlap nothing, even themselves
    assert poly_iou([0, 0, 0, 1], [0, 0, 1, 1]) == 0
    assert poly_iou([0, 0, 0, 0], [0, 0, 0, 0]) == 0


def test_polygon_overlaps():
    diamond = [1, 0, 2, 1, 1, 2, 0, 1]  # area 2, inside [0, 2] x [0, 2]
    assert poly_iou([0, 0, 2, 2], diamond) == pytest.approx(2 / 4)
    # the right half [1, 2] x [0, 2] holds half the diamond: 1 / (2 + 2 - 1)
    assert poly_iou([1, 0, 1, 2], diamond) == pytest.approx(1 / 3)
    clockwise = [1, 0, 0, 1, 1, 2, 2, 1]
    assert poly_iou([1, 0, 1, 2], clockwise) == pytest.approx(1 / 3)
    # a non-convex (L-shaped, area 3) prediction inside the gt [0,2]^2
    ell = [0, 0, 2, 0, 2, 1, 1, 1, 1, 2, 0, 2]
    assert poly_iou(ell, [0, 0, 2, 2]) == pytest.approx(3 / 4)


def test_bounds_clip_both_regions():
    # x in [-1, 1] vs [0, 2]: 1 / 3; in a 1.5 x 1 image the prediction
    # keeps [0, 1] (area 1), the gt [0, 1.5] (area 1.5): 1 / 1.5
    assert poly_iou([-1, 0, 2, 1], [0, 0, 2, 1]) == pytest.approx(1 / 3)
    assert poly_iou([-1, 0, 2, 1], [0, 0, 2, 1],
                    bounds=(1.5, 1)) == pytest.approx(2 / 3)
    # a gt entirely outside the image is empty: overlap 0
    assert poly_iou([0, 0, 1, 1], [5, 5, 1, 1], bounds=(4, 4)) == 0


def test_unknown_overlaps_are_nan():
    assert np.isnan(poly_iou([0, 0, 1, 1], NAN4))
    ov = region_overlaps([I, FULL, [2.], HALF, [0, 0, 10, 0, 10, 10, 0, 10]],
                         [GT, GT, GT, GT, NAN4])
    assert np.isnan(ov[[0, 2, 4]]).all() and ov[[1, 3]].tolist() == [1, .5]


def _scripted(gt, predictions):
    """A fake tracker: returns predictions[frame] and logs its calls."""
    calls = []

    def init_fn(idx, gt_region):
        calls.append(('init', idx))
        assert list(gt_region) == list(gt[idx])

    def track_fn(idx):
        calls.append(('track', idx))
        return predictions.get(idx, NEAR)
    return init_fn, track_fn, calls


def test_supervised_trajectory_resets_five_frames_after_a_failure():
    gt = [GT] * 16
    init_fn, track_fn, calls = _scripted(gt, {3: LOST})
    traj = supervised_trajectory(16, gt, init_fn, track_fn)
    assert traj == [I, NEAR, NEAR, F, S, S, S, S, I] + [NEAR] * 7
    assert [i for c, i in calls if c == 'init'] == [0, 8]
    assert [i for c, i in calls if c == 'track'] == [1, 2, 3] + list(
        range(9, 16))
    # a failure too close to the end is never followed by a re-init
    init_fn, track_fn, _ = _scripted(gt, {13: LOST})
    traj = supervised_trajectory(16, gt, init_fn, track_fn)
    assert traj[12:] == [NEAR, F, S, S]
    # skip_initialize=2: re-init two frames after the failure
    init_fn, track_fn, _ = _scripted(gt, {1: LOST})
    assert supervised_trajectory(5, gt, init_fn, track_fn,
                                 skip_initialize=2) == [I, F, S, I, NEAR]


def test_supervised_trajectory_failure_test():
    # gt x in [8, 12], the prediction x in [10.5, 11.5]: they overlap only
    # outside a 10-wide image, so the bounds turn it into a failure
    gt = [(8, 0, 4, 4)] * 3
    init_fn, track_fn, _ = _scripted(gt, {1: (10.5, 0, 1, 1)})
    assert supervised_trajectory(2, gt, init_fn, track_fn)[1] != F
    assert supervised_trajectory(2, gt, init_fn, track_fn,
                                 bounds=(10, 10))[1] == F
    # an unknown gt cannot be judged; a NaN prediction is a failure
    gt = [GT, NAN4, GT]
    init_fn, track_fn, _ = _scripted(gt, {1: LOST, 2: NAN4})
    assert supervised_trajectory(3, gt, init_fn, track_fn)[1:] == [LOST, F]


# frame 0 init, 1-9 in the burn-in, 10-11 counted, failure at 12, 13-16
# skipped, re-init at 17, 18-26 in its burn-in, 27-29 counted
AR_TRAJ = ([I] + [FULL] * 9 + [HALF] * 2 + [F] + [S] * 4 + [I] +
           [FULL] * 9 + [QUARTER] * 3)
AR_GT = [GT] * 30


def test_accuracy_burnin_and_failures():
    ar = accuracy_robustness(AR_TRAJ, AR_GT)
    assert np.flatnonzero(~np.isnan(ar.overlaps)).tolist() == [
        10, 11, 27, 28, 29]
    assert ar.accuracy == pytest.approx((2 * .5 + 3 * .25) / 5)  # 0.35
    assert ar.failures == 1
    # no burn-in: every tracked frame, 9 + 9 full, 2 half, 3 quarter
    assert accuracy_robustness(AR_TRAJ, AR_GT, burnin=0).accuracy == (
        pytest.approx(19.75 / 23))
    # markers as pysot reads them from a result file: [1.0], [2.0], [0.0]
    as_read = [[float(e)] if isinstance(e, int) else list(e)
               for e in AR_TRAJ]
    assert trajectory_markers(as_read)[:13].tolist() == [1] + [-1] * 11 + [2]
    assert accuracy_robustness(as_read, AR_GT).accuracy == pytest.approx(.35)
    # every frame in a burn-in: nothing counted
    assert np.isnan(accuracy_robustness([I, FULL, FULL], [GT] * 3).accuracy)


def test_ar_benchmark_pools_frames():
    # a second, 12-frame sequence with IoU 1 on its counted frames 10, 11
    ar = ar_benchmark([AR_TRAJ, [I] + [FULL] * 11], [AR_GT, [GT] * 12])
    assert ar.accuracy == pytest.approx((1 + .75 + 2) / 7)
    assert ar.robustness == pytest.approx(100 * 1 / 42)
    assert ar.lost_number == 1


def test_eao_by_hand():
    seqs = [[I, FULL, HALF, HALF],
            [I, FULL, F, S, S, S, S, I, HALF, HALF]]
    gts = [[GT] * 4, [GT] * 10]
    # fragments (L = 10): A = [nan, 1, .5, .5, nan...]; B is cut at its
    # re-init 2 + 5 = 7: B1 = [0, 1, 0, 0, 0, 0, 0, 0] then 0 for ever,
    # B2 = [0, .5, .5, nan...]. Mean over frames 1..i of those reaching i:
    # i=1: (1 + 1 + .5) / 3 = 5/6; i=2: (.75 + .5 + .5) / 3 = 7/12;
    # i=3: (2/3 + 1/3) / 2 = 1/2; i >= 4: B1 alone, 1/i
    curve = expected_overlap_curve(*eao_fragments(
        [[np.nan, 1, .5, .5],
         [np.nan, 1] + [np.nan] * 6 + [.5, .5]], [[], [2]], [4, 10]))
    np.testing.assert_allclose(
        curve, [1, 5 / 6, 7 / 12, 1 / 2] + [1 / i for i in range(4, 10)])
    # lengths 2..4 are entries 1..3: (5/6 + 7/12 + 1/2) / 3 = 23/36
    assert expected_average_overlap(seqs, gts, low=2, high=4) == (
        pytest.approx(23 / 36))
    # a range past the longest sequence has nothing to average
    assert np.isnan(expected_average_overlap(seqs, gts))


# Parity with pysot (STVIR/pysot d04028f8). The golden numbers below were
# printed by /tmp/oracle/pysot_oracle.py, which ran pysot's own
# statistics.calculate_accuracy / calculate_failures /
# calculate_expected_overlap, AccuracyRobustnessBenchmark.eval (then the
# three formulas of its show_result) and EAOBenchmark._calculate_eao (tag
# 'all', low/high overridden) on the trajectories built below, with
# region.vot_overlap_traj replaced by an independent continuous rectangle
# IoU (pysot's C extension rasterises; see the module docstring). pysot's
# expected-overlap curve is float32, hence the relative tolerance.
PARITY_IMAGE = (40, 30)  # W, H of every sequence's images
# per sequence: gt box of frame i as a function of i; frame codes: 'I', 'F',
# 'S' markers, or a float dx: the prediction is the gt box moved dx right
PARITY_SEQS = [
    (lambda i: [1.5 * i, 5, 16, 12],
     ['I', 1, 2, 3, 1, .5, 4, 6, 8, 10, 12, 3, 2, 'F', 'S', 'S', 'S', 'S',
      'I', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    (lambda i: [30 - i, 10 + .5 * i, 10, 8],
     ['I', 2, 3, 'F', 'S', 'S', 'S', 'S', 'I', 1, 1, 'F', 'S', 'S', 'S', 'S',
      'I', 2, 2, 3, 3, 'F', 'S', 'S']),
    (lambda i: [5, 5, 12, 12],
     ['I'] + [1] * 14 + ['F', 'S', 'S', 'S', 'S']),
    (lambda i: [-4, 0, 8, 8], ['I'] + [.5, 1, 1.5, 2] * 3),
]
MARK = {'I': 1, 'F': 2, 'S': 0}


def parity_case():
    """S trajectories (markers as ints, boxes as lists) and (N, 4) gts."""
    trajs, gts = [], []
    for gt_fn, codes in PARITY_SEQS:
        gt = np.array([gt_fn(i) for i in range(len(codes))], dtype=float)
        trajs.append([MARK[c] if isinstance(c, str) else
                      [g[0] + c, g[1], g[2], g[3]] for c, g in zip(codes, gt)])
        gts.append(gt)
    return trajs, gts


def test_parity_with_pysot_accuracy_robustness():
    trajs, gts = parity_case()
    per_seq = [accuracy_robustness(t, g, bounds=PARITY_IMAGE)
               for t, g in zip(trajs, gts)]
    np.testing.assert_allclose(
        [s.accuracy for s in per_seq],
        [0.32439766081871346, np.nan, 0.8461538461538461,
         0.7313131313131312], rtol=1e-12)
    assert [s.failures for s in per_seq] == [1, 3, 1, 0]
    ar = ar_benchmark(trajs, gts, bounds=[PARITY_IMAGE] * 4)
    np.testing.assert_allclose(
        [ar.accuracy, ar.robustness, ar.lost_number],
        [0.6189766868309378, 5.747126436781609, 5.0], rtol=1e-12)


def test_parity_with_pysot_eao():
    trajs, gts = parity_case()
    # EAOBenchmark clips to (W - 1, H - 1)
    bounds = [(PARITY_IMAGE[0] - 1, PARITY_IMAGE[1] - 1)] * 4
    eao = [expected_average_overlap(trajs, gts, low, high, bounds=bounds)
           for low, high in [(2, 25), (10, 20), (100, 356)]]
    np.testing.assert_allclose(
        eao, [0.4440940997252862, 0.39336593042720447, np.nan], rtol=1e-6)
    # sequence 2 fails 5 frames before its end: its first fragment's
    # weight is 20 / 21, its last fragment is empty (weight 0); sequence 1
    # fails too late (frame 21 of 24) to be cut a third time
    failures = [np.flatnonzero(trajectory_markers(t) == F) for t in trajs]
    overlaps = [region_overlaps(t, g, b)
                for t, g, b in zip(trajs, gts, bounds)]
    fragments, weights = eao_fragments(overlaps, failures,
                                       [len(g) for g in gts])
    assert fragments.shape == (8, 30)
    np.testing.assert_allclose(weights, [1, 1, 1, 1, 1, 20 / 21, 0, 1])
    np.testing.assert_allclose(
        expected_overlap_curve(fragments, weights)[:4],
        [1.0, 0.8294587135314941, 0.7946444153785706, 0.6906577348709106],
        rtol=1e-6)
