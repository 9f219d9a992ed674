from .assigners import AutoAssignAssigner, CenterPrior
from .targets import CenterNetTarget, CenterNetTargets

__all__ = [
    'AutoAssignAssigner', 'CenterPrior', 'CenterNetTarget', 'CenterNetTargets'
]
