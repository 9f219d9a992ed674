"""Models of the ``plugin`` scope; importing this registers them."""
from .dense_heads import AutoAssignHead
from .task_modules import AutoAssignAssigner, CenterPrior

__all__ = ['AutoAssignHead', 'AutoAssignAssigner', 'CenterPrior']
