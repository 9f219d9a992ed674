"""Readers of the standard tracking layouts (and of the project's own
``annotations.json``) into sequence records, for the sequence datasets'
``reader`` argument; one layout per file (see :mod:`.base` for the record).
"""
from .annotations_json import AnnotationsJsonReader
from .base import SequenceReader
from .got10k import GOT10kReader, export_got10k
from .lasot import LaSOTReader
from .otb import OTBReader
from .trackingnet import TrackingNetReader
from .vot import VOTReader, polygon_to_box

__all__ = [
    'SequenceReader', 'AnnotationsJsonReader', 'GOT10kReader', 'LaSOTReader',
    'TrackingNetReader', 'OTBReader', 'VOTReader', 'polygon_to_box',
    'export_got10k'
]
