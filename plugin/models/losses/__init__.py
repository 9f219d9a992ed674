from .autoassign_loss import (autoassign_confidences,
                              autoassign_pair_confidences,
                              autoassign_pair_pos_loss,
                              autoassign_pair_pos_weights, autoassign_pos_loss,
                              autoassign_pos_weights)
from .fused import (AVG_EPS, elementwise_loss, is_fused,
                    weighted_mean_loss)
from .gaussian_focal_loss import gaussian_focal_loss_sum
from .pairwise_giou import pairwise_giou

__all__ = [
    'autoassign_confidences', 'autoassign_pos_loss', 'autoassign_pos_weights',
    'autoassign_pair_confidences', 'autoassign_pair_pos_loss',
    'autoassign_pair_pos_weights',
    'AVG_EPS', 'elementwise_loss', 'is_fused', 'weighted_mean_loss',
    'gaussian_focal_loss_sum', 'pairwise_giou'
]
