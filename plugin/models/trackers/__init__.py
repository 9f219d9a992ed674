"""Single-object trackers: SiamRPN and its tracking loop."""
from .pysot_crop import PysotCropTracker, pysot_subwindow
from .siamrpn import SiamRPN
from .siamrpn_tracker import SiamRPNTracker

__all__ = ['PysotCropTracker', 'SiamRPN', 'SiamRPNTracker', 'pysot_subwindow']
