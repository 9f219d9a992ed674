"""plugin.PerSampleSeedDataset / PerSampleSeedSampler: an item's draws are
a function of (seed, epoch, index) alone."""
import random

import numpy as np
import torch
from mmdet.registry import DATA_SAMPLERS, DATASETS
from mmengine.dataset import DefaultSampler

from plugin.datasets import PerSampleSeedDataset, PerSampleSeedSampler


class Draws:
    """Item i: one draw from each global generator."""
    metainfo = dict(classes=('x', ))

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return (i, float(np.random.random()), random.random(),
                float(torch.rand(())))


def test_item_depends_on_its_key_only():
    ds = PerSampleSeedDataset(Draws())
    first = ds[(0, 1, 3)]
    # other items loaded before it, in another order: the same draws
    for key in [(0, 1, 5), (0, 0, 3), (0, 1, 2)]:
        ds[key]
    assert ds[(0, 1, 3)] == first
    assert first[0] == 3
    # another epoch, seed or index: other draws, from each generator
    for key in [(0, 2, 3), (1, 1, 3), (0, 1, 4)]:
        other = ds[key]
        assert all(a != b for a, b in zip(other[1:], first[1:])), key


def test_global_generators_put_back():
    ds = PerSampleSeedDataset(Draws())
    np.random.seed(7)
    random.seed(7)
    torch.manual_seed(7)
    expected = Draws()[0][1:]
    np.random.seed(7)
    random.seed(7)
    torch.manual_seed(7)
    ds[(0, 0, 1)]
    assert Draws()[0][1:] == expected


def test_int_index_draws_from_the_global_generators():
    ds = PerSampleSeedDataset(Draws())
    np.random.seed(3)
    random.seed(3)
    torch.manual_seed(3)
    a = ds[2]
    np.random.seed(3)
    random.seed(3)
    torch.manual_seed(3)
    assert Draws()[2] == a
    assert len(ds) == 6 and ds.metainfo == Draws.metainfo


def test_sampler_keys_follow_default_sampler():
    base = DefaultSampler(Draws(), shuffle=True, seed=5)
    keyed = PerSampleSeedSampler(Draws(), shuffle=True, seed=5)
    for epoch in (0, 3):
        base.set_epoch(epoch)
        keyed.set_epoch(epoch)
        assert list(keyed) == [(5, epoch, i) for i in base]


def test_registered_in_plugin_scope():
    # from mmdet's registries, as a runner with mmdet's default scope builds
    sampler = DATA_SAMPLERS.build(
        dict(type='plugin.PerSampleSeedSampler', seed=0),
        default_args=dict(dataset=Draws()))
    ds = DATASETS.build(dict(type='plugin.PerSampleSeedDataset',
                             dataset=Draws()))
    for obj in (sampler, ds):
        assert type(obj).__module__.startswith('plugin.')
