from .siam_alexnet import SiamAlexNet
from .siam_convnet import SiamConvNet
from .siam_resnet import SiamResNet

__all__ = ['SiamAlexNet', 'SiamConvNet', 'SiamResNet']
