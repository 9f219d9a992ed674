from .autoassign_assigner import AutoAssignAssigner
from .batch_iou import batch_overlaps
from .center_prior import CenterPrior
from .max_iou_assigner import AnchorAssignment, BatchMaxIoUAssigner

__all__ = [
    'AutoAssignAssigner', 'CenterPrior', 'AnchorAssignment',
    'BatchMaxIoUAssigner', 'batch_overlaps'
]
