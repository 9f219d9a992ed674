from .autoassign_head import AutoAssignHead
from .centernet_head import CenterNetHead

__all__ = ['AutoAssignHead', 'CenterNetHead']
