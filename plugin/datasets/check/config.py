"""Make sure a config's datasets exist, and make sense, before a run starts.

Shapes configs name the synthetic dataset they train on in a top-level
``shapes_dataset = dict(out_dir=..., ...)``, and tracking configs their
synthetic videos in ``shapes_tracking = dict(out_dir=..., ...)``
(:func:`~plugin.datasets.shapes_tracking.make_shapes_tracking`'s
arguments); both are generated on first use.
For anything else a missing annotation file stops the run with a message
that says what is missing and how to train offline instead.

Then every COCO annotation file that a train/val/test loader reads is checked
once against what mmdet's ``CocoDataset`` will make of it
(:mod:`plugin.datasets.check.coco`): errors stop the run before the runner is
built, warnings are logged. The evaluators' ``ann_file`` gets a light check
(readable COCO JSON). The optional top-level config key::

    dataset_check = dict(
        enabled=True,      # False skips the COCO checks
        all_images=False)  # True checks every image file, not 100 of them

is also settable per run: ``--cfg-options dataset_check.enabled=False``.
``tools/check_dataset.py CONFIG`` prints the same reports.
"""
import os.path as osp
from typing import Dict, Iterator, List, Optional, Tuple

from mmdet.datasets import CocoDataset
from mmdet.datasets.api_wrappers import COCO
from mmdet.evaluation import CocoMetric
from mmdet.registry import DATASETS, METRICS
from mmengine.config import Config, ConfigDict

from ..shapes import ensure_shapes_dataset
from ..shapes_tracking import ensure_shapes_tracking
from .coco import check_coco_file, check_coco_json
from .report import CocoCheckReport, enforce_reports

OFFLINE_HINT = ('No internet is needed for the synthetic shapes dataset: '
                'train with a config from configs/shapes/ (e.g. '
                'configs/shapes/autoassign_shapes.py), which generates it '
                'under data/shapes/ on first use.')

# The loaders whose datasets are checked; a dataset is "read by a training
# loop" (no usable box is then an error) when it is the first one's.
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# Evaluators whose CocoMetric ann_file (its gt, read at build time) gets the
# light check when no loader's dataset reads the same file.
EVALUATORS = ('val_evaluator', 'test_evaluator')


def leaf_dataset_cfgs(dataset: ConfigDict) -> Iterator[ConfigDict]:
    """The leaf datasets of a dataset config: RepeatDataset,
    ClassBalancedDataset, MultiImageMixDataset (``dataset``) and
    ConcatDataset (``datasets``) unwrapped."""
    if 'datasets' in dataset:
        for inner in dataset['datasets']:
            yield from leaf_dataset_cfgs(inner)
    elif 'dataset' in dataset:
        yield from leaf_dataset_cfgs(dataset['dataset'])
    else:
        yield dataset


def _dataset_cfgs(cfg: Config) -> Iterator[Tuple[str, ConfigDict]]:
    """(loader key, dataset config) of the train/val/test loaders, wrappers
    unwrapped."""
    for key in LOADERS:
        loader = cfg.get(key)
        if not loader or loader.get('dataset') is None:
            continue
        for dataset in leaf_dataset_cfgs(loader['dataset']):
            yield key, dataset


def _coco_class(dataset: ConfigDict) -> Optional[type]:
    """The dataset's class if it reads its file as ``CocoDataset`` does.

    The check replays CocoDataset's load_data_list, parse_data_info and
    filter_data; subclasses that override them (LVIS, panoptic, Objects365,
    Cityscapes' filter) read files differently and are left alone.
    """
    cls = dataset.get('type')
    if isinstance(cls, str):
        cls = DATASETS.get(cls)
    if not isinstance(cls, type) or not issubclass(cls, CocoDataset):
        return None
    same = all(
        getattr(cls, name) is getattr(CocoDataset, name)
        for name in ('load_data_list', 'parse_data_info', 'filter_data'))
    return cls if same and cls.COCOAPI is COCO else None


def _classes(dataset: ConfigDict, cls: type) -> Tuple[str, ...]:
    """``metainfo['classes']`` as the dataset will have it: the config's
    ``metainfo``, else the class's ``METAINFO``."""
    metainfo = dataset.get('metainfo')
    classes = metainfo.get('classes') if isinstance(metainfo, dict) else None
    if classes is None:
        classes = cls.METAINFO.get('classes', ())
    return (classes, ) if isinstance(classes, str) else tuple(classes)


def _check_dataset(key: str, dataset: ConfigDict, cls: type,
                   all_images: bool, done: Dict[tuple, CocoCheckReport],
                   reports: List[CocoCheckReport]) -> None:
    """Check one dataset's file, unless ``done`` has it with the same
    settings (then only its report's name grows)."""
    root = dataset.get('data_root') or ''
    path = osp.join(root, dataset['ann_file'])
    prefix = dataset.get('data_prefix') or {}
    # CocoDataset joins data_prefix['img'] with each file_name (KeyError
    # without it; BaseDataset's default data_prefix has img_path only).
    img_prefix = osp.join(root, prefix['img']) if 'img' in prefix else None
    test_mode = bool(dataset.get('test_mode', False))
    # filter_data does nothing in test mode
    filter_cfg = None if test_mode else dataset.get('filter_cfg')
    classes = _classes(dataset, cls)
    training = key == LOADERS[0]
    cache_key = (osp.abspath(path), classes, img_prefix, test_mode,
                 tuple(sorted((filter_cfg or {}).items())), training)
    name = f'{key} ({cls.__name__})'
    if cache_key in done:
        done[cache_key].name += f' + {name}'
        return
    report = check_coco_file(
        path,
        classes,
        img_prefix=img_prefix,
        test_mode=test_mode,
        filter_cfg=filter_cfg,
        training=training,
        all_images=all_images,
        name=name)
    if img_prefix is None:
        report.errors.append(
            f"data_prefix has no 'img' ({dict(prefix)}): "
            f"CocoDataset reads data_prefix['img'] for every image")
    done[cache_key] = report
    reports.append(report)


def check_datasets(cfg: Config,
                   all_images: Optional[bool] = None
                   ) -> List[CocoCheckReport]:
    """Check every COCO annotation file the config reads, each file once.

    Args:
        cfg: A full config.
        all_images: Check every image file; None takes
            ``cfg.dataset_check.all_images`` (default False: a sample).

    Returns:
        One report per distinct (file, classes, filter settings) of the
        loaders' CocoDataset-like datasets, then one per evaluator
        ``ann_file`` that no dataset reads.
    """
    settings = cfg.get('dataset_check') or {}
    if all_images is None:
        all_images = bool(settings.get('all_images', False))
    done: Dict[tuple, CocoCheckReport] = {}
    reports: List[CocoCheckReport] = []
    for key, dataset in _dataset_cfgs(cfg):
        cls = _coco_class(dataset)
        if cls is not None and dataset.get('ann_file'):
            _check_dataset(key, dataset, cls, all_images, done, reports)
    by_path = {osp.abspath(r.path): r for r in reports}
    for key in EVALUATORS:
        evaluators = cfg.get(key) or []
        if isinstance(evaluators, dict):
            evaluators = [evaluators]
        for evaluator in evaluators:
            cls = evaluator.get('type')
            if isinstance(cls, str):
                cls = METRICS.get(cls)
            ann_file = evaluator.get('ann_file')
            if not (isinstance(cls, type) and issubclass(cls, CocoMetric)
                    and ann_file):
                continue
            path = osp.abspath(ann_file)
            if path in by_path:
                by_path[path].name += f' + {key}'
            else:
                by_path[path] = check_coco_json(ann_file, key)
                reports.append(by_path[path])
    return reports


def prepare_datasets(cfg: Config) -> None:
    """Generate the shapes dataset and tracking videos if the config uses
    them, check paths, then check the COCO annotation files (unless
    ``dataset_check.enabled`` is False).

    Args:
        cfg: a full training or testing config.

    Raises:
        FileNotFoundError: an annotation file of a non-synthetic dataset is
            missing (e.g. COCO not downloaded), with the offline alternative.
        DatasetCheckError: a COCO annotation file would make the run crash
            or meaningless (see :mod:`plugin.datasets.check.coco`).
    """
    shapes = cfg.get('shapes_dataset')
    if shapes is not None:
        ensure_shapes_dataset(**shapes)
    tracking = cfg.get('shapes_tracking')
    if tracking is not None:
        ensure_shapes_tracking(**tracking)
    for _, dataset in _dataset_cfgs(cfg):
        ann_file = dataset.get('ann_file')
        if not ann_file:
            continue
        path = osp.join(dataset.get('data_root') or '', ann_file)
        if not osp.exists(path):
            raise FileNotFoundError(
                f'Annotation file {path!r} of {dataset.get("type")} not '
                f'found. Real COCO configs expect the COCO 2017 dataset '
                f'under data/coco/ (annotations/, train2017/, val2017/). '
                f'{OFFLINE_HINT}')
    if (cfg.get('dataset_check') or {}).get('enabled', True):
        enforce_reports(check_datasets(cfg))
