"""mmengine's ``DefaultSampler`` yielding ``(seed, epoch, index)`` keys, for
:class:`plugin.datasets.PerSampleSeedDataset` (see its module for why).

Shapes: none.
"""
from typing import Iterator

from mmengine.dataset import DefaultSampler

from plugin.registry import DATA_SAMPLERS
from .per_sample_seed_dataset import Key

__all__ = ['PerSampleSeedSampler']


@DATA_SAMPLERS.register_module()
class PerSampleSeedSampler(DefaultSampler):
    """mmengine's ``DefaultSampler`` (same order, same split over ranks)
    yielding ``(seed, epoch, index)`` keys for
    :class:`PerSampleSeedDataset`.

    ``seed`` is the sampler's own (the config's ``randomness.seed``, or one
    shared by the ranks), so the keys are the same on every rank.
    """

    def __iter__(self) -> Iterator[Key]:
        for index in super().__iter__():
            yield (self.seed, self.epoch, index)
