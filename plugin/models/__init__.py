"""Models of the ``plugin`` scope; importing this registers them."""
from .dense_heads import AutoAssignHead, CenterNetHead, RPNHead
from .task_modules import (AutoAssignAssigner, BatchMaxIoUAssigner,
                           BatchPseudoSampler, BatchRandomSampler,
                           CenterNetTarget, CenterPrior, SiamRPNSampler)

__all__ = [
    'AutoAssignHead', 'CenterNetHead', 'RPNHead', 'AutoAssignAssigner',
    'BatchMaxIoUAssigner', 'BatchPseudoSampler', 'BatchRandomSampler',
    'CenterNetTarget', 'CenterPrior', 'SiamRPNSampler'
]
