from .anchor_flags import batch_anchor_flags

__all__ = ['batch_anchor_flags']
