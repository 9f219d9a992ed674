"""Registries of the `plugin` scope.

They are children of mmdet's registries, so that

* ``type='plugin.AutoAssignHead'`` in any mmdet config (default scope
  ``mmdet``) finds our class: mmengine looks the ``plugin`` scope up among the
  children of mmdet's registry and imports ``plugin.registry`` on demand;
* inside our own modules, names without a scope (``'GIoULoss'``,
  ``'DistancePointBBoxCoder'``) still resolve to mmdet's classes through the
  parent;
* mmdet's own ``AutoAssignHead`` etc. stay usable beside ours.

``locations`` lets mmengine import the modules that register into these
registries the first time a name is looked up (lazy import).
"""
from mmdet.registry import DATA_SAMPLERS as MMDET_DATA_SAMPLERS
from mmdet.registry import DATASETS as MMDET_DATASETS
from mmdet.registry import HOOKS as MMDET_HOOKS
from mmdet.registry import METRICS as MMDET_METRICS
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.registry import TASK_UTILS as MMDET_TASK_UTILS
from mmdet.registry import TRANSFORMS as MMDET_TRANSFORMS
from mmengine.registry import Registry

MODELS = Registry(
    'model', parent=MMDET_MODELS, scope='plugin', locations=['plugin.models'])
TASK_UTILS = Registry(
    'task util',
    parent=MMDET_TASK_UTILS,
    scope='plugin',
    locations=['plugin.models'])
# the tracker's pair sampling, sequence loading and OPE metric
TRANSFORMS = Registry(
    'transform',
    parent=MMDET_TRANSFORMS,
    scope='plugin',
    locations=['plugin.datasets'])
DATASETS = Registry(
    'dataset',
    parent=MMDET_DATASETS,
    scope='plugin',
    locations=['plugin.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler',
    parent=MMDET_DATA_SAMPLERS,
    scope='plugin',
    locations=['plugin.datasets'])
METRICS = Registry(
    'metric',
    parent=MMDET_METRICS,
    scope='plugin',
    locations=['plugin.evaluation'])
# checkpoints written atomically, random states saved for an exact resume
HOOKS = Registry(
    'hook', parent=MMDET_HOOKS, scope='plugin', locations=['plugin.engine'])
# readers of the standard tracking layouts (GOT-10k, LaSOT, TrackingNet,
# OTB, VOT) for the sequence datasets' ``reader`` argument; no mmdet
# counterpart, hence no parent
SEQUENCE_READERS = Registry(
    'sequence reader', scope='plugin', locations=['plugin.datasets'])
