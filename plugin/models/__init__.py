"""Models of the ``plugin`` scope; importing this registers them."""
from .backbones import SiamConvNet
from .data_preprocessors import SiamDataPreprocessor
from .dense_heads import (AutoAssignHead, CenterNetHead, RPNHead,
                          SiameseRPNHead)
from .necks import SiamAdjust
from .task_modules import (AutoAssignAssigner, BatchMaxIoUAssigner,
                           BatchPseudoSampler, BatchRandomSampler,
                           CenterNetTarget, CenterPrior,
                           SiamRPNAnchorGenerator, SiamRPNSampler)
from .trackers import SiamRPN, SiamRPNTracker

__all__ = [
    'AutoAssignHead', 'CenterNetHead', 'RPNHead', 'SiameseRPNHead',
    'AutoAssignAssigner', 'BatchMaxIoUAssigner', 'BatchPseudoSampler',
    'BatchRandomSampler', 'CenterNetTarget', 'CenterPrior',
    'SiamRPNAnchorGenerator', 'SiamRPNSampler', 'SiamConvNet', 'SiamAdjust',
    'SiamDataPreprocessor', 'SiamRPN', 'SiamRPNTracker'
]
