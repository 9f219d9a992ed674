from .autoassign_loss import (autoassign_confidences, autoassign_pos_loss,
                              autoassign_pos_weights)
from .gaussian_focal_loss import gaussian_focal_loss_sum
from .pairwise_giou import pairwise_giou

__all__ = [
    'autoassign_confidences', 'autoassign_pos_loss', 'autoassign_pos_weights',
    'gaussian_focal_loss_sum', 'pairwise_giou'
]
