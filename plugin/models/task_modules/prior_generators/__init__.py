from .anchor_flags import batch_anchor_flags
from .siamrpn_anchor_generator import SiamRPNAnchorGenerator

__all__ = ['batch_anchor_flags', 'SiamRPNAnchorGenerator']
