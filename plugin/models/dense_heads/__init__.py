from .autoassign_head import AutoAssignHead
from .centernet_head import CenterNetHead
from .rpn_head import RPNHead

__all__ = ['AutoAssignHead', 'CenterNetHead', 'RPNHead']
