"""What a dataset check found, and what a run does with it.

:class:`CocoCheckReport` holds one annotation file's errors, warnings and
figures (filled by :mod:`plugin.datasets.check.coco`);
:func:`enforce_reports` logs the reports and raises
:class:`DatasetCheckError` when any has an error, before a runner is built.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence

from mmengine.logging import print_log

__all__ = ['DatasetCheckError', 'CocoCheckReport', 'enforce_reports']


class DatasetCheckError(ValueError):
    """A dataset would make training crash or meaningless."""


@dataclass
class CocoCheckReport:
    """What :func:`~plugin.datasets.check.coco.check_coco_file` found in one
    annotation file.

    Attributes:
        path: The annotation file.
        name: Who uses it, e.g. ``'train_dataloader'``; several names joined
            by ``' + '`` when datasets share the file and settings.
        settings: How it is used (dataset type, classes, filter), one line.
        errors: Problems that make training crash or meaningless.
        warnings: Data mmdet drops or alters, or suspicious statistics.
        counts: Per-problem counts (annotations, images or categories), 0 for
            problems checked and not found.
        stats: ``images``, ``annotations``, ``categories``, ``classes``,
            ``classes_matched``, ``boxes_kept`` (of a class, iscrowd
            included), ``crowd_kept``, ``images_kept`` (after filter_cfg),
            ``images_without_gt``, ``empty_fraction`` (of the kept images;
            NaN when none is kept), ``files_checked``, ``files_scope``,
            ``files_missing``: those computed before the check stopped.
        seconds: Time the check took, json.load included.
    """

    path: str
    name: str = ''
    settings: str = ''
    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    counts: Dict[str, int] = field(default_factory=dict)
    stats: Dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def summary(self) -> str:
        """One line: file, verdict and the main figures."""
        verdict = (f'{len(self.errors)} error(s)' if self.errors else 'OK')
        if self.warnings:
            verdict += f', {len(self.warnings)} warning(s)'
        figures = []
        s = self.stats
        if 'images' in s:
            figures.append(f'{s["images"]} images')
        if 'boxes_kept' in s:
            figures.append(f'{s["boxes_kept"]} boxes kept')
        if s.get('images_kept'):
            figures.append(f'{s["empty_fraction"]:.1%} without gt')
        prefix = f'{self.name}: ' if self.name else ''
        return (f'{prefix}{self.path}: {verdict} '
                f'({", ".join(figures + [f"{self.seconds:.2f} s"])})')

    def format(self) -> str:
        """The full report: summary, figures, then errors and warnings."""
        lines = [self.summary()]
        if self.settings:
            lines.append(f'  {self.settings}')
        s = self.stats
        if 'annotations' in s:
            line = (f'  file: {s["images"]} images, {s["annotations"]} '
                    f'annotations, {s.get("categories", 0)} categories')
            if 'classes_matched' in s:
                line += (f'; {s["classes_matched"]} of {s["classes"]} '
                         f'classes matched')
            lines.append(line)
        if 'images_kept' in s:
            empty = (f', {s["images_without_gt"]} '
                     f'({s["empty_fraction"]:.1%}) of them without gt'
                     if s['images_kept'] else '')
            lines.append(
                f'  mmdet keeps {s["boxes_kept"]} boxes ({s["crowd_kept"]} '
                f'iscrowd: ignore regions, not gt) and {s["images_kept"]} '
                f'images{empty}')
        if 'files_checked' in s:
            lines.append(f'  image files: {s["files_checked"]} checked '
                         f'({s["files_scope"]}), {s["files_missing"]} '
                         f'missing')
        lines += [f'  ERROR: {e}' for e in self.errors]
        lines += [f'  WARNING: {w}' for w in self.warnings]
        return '\n'.join(lines)


def _main_process() -> bool:
    """Whether this is rank 0 (all ranks check; one logs)."""
    return os.environ.get('RANK', os.environ.get('SLURM_PROCID', '0')) == '0'


def enforce_reports(reports: Sequence[CocoCheckReport]) -> None:
    """Log each report, then raise if any has errors.

    Reports with warnings are logged in full at WARNING level, clean ones
    as one INFO line, through mmengine's current logger (the runner's once
    it exists, else mmengine's default console logger).

    Args:
        reports: From :mod:`plugin.datasets.check.coco`'s
            ``check_coco_file`` or ``check_coco_json``.

    Raises:
        DatasetCheckError: Any report has an error; the message holds those
            reports in full.
    """
    failed = [r for r in reports if r.errors]
    if _main_process():
        for report in reports:
            if report.errors:
                continue  # in the exception's message
            if report.warnings:
                print_log(
                    'dataset check:\n' + report.format(),
                    logger='current',
                    level=logging.WARNING)
            else:
                print_log(
                    f'dataset check: {report.summary()}',
                    logger='current',
                    level=logging.INFO)
    if failed:
        raise DatasetCheckError(
            'dataset check failed before training:\n' +
            '\n'.join(r.format() for r in failed) +
            '\n(`python tools/check_dataset.py CONFIG` prints these '
            'reports; the config key dataset_check=dict(enabled=False) '
            'skips the check)')
