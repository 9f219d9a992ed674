"""Evaluation of single-object trackers: one-pass evaluation (OTB protocol),
overall and per attribute.

Importing the package registers :class:`OPEMetric` in the ``plugin`` scope
(``type='plugin.OPEMetric'``).
"""
from .ope import (NORM_PRECISION_AT, NORM_PRECISION_THRESHOLDS, PRECISION_AT,
                  PRECISION_THRESHOLDS, SUCCESS_THRESHOLDS, attribute_success,
                  box_iou_per_frame,
                  center_error, normalized_center_error, precision_curve,
                  precision_score, sequence_ope, success_auc, success_curve,
                  valid_gt_mask)
from .ope_metric import OPEMetric
from .vot import (BURNIN, EAO_RANGES, FAILURE_MARKER, INIT_MARKER,
                  SKIP_INITIALIZE, SKIP_MARKER, BenchmarkAR, SequenceAR,
                  accuracy_robustness, ar_benchmark, clip_polygons,
                  eao_fragments, expected_average_overlap,
                  expected_overlap_curve, poly_iou, polygon_area,
                  region_overlaps, regions_to_polygons, supervised_trajectory,
                  trajectory_markers)

__all__ = [
    'NORM_PRECISION_AT', 'NORM_PRECISION_THRESHOLDS', 'PRECISION_AT',
    'PRECISION_THRESHOLDS', 'SUCCESS_THRESHOLDS', 'OPEMetric',
    'attribute_success',
    'box_iou_per_frame', 'center_error', 'normalized_center_error',
    'precision_curve', 'precision_score', 'sequence_ope', 'success_auc',
    'success_curve', 'valid_gt_mask',
    # VOT supervised (reset-based) evaluation
    'BURNIN', 'EAO_RANGES', 'FAILURE_MARKER', 'INIT_MARKER',
    'SKIP_INITIALIZE', 'SKIP_MARKER', 'BenchmarkAR', 'SequenceAR',
    'accuracy_robustness', 'ar_benchmark', 'clip_polygons', 'eao_fragments',
    'expected_average_overlap', 'expected_overlap_curve', 'poly_iou',
    'polygon_area', 'region_overlaps', 'regions_to_polygons',
    'supervised_trajectory', 'trajectory_markers'
]
