from .assigners import (AnchorAssignment, AutoAssignAssigner,
                        BatchMaxIoUAssigner, CenterPrior, batch_overlaps)
from .prior_generators import SiamRPNAnchorGenerator, batch_anchor_flags
from .samplers import (AnchorSamples, BatchPseudoSampler, BatchRandomSampler,
                       SiamRPNSampler)
from .targets import CenterNetTarget, CenterNetTargets

__all__ = [
    'AnchorAssignment', 'AutoAssignAssigner', 'BatchMaxIoUAssigner',
    'CenterPrior', 'batch_overlaps', 'batch_anchor_flags', 'AnchorSamples',
    'BatchPseudoSampler', 'BatchRandomSampler', 'SiamRPNSampler',
    'CenterNetTarget', 'CenterNetTargets', 'SiamRPNAnchorGenerator'
]
