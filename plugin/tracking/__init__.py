"""Single-object tracking: the per-frame tracker interface, baseline
trackers, the one-pass runner and loading a tracker model."""
from .base import Tracker
from .opencv_tracker import OpenCVTracker, available_kinds
from .model import init_tracker_model
from .run import run_sequence
from .static_tracker import StaticTracker

__all__ = [
    'OpenCVTracker', 'StaticTracker', 'Tracker', 'available_kinds',
    'init_tracker_model', 'run_sequence'
]
