from .autoassign_head import AutoAssignHead
from .centernet_head import CenterNetHead
from .rpn_head import RPNHead
from .siamese_rpn_head import SiameseRPNHead

__all__ = ['AutoAssignHead', 'CenterNetHead', 'RPNHead', 'SiameseRPNHead']
