from .siam_convnet import SiamConvNet

__all__ = ['SiamConvNet']
