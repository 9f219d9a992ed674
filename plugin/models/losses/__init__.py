from .autoassign_loss import autoassign_neg_loss, autoassign_pos_loss

__all__ = ['autoassign_neg_loss', 'autoassign_pos_loss']
