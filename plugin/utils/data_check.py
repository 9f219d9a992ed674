"""Make sure a config's datasets exist before a run starts.

Shapes configs name the synthetic dataset they train on in a top-level
``shapes_dataset = dict(out_dir=..., ...)``; it is generated on first use.
For anything else a missing annotation file stops the run with a message
that says what is missing and how to train offline instead.
"""
import os.path as osp
from typing import Iterator

from mmengine.config import Config, ConfigDict

OFFLINE_HINT = ('No internet is needed for the synthetic shapes dataset: '
                'train with a config from configs/shapes/ (e.g. '
                'configs/shapes/autoassign_shapes.py), which generates it '
                'under data/shapes/ on first use.')


def _dataset_cfgs(cfg: Config) -> Iterator[ConfigDict]:
    """Dataset configs of the train/val/test loaders, wrappers unwrapped."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if not loader:
            continue
        dataset = loader.get('dataset')
        while dataset is not None and 'dataset' in dataset:
            dataset = dataset['dataset']  # RepeatDataset, ClassBalanced...
        if dataset is not None:
            yield dataset


def prepare_datasets(cfg: Config) -> None:
    """Generate the shapes dataset if the config uses it, else check paths.

    Args:
        cfg: a full training or testing config.

    Raises:
        FileNotFoundError: an annotation file of a non-synthetic dataset is
            missing (e.g. COCO not downloaded), with the offline alternative.
    """
    shapes = cfg.get('shapes_dataset')
    if shapes is not None:
        from plugin.datasets import ensure_shapes_dataset
        ensure_shapes_dataset(**shapes)
    for dataset in _dataset_cfgs(cfg):
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
