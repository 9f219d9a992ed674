from .autoassign_loss import autoassign_confidences, autoassign_pos_loss
from .pairwise_giou import pairwise_giou

__all__ = ['autoassign_confidences', 'autoassign_pos_loss', 'pairwise_giou']
