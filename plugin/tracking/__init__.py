"""Single-object tracking: the per-frame tracker interface, baseline
trackers and the one-pass runner."""
from .base import Tracker
from .opencv_tracker import OpenCVTracker, available_kinds
from .run import run_sequence
from .static_tracker import StaticTracker

__all__ = [
    'OpenCVTracker', 'StaticTracker', 'Tracker', 'available_kinds',
    'run_sequence'
]
