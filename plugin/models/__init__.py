"""Models of the ``plugin`` scope; importing this registers them."""
from .backbones import SiamAlexNet, SiamConvNet, SiamResNet
from .data_preprocessors import SiamDataPreprocessor
from .dense_heads import (AutoAssignHead, CenterNetHead, RPNHead,
                          SiameseRPNHead)
from .necks import SiamAdjust
from .task_modules import (AutoAssignAssigner, BatchMaxIoUAssigner,
                           BatchPseudoSampler, BatchRandomSampler,
                           CenterNetTarget, CenterPrior,
                           SiamRPNAnchorGenerator, SiamRPNSampler)
from .trackers import PysotCropTracker, SiamRPN, SiamRPNTracker

__all__ = [
    'AutoAssignHead', 'CenterNetHead', 'RPNHead', 'SiameseRPNHead',
    'AutoAssignAssigner', 'BatchMaxIoUAssigner', 'BatchPseudoSampler',
    'BatchRandomSampler', 'CenterNetTarget', 'CenterPrior',
    'SiamRPNAnchorGenerator', 'SiamRPNSampler', 'SiamAlexNet', 'SiamConvNet',
    'SiamResNet', 'SiamAdjust', 'SiamDataPreprocessor', 'SiamRPN',
    'SiamRPNTracker', 'PysotCropTracker'
]
