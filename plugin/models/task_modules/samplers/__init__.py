from .anchor_samples import AnchorSamples, slot_gt_boxes
from .pseudo_sampler import BatchPseudoSampler
from .random_sampler import BatchRandomSampler
from .siamrpn_sampler import SiamRPNSampler

__all__ = [
    'AnchorSamples', 'BatchPseudoSampler', 'BatchRandomSampler',
    'SiamRPNSampler', 'slot_gt_boxes'
]
