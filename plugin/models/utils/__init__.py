from .batch_gt import BatchGT, check_batch_gt, stack_batch_gt
from .ddp import connected_zero, mean_over_ranks
from .host import host_tensor
from .levels import levels_to_batch
from .precision import fp32_no_autocast

__all__ = [
    'BatchGT', 'check_batch_gt', 'stack_batch_gt', 'connected_zero',
    'mean_over_ranks', 'host_tensor', 'levels_to_batch', 'fp32_no_autocast'
]
