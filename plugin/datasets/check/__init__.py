"""The check of a config's datasets that runs before every train or test.

One module per job:

* :mod:`.config`: walks a config's loaders and evaluators, generates the
  shapes dataset when a config names it, and checks each COCO file once
  (:func:`prepare_datasets`, what tools/train.py and tools/test.py run;
  :func:`check_datasets`, what tools/check_dataset.py prints);
* :mod:`.coco`: replays mmdet's ``CocoDataset`` parse and filter on one
  annotation file with numpy (:func:`check_coco_file`);
* :mod:`.report`: what a check found (:class:`CocoCheckReport`), and the
  logging or :class:`DatasetCheckError` that follows (:func:`enforce_reports`).
"""
from .coco import (EMPTY_WARN_FRACTION, SAMPLE_IMAGES, check_coco_file,
                   check_coco_json)
from .config import check_datasets, leaf_dataset_cfgs, prepare_datasets
from .report import CocoCheckReport, DatasetCheckError, enforce_reports

__all__ = [
    'prepare_datasets', 'check_datasets', 'leaf_dataset_cfgs',
    'check_coco_file', 'check_coco_json', 'SAMPLE_IMAGES',
    'EMPTY_WARN_FRACTION', 'CocoCheckReport', 'DatasetCheckError',
    'enforce_reports'
]
