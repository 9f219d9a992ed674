"""Single-object trackers: SiamRPN and its tracking loop."""
from .siamrpn import SiamRPN
from .siamrpn_tracker import SiamRPNTracker

__all__ = ['SiamRPN', 'SiamRPNTracker']
