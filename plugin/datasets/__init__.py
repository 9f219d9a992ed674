"""Datasets shipped with `plugin`: a synthetic shapes dataset for demos/tests,
tracking videos rendered with the same renderer, and the tracker's pipeline
transforms.

The check of a config's datasets before a run (shapes generated on first
use, COCO files replayed against mmdet's CocoDataset) is the subpackage
:mod:`plugin.datasets.check`.
"""
from . import transforms  # noqa: F401 (registers the pipeline transforms)
from .per_sample_seed_dataset import PerSampleSeedDataset
from .per_sample_seed_sampler import PerSampleSeedSampler
from .sequences import (AnnotationsJsonReader, GOT10kReader, LaSOTReader,
                        OTBReader, SequenceReader, TrackingNetReader,
                        VOTReader)
from .shapes import (SHAPES_CLASSES, SHAPES_METAINFO, SHAPES_PALETTE,
                     ShapeSpec, draw_shape, ensure_shapes_dataset,
                     generate_image, make_shapes_dataset, render_background,
                     sample_shape)
from .shapes_tracking import (ensure_shapes_tracking, generate_sequence,
                              make_shapes_tracking)
from .tracking_dataset import TrackingSequenceDataset
from .video_pair_dataset import SiamVideoPairDataset

__all__ = [
    'SHAPES_CLASSES', 'SHAPES_PALETTE', 'SHAPES_METAINFO', 'ShapeSpec',
    'draw_shape', 'sample_shape', 'render_background', 'generate_image',
    'make_shapes_dataset', 'ensure_shapes_dataset', 'generate_sequence',
    'make_shapes_tracking', 'ensure_shapes_tracking',
    'TrackingSequenceDataset', 'SiamVideoPairDataset', 'SequenceReader',
    'AnnotationsJsonReader', 'GOT10kReader', 'LaSOTReader',
    'TrackingNetReader', 'OTBReader', 'VOTReader', 'PerSampleSeedDataset',
    'PerSampleSeedSampler'
]
