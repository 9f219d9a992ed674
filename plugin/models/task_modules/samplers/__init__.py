from .anchor_samples import AnchorSamples
from .pseudo_sampler import BatchPseudoSampler
from .random_sampler import BatchRandomSampler
from .siamrpn_sampler import SiamRPNSampler

__all__ = [
    'AnchorSamples', 'BatchPseudoSampler', 'BatchRandomSampler',
    'SiamRPNSampler'
]
