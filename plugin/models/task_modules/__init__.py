from .assigners import AutoAssignAssigner, CenterPrior

__all__ = ['AutoAssignAssigner', 'CenterPrior']
