from .batch_gt import BatchGT, stack_batch_gt

__all__ = ['BatchGT', 'stack_batch_gt']
