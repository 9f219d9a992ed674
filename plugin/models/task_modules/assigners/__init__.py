from .autoassign_assigner import AutoAssignAssigner
from .center_prior import CenterPrior

__all__ = ['AutoAssignAssigner', 'CenterPrior']
