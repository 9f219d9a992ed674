from .anchor_flags import batch_anchor_flags
from .anchor_grid import AnchorGrid, anchor_grid, is_grid_generator
from .siamrpn_anchor_generator import SiamRPNAnchorGenerator

__all__ = [
    'AnchorGrid', 'anchor_grid', 'batch_anchor_flags', 'is_grid_generator',
    'SiamRPNAnchorGenerator'
]
