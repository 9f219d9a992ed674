"""OPE (OTB protocol) metric for mmengine's evaluator: one data sample is one
whole sequence.

Shapes: N frames of a sequence, S sequences.

Each data sample (a ``BaseDataElement``, or the dict that mmengine's
``Evaluator`` makes of it with ``to_dict()``, which merges the metainfo and
the data fields) carries:

* ``seq_name`` (str);
* ``gt_bboxes``: (N, 4) xyxy, numpy or tensor;
* ``pred_track_bboxes``: (N, 4) xyxy, numpy or tensor, frame 0 the init box;
* ``track_time``: seconds spent tracking frames 1..N-1 (optional);
* ``attributes``: attribute name -> (N,) bool per-frame flags (optional,
  from ``PackSequenceInputs``).

The scores are pysot's (see :mod:`plugin.evaluation.ope`): the mean over
sequences of each sequence's success AUC, precision at 20 px and normalised
precision at 0.2, every sequence weighing the same whatever its length.
Each sequence's result also keeps its (N,) per-frame IoUs and its flags, so
that :meth:`OPEMetric.attribute_scores` (and the json) can give the success
AUC per attribute; the metrics returned, and so the keys logged and used to
pick checkpoints, are the same with or without flags.
"""
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement

from ..registry import METRICS
from .ope import (NORM_PRECISION_THRESHOLDS, PRECISION_THRESHOLDS,
                  SUCCESS_THRESHOLDS, attribute_success, box_iou_per_frame,
                  sequence_ope)

__all__ = ['OPEMetric']

SCORES = ('success', 'precision', 'norm_precision')
CURVES = ('success_curve', 'precision_curve', 'norm_precision_curve')


def _field(sample: Any, key: str, default: Any = None) -> Any:
    """A field of a data sample, whether a BaseDataElement or a dict."""
    if isinstance(sample, BaseDataElement):
        return sample.get(key, default)
    if key in sample:
        return sample[key]
    # a dict that kept the metainfo apart
    return sample.get('metainfo', {}).get(key, default)


def _numpy(x: Any) -> np.ndarray:
    """Tensor or array-like -> float64 numpy array."""
    if hasattr(x, 'detach'):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def jsonable(value: Any) -> Any:
    """Arrays (also inside dicts: a sequence's flags) -> lists, for json
    (the metric's ``out_file`` and ``tools/test_tracker.py``'s ope.json)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


@METRICS.register_module()
class OPEMetric(BaseMetric):
    """Success (AUC), precision and normalised precision of a tracker
    (one-pass evaluation), plus its speed.

    Args:
        include_init_frame: count frame 0 (the init box) as OTB and pysot
            do; the fps never counts it.
        out_file: if given, write a json there with the thresholds, the
            mean curves, each sequence's figures, curves, per-frame IoUs
            and flags, and (when some sequence has flags) the success AUC
            per attribute.
        per_sequence: log a table of each sequence's figures.
        collect_device: see :class:`mmengine.evaluator.BaseMetric`.
        prefix: metric name prefix; ``'ope'`` by default.
    """
    default_prefix: Optional[str] = 'ope'

    def __init__(self,
                 include_init_frame: bool = True,
                 out_file: Optional[str] = None,
                 per_sequence: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.include_init_frame = include_init_frame
        self.out_file = out_file
        self.per_sequence = per_sequence

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Score each sequence now, so only small arrays are collected.

        Args:
            data_batch: unused.
            data_samples: one per sequence, see the module docstring.
        """
        for sample in data_samples:
            gt = _numpy(_field(sample, 'gt_bboxes'))
            pred = _numpy(_field(sample, 'pred_track_bboxes'))
            track_time = _field(sample, 'track_time')
            result = sequence_ope(pred, gt, self.include_init_frame)
            result.update(
                seq_name=str(_field(sample, 'seq_name')),
                length=len(gt),
                track_time=(None if track_time is None else
                            float(track_time)),
                # all N frames, frame 0 too, so they line up with the
                # flags; attribute_scores drops frame 0 if it must
                ious=box_iou_per_frame(pred, gt))
            attributes = _field(sample, 'attributes')
            if attributes is not None:
                result['attributes'] = {
                    name: np.asarray(flags, dtype=bool)
                    for name, flags in attributes.items()
                }
            self.results.append(result)

    def attribute_scores(
        self,
        results: Optional[List[dict]] = None
    ) -> Tuple[Dict[str, float], Dict[str, int]]:
        """Success AUC per attribute over the flagged frames of all
        sequences (:func:`plugin.evaluation.ope.attribute_success`, frame 0
        counted as ``include_init_frame`` says).

        Args:
            results: what :meth:`process` stored (default:
                ``self.results``).

        Returns:
            ``(success, num_frames)``, attribute name -> AUC (NaN if no
            frame) and -> frame count; empty when no sequence has flags.
        """
        results = self.results if results is None else results
        return attribute_success([r['ious'] for r in results],
                                 [r.get('attributes', {}) for r in results],
                                 self.include_init_frame)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Average over the sequences.

        Args:
            results: what :meth:`process` stored, from every rank.

        Returns:
            dict with ``success``, ``precision``, ``norm_precision`` (means
            over the sequences that have a frame with a gt) and ``fps``
            (frames 1..N-1 of the sequences with a ``track_time``, divided
            by their total time; NaN if none or no time).
        """
        results = sorted(results, key=lambda r: r['seq_name'])
        metrics = {}
        for key in SCORES:
            values = np.array([r[key] for r in results], dtype=np.float64)
            values = values[~np.isnan(values)]
            metrics[key] = float(values.mean()) if len(values) else np.nan
        timed = [r for r in results if r['track_time'] is not None]
        frames = sum(r['length'] - 1 for r in timed)
        seconds = sum(r['track_time'] for r in timed)
        metrics['fps'] = frames / seconds if seconds > 0 else np.nan
        if self.per_sequence:
            print_log('\n' + self._table(results, metrics), logger='current')
        if self.out_file:
            self._dump(results, metrics)
        return metrics

    @staticmethod
    def _table(results: List[dict], metrics: Dict[str, float]) -> str:
        """One row per sequence and a mean row, as text."""
        width = max([len(r['seq_name']) for r in results] + [8])
        head = (f'{"sequence":<{width}} {"frames":>6} {"success":>7} '
                f'{"prec@20":>7} {"nprec":>7} {"fps":>8}')
        rows = [head, '-' * len(head)]
        for r in results:
            t = r['track_time']
            fps = (r['length'] - 1) / t if t else np.nan
            rows.append(f'{r["seq_name"]:<{width}} {r["num_frames"]:>6d} '
                        f'{r["success"]:>7.3f} {r["precision"]:>7.3f} '
                        f'{r["norm_precision"]:>7.3f} {fps:>8.1f}')
        rows.append('-' * len(head))
        total = sum(r['num_frames'] for r in results)
        rows.append(f'{"mean":<{width}} {total:>6d} '
                    f'{metrics["success"]:>7.3f} '
                    f'{metrics["precision"]:>7.3f} '
                    f'{metrics["norm_precision"]:>7.3f} '
                    f'{metrics["fps"]:>8.1f}')
        return '\n'.join(rows)

    def _dump(self, results: List[dict], metrics: Dict[str, float]) -> None:
        """Write the json; a NaN score stays json's ``NaN`` token, which
        Python's json reads back."""
        def curve_mean(key):
            curves = np.array([r[key] for r in results], dtype=np.float64)
            curves = curves[~np.isnan(curves).any(axis=1)]
            return curves.mean(axis=0).tolist() if len(curves) else None

        out = dict(
            metrics=metrics,
            include_init_frame=self.include_init_frame,
            thresholds=dict(
                success=SUCCESS_THRESHOLDS.tolist(),
                precision=PRECISION_THRESHOLDS.tolist(),
                norm_precision=NORM_PRECISION_THRESHOLDS.tolist()),
            # the curves of the mean scores (pysot plots these)
            curves={key: curve_mean(key) for key in CURVES},
            sequences=[jsonable(r) for r in results])
        if any('attributes' in r for r in results):
            success, num_frames = self.attribute_scores(results)
            out['attributes'] = dict(success=success, num_frames=num_frames)
        folder = osp.dirname(self.out_file)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(self.out_file, 'w', encoding='utf-8') as f:
            json.dump(out, f, indent=1)
