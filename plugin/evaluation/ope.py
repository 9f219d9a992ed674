"""One-pass evaluation (OPE, the OTB protocol) of a single-object track.

Pure numpy, vectorised over the frames of a sequence and, by broadcasting,
over the thresholds. Shapes: N frames, T thresholds; boxes are float xyxy in
continuous pixel coordinates (pixel i covers [i, i+1)).

Conventions, checked against pysot (``toolkit/utils/statistics.py`` and
``toolkit/evaluation/ope_benchmark.py``, commit d04028f8):

* IoU: pysot's ``overlap_ratio`` works on xywh with ``right = x + w`` (no
  ``+ 1``), i.e. on continuous boxes, as here.
* success: a frame succeeds at threshold t when IoU ``>`` t (strict); the
  21 thresholds are ``np.arange(0, 1.05, 0.05)`` (0, 0.05, ..., 1; exactly
  0.25, 0.5 and 1 among them); the success score (AUC) is the mean of the
  curve. A perfect track scores 20/21, not 1, because IoU > 1 never holds.
* precision: a frame is precise at t px when the centre distance ``<=`` t;
  thresholds 0..50 px, the score is the value at 20 px. pysot's centre
  ``x + (w - 1) / 2`` has the same ``- 1/2`` in the prediction and the gt,
  so the distance equals the distance of the continuous centres used here.
* normalised precision (LaSOT's, as pysot computes it): each axis of the
  centre offset is divided by the gt's width / height, the thresholds are
  ``np.arange(0, 51) / 100`` and the score is the value at 0.2.
* frame 0 (the init frame, where the tracker returns the given box) counts,
  as in OTB and pysot; ``include_init_frame=False`` in
  :func:`sequence_ope` drops it.
* frames whose gt is absent (any coordinate NaN/inf, or width or height
  ``<= 0``) are left out of every curve, numerator and denominator. pysot
  differs: it keeps them in the frame count, as failures for success but as
  hits for precision (its distance -1 is ``<=`` every threshold), and for
  LaSOT drops the absent frames yet still divides by the full length. The
  per-frame functions return NaN for those frames.
* a prediction that is not finite is a failure: IoU 0, centre error inf.
* per-attribute success (:func:`attribute_success`): the flags are per
  frame, so the success curve of an attribute pools the flagged frames of
  all S sequences, each frame weighing the same (OTB averages over the
  sequences that have the attribute, its flags being per sequence).
"""
from typing import Dict, Mapping, Sequence, Tuple

import numpy as np

# OTB's 21 overlap thresholds 0, 0.05, ..., 1 (pysot's success_overlap)
SUCCESS_THRESHOLDS = np.arange(0, 1.05, 0.05)
# location error thresholds 0..50 px (pysot's eval_precision)
PRECISION_THRESHOLDS = np.arange(0, 51)
# normalised error thresholds 0..0.5 (pysot's eval_norm_precision)
NORM_PRECISION_THRESHOLDS = np.arange(0, 51) / 100
PRECISION_AT = 20  # px: OTB's "precision" is the curve at 20 px
NORM_PRECISION_AT = 0.2  # LaSOT's normalised precision: the curve at 0.2

__all__ = [
    'SUCCESS_THRESHOLDS', 'PRECISION_THRESHOLDS', 'NORM_PRECISION_THRESHOLDS',
    'PRECISION_AT', 'NORM_PRECISION_AT', 'valid_gt_mask', 'box_iou_per_frame',
    'center_error', 'normalized_center_error', 'success_curve',
    'success_auc', 'precision_curve', 'precision_score', 'sequence_ope',
    'attribute_success'
]


def _as_boxes(boxes) -> np.ndarray:
    """(N, 4) array-like -> (N, 4) float64 (exact for float32 inputs)."""
    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f'expected (N, 4) boxes, got shape {boxes.shape}')
    return boxes


def valid_gt_mask(gt) -> np.ndarray:
    """Frames whose gt box is present.

    Args:
        gt: (N, 4) xyxy.

    Returns:
        (N,) bool: all four coordinates finite and width, height > 0.
    """
    gt = _as_boxes(gt)
    with np.errstate(invalid='ignore'):  # NaN comparisons are False anyway
        return (np.isfinite(gt).all(axis=1) & (gt[:, 2] > gt[:, 0]) &
                (gt[:, 3] > gt[:, 1]))


def box_iou_per_frame(pred, gt) -> np.ndarray:
    """IoU of the prediction and the gt frame by frame.

    Args:
        pred: (N, 4) xyxy; a negative width/height counts as an empty box.
        gt: (N, 4) xyxy.

    Returns:
        (N,) float64 in [0, 1]; NaN where the gt is absent, 0 where the
        prediction is not finite.
    """
    pred, gt = _as_boxes(pred), _as_boxes(gt)
    if pred.shape != gt.shape:
        raise ValueError(f'pred {pred.shape} and gt {gt.shape} differ')
    valid = valid_gt_mask(gt)
    finite = np.isfinite(pred).all(axis=1)
    # zero out non-finite predictions so the arithmetic stays finite
    p = np.where(finite[:, None], pred, 0.)
    iw = np.clip(np.minimum(p[:, 2], gt[:, 2]) - np.maximum(p[:, 0], gt[:, 0]),
                 0, None)
    ih = np.clip(np.minimum(p[:, 3], gt[:, 3]) - np.maximum(p[:, 1], gt[:, 1]),
                 0, None)
    inter = iw * ih
    area_p = (np.clip(p[:, 2] - p[:, 0], 0, None) *
              np.clip(p[:, 3] - p[:, 1], 0, None))
    area_g = (gt[:, 2] - gt[:, 0]) * (gt[:, 3] - gt[:, 1])
    with np.errstate(invalid='ignore', divide='ignore'):  # absent gts only
        iou = inter / (area_p + area_g - inter)
    iou = np.where(finite, iou, 0.)
    return np.where(valid, iou, np.nan)


def _center_offset(pred, gt):
    """(N, 2) centre offsets pred - gt, NaN for absent gts, inf for
    non-finite predictions; and the (N, 2) gt width/height."""
    pred, gt = _as_boxes(pred), _as_boxes(gt)
    if pred.shape != gt.shape:
        raise ValueError(f'pred {pred.shape} and gt {gt.shape} differ')
    valid = valid_gt_mask(gt)
    finite = np.isfinite(pred).all(axis=1)
    with np.errstate(invalid='ignore'):
        offset = ((pred[:, :2] + pred[:, 2:]) - (gt[:, :2] + gt[:, 2:])) / 2
    offset = np.where(finite[:, None], offset, np.inf)
    offset = np.where(valid[:, None], offset, np.nan)
    return offset, gt[:, 2:] - gt[:, :2]


def center_error(pred, gt) -> np.ndarray:
    """Euclidean distance of the box centres, in px.

    Args:
        pred: (N, 4) xyxy.
        gt: (N, 4) xyxy.

    Returns:
        (N,) float64; NaN where the gt is absent, inf where the prediction
        is not finite.
    """
    offset, _ = _center_offset(pred, gt)
    return np.hypot(offset[:, 0], offset[:, 1])


def normalized_center_error(pred, gt) -> np.ndarray:
    """Centre distance with each axis divided by the gt's size (LaSOT).

    ``sqrt((dx / w_gt) ** 2 + (dy / h_gt) ** 2)``; pysot adds 1e-16 to the
    gt's size, which only matters for the absent boxes left out here.

    Args:
        pred: (N, 4) xyxy.
        gt: (N, 4) xyxy.

    Returns:
        (N,) float64; NaN where the gt is absent, inf where the prediction
        is not finite.
    """
    offset, wh = _center_offset(pred, gt)
    with np.errstate(invalid='ignore', divide='ignore'):  # absent gts only
        norm = offset / wh
    return np.hypot(norm[:, 0], norm[:, 1])


def _rate(hits: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(N, T) hits, (N,) valid -> (T,) fraction of the valid frames; NaN
    for every threshold when no frame is valid."""
    count = valid.sum()
    if count == 0:
        return np.full(hits.shape[1], np.nan)
    return (hits & valid[:, None]).sum(axis=0) / count


def success_curve(ious, thresholds=SUCCESS_THRESHOLDS) -> np.ndarray:
    """Fraction of frames whose IoU exceeds each threshold (strict ``>``).

    Args:
        ious: (N,) per-frame IoU, NaN for frames to leave out.
        thresholds: (T,) overlap thresholds.

    Returns:
        (T,) float64; NaN if no frame counts.
    """
    ious = np.asarray(ious, dtype=np.float64)
    valid = ~np.isnan(ious)
    with np.errstate(invalid='ignore'):
        hits = ious[:, None] > np.asarray(thresholds)[None, :]
    return _rate(hits, valid)


def success_auc(curve) -> float:
    """Success score: the mean of a success curve (OTB's "AUC").

    Args:
        curve: (T,) what :func:`success_curve` returned.

    Returns:
        The mean; NaN for a NaN curve.
    """
    return float(np.mean(curve))


def precision_curve(errors, thresholds=PRECISION_THRESHOLDS) -> np.ndarray:
    """Fraction of frames whose centre error is at most each threshold.

    Args:
        errors: (N,) per-frame (normalised) centre errors, NaN for frames
            to leave out.
        thresholds: (T,) error thresholds (px, or gt sizes for normalised
            errors: pass :data:`NORM_PRECISION_THRESHOLDS`).

    Returns:
        (T,) float64; NaN if no frame counts.
    """
    errors = np.asarray(errors, dtype=np.float64)
    valid = ~np.isnan(errors)
    with np.errstate(invalid='ignore'):
        hits = errors[:, None] <= np.asarray(thresholds)[None, :]
    return _rate(hits, valid)


def precision_score(errors, threshold: float = PRECISION_AT) -> float:
    """Precision at one threshold: OTB's precision (20 px) by default;
    ``threshold=NORM_PRECISION_AT`` on normalised errors gives LaSOT's
    normalised precision.

    Args:
        errors: (N,) per-frame centre errors, NaN for frames to leave out.
        threshold: the error threshold.

    Returns:
        The fraction of frames with error ``<=`` threshold; NaN if none
        counts.
    """
    return float(precision_curve(errors, np.array([threshold]))[0])


def sequence_ope(pred, gt,
                 include_init_frame: bool = True) -> Dict[str, object]:
    """All OPE figures of one sequence.

    Args:
        pred: (N, 4) xyxy predictions; frame 0 is the init box.
        gt: (N, 4) xyxy ground truth.
        include_init_frame: count frame 0, as OTB and pysot do.

    Returns:
        dict with ``num_frames`` (frames that count: gt present, frame 0
        unless excluded), ``success`` (AUC), ``precision`` (at 20 px),
        ``norm_precision`` (at 0.2) as floats, and the curves
        ``success_curve`` (21,), ``precision_curve`` (51,),
        ``norm_precision_curve`` (51,) as float64 arrays, on
        :data:`SUCCESS_THRESHOLDS`, :data:`PRECISION_THRESHOLDS` and
        :data:`NORM_PRECISION_THRESHOLDS`.
    """
    pred, gt = _as_boxes(pred), _as_boxes(gt)
    if not include_init_frame:
        pred, gt = pred[1:], gt[1:]
    ious = box_iou_per_frame(pred, gt)
    succ = success_curve(ious)
    prec = precision_curve(center_error(pred, gt))
    norm = precision_curve(normalized_center_error(pred, gt),
                           NORM_PRECISION_THRESHOLDS)
    return dict(
        num_frames=int((~np.isnan(ious)).sum()),
        success=success_auc(succ),
        # the curves hold these thresholds exactly (index 20 of each)
        precision=float(prec[PRECISION_THRESHOLDS == PRECISION_AT][0]),
        norm_precision=float(
            norm[NORM_PRECISION_THRESHOLDS == NORM_PRECISION_AT][0]),
        success_curve=succ,
        precision_curve=prec,
        norm_precision_curve=norm)


def attribute_success(
        ious_per_sequence: Sequence,
        flags_per_sequence: Sequence[Mapping[str, object]],
        include_init_frame: bool = True
) -> Tuple[Dict[str, float], Dict[str, int]]:
    """Success AUC over the frames that carry each attribute (OTB's
    per-attribute plots, with per-frame flags).

    The flagged frames of all S sequences are pooled into one success
    curve, so every frame weighs the same and a long sequence counts more
    than a short one; this differs from the overall score (the mean of the
    sequences' AUCs), which a pooled curve equals only when the sequences
    count the same number of frames. As everywhere here, frames whose gt is
    absent (NaN IoU) are left out, and frame 0 counts unless
    ``include_init_frame`` is False. A sequence without an attribute's
    flags has no frame flagged with it.

    Args:
        ious_per_sequence: S per-frame IoU arrays, each (N_s,) over the
            whole sequence (what :func:`box_iou_per_frame` returns: NaN
            where the gt is absent).
        flags_per_sequence: S dicts attribute name -> (N_s,) bools (any
            names; a sequence may have none).
        include_init_frame: count frame 0, as OTB and pysot do.

    Returns:
        ``(success, num_frames)``: attribute name -> the success AUC of its
        frames (NaN when no flagged frame has a gt), and attribute name ->
        the number of those frames (0 then); both keyed by every name in
        ``flags_per_sequence``, sorted.

    Raises:
        ValueError: If the two sequences differ in length, or a flag array
            is not (N_s,).
    """
    if len(ious_per_sequence) != len(flags_per_sequence):
        raise ValueError(f'{len(ious_per_sequence)} IoU arrays but '
                         f'{len(flags_per_sequence)} flag dicts')
    start = 0 if include_init_frame else 1
    pooled: Dict[str, list] = {}
    for s, (ious, flags) in enumerate(zip(ious_per_sequence,
                                          flags_per_sequence)):
        ious = np.asarray(ious, dtype=np.float64)
        for name, flag in flags.items():
            flag = np.asarray(flag, dtype=bool)
            if flag.shape != ious.shape:
                raise ValueError(f'sequence {s}: attribute {name!r} has '
                                 f'flags of shape {flag.shape}, its IoUs '
                                 f'{ious.shape}')
            # NaN IoUs (absent gts) stay in and success_curve drops them
            pooled.setdefault(name, []).append(ious[start:][flag[start:]])
    success, num_frames = {}, {}
    for name in sorted(pooled):
        ious = np.concatenate(pooled[name])
        num_frames[name] = int((~np.isnan(ious)).sum())
        # success_curve is NaN when no frame counts, and so is its mean
        success[name] = success_auc(success_curve(ious))
    return success, num_frames
