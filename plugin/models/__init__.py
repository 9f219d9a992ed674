"""Models of the ``plugin`` scope; importing this registers them."""
from .dense_heads import AutoAssignHead, CenterNetHead
from .task_modules import AutoAssignAssigner, CenterNetTarget, CenterPrior

__all__ = [
    'AutoAssignHead', 'CenterNetHead', 'AutoAssignAssigner',
    'CenterNetTarget', 'CenterPrior'
]
