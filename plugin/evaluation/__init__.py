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

__all__ = [
    'NORM_PRECISION_AT', 'NORM_PRECISION_THRESHOLDS', 'PRECISION_AT',
    'PRECISION_THRESHOLDS', 'SUCCESS_THRESHOLDS', 'OPEMetric',
    'attribute_success',
    'box_iou_per_frame', 'center_error', 'normalized_center_error',
    'precision_curve', 'precision_score', 'sequence_ope', 'success_auc',
    'success_curve', 'valid_gt_mask'
]
