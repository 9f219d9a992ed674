from .siam_adjust import SiamAdjust

__all__ = ['SiamAdjust']
