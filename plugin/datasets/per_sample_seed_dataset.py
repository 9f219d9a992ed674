"""Random draws of a training item that depend on the item alone: the seed,
the epoch and its index, not on the process, the worker or the items drawn
before it.

Shapes: none (items are whatever the wrapped dataset returns).

A dataset or pipeline that draws from the global generators (numpy's
``np.random``, Python's ``random``, torch's CPU generator, as mmdet's and
this package's transforms do) gives item ``i`` the draws that happen to
follow the previous items' in the same process. Those change with the
number of processes (under DDP rank ``r`` loads every ``world_size``-th
item), with the data loader's workers and with the batch size, so two such
runs see different data even when they see the same indices.
:class:`PerSampleSeedSampler` yields the key ``(seed, epoch, index)``
instead of the index, and :class:`PerSampleSeedDataset` loads the item
with the three generators seeded from that key, then puts the process's
generators back as they were: item ``i`` of epoch ``e`` is the same pair,
crop and augmentation whichever process, worker or batch loads it, and a
new one every epoch (the key holds the epoch, which
``DistSamplerSeedHook`` sets). Used in pairs::

    train_dataloader = dict(
        sampler=dict(type='plugin.PerSampleSeedSampler', shuffle=True),
        dataset=dict(type='plugin.PerSampleSeedDataset', dataset=...))

It costs a seeding and two state swaps an item: 0.17 ms on the 2-core
CPU, small beside reading and cropping two frames.
Draws made outside the dataset (the model's, e.g. a head's anchor
sampler) are not affected.
"""
import random
from typing import Tuple, Union

import numpy as np
import torch

from plugin.registry import DATASETS

__all__ = ['PerSampleSeedDataset', 'Key', 'seeds_of']

Key = Tuple[int, int, int]


def seeds_of(key: Key) -> Tuple[int, int, int]:
    """Three independent seeds (numpy, Python, torch) from ``(seed, epoch,
    index)``, through numpy's ``SeedSequence`` (hashes the key, so that
    neighbouring keys give unrelated streams)."""
    w = [int(x) for x in np.random.SeedSequence(
        [int(k) for k in key]).generate_state(5, np.uint32)]
    # numpy's legacy seed takes 32 bits; Python's and torch's take 64
    return w[0], w[1] << 32 | w[2], w[3] << 32 | w[4]


@DATASETS.register_module()
class PerSampleSeedDataset:
    """Load each item of ``dataset`` with the global generators seeded from
    its key (see the module docstring).

    Args:
        dataset (dict | Dataset): the wrapped dataset or its config.
        lazy_init (bool): do not load the wrapped dataset's annotations yet
            (mmengine's wrappers' argument).

    ``dataset[(seed, epoch, index)]`` is item ``index`` drawn under that key;
    ``dataset[index]`` (an int, as any other sampler or a browsing tool
    gives) is item ``index`` drawn from the global generators as they are,
    as the wrapped dataset would.
    """

    def __init__(self, dataset, lazy_init: bool = False) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset,
                                                             dict) else dataset
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def full_init(self) -> None:
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(idx)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key: Union[int, Key]):
        if not isinstance(key, tuple):
            return self.dataset[key]
        if len(key) != 3:
            raise TypeError('PerSampleSeedDataset takes an index or a (seed, '
                            f'epoch, index) key, got {key!r}')
        np_seed, py_seed, torch_seed = seeds_of(key)
        np_state = np.random.get_state()
        py_state = random.getstate()
        torch_state = torch.get_rng_state()
        try:
            np.random.seed(np_seed)
            random.seed(py_seed)
            # the CPU generator only: torch.manual_seed would reseed CUDA's
            torch.default_generator.manual_seed(torch_seed)
            return self.dataset[key[2]]
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)
            torch.set_rng_state(torch_state)
