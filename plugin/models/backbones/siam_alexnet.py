"""pysot's AlexNet (``pysot/models/backbone/alexnet.py``: ``AlexNet`` and
``AlexNetLegacy``, the same network under two key layouts), for pysot's
SiamRPN checkpoints (``siamrpn_alex_dwxcorr`` and the up-channel SiamRPN).

Shapes: B images, (H, W) input, C = ``int(256 * width_mult)`` output
channels; no conv is padded, so a side T = 8 n + 7 gives (T - 87) / 8 + 1
cells (stride 8): 127 -> 6, 255 -> 22, 287 -> 26.

Five stages, each a conv (no padding, with bias) and BatchNorm:

* layer1: 11 x 11 stride 2, 3 x 3 stride-2 max pool, ReLU;
* layer2: 5 x 5, 3 x 3 stride-2 max pool, ReLU;
* layer3, layer4: 3 x 3, ReLU;
* layer5: 3 x 3, no ReLU (the head's convs follow).

Module names are pysot's ``AlexNet``'s (``layer1.0`` the first conv,
``layer1.1`` its BatchNorm, ...); ``AlexNetLegacy``'s ``features.N``
keys map onto them (``tools/convert_pysot.py``). Output cell i of layer
5 is centred on input pixel 8 i + 43.5 (continuous coordinates): the
centre cell of an odd-sided input's map faces the input's centre.
"""
from typing import Tuple

from mmengine.model import BaseModule
from torch import Tensor, nn

from plugin.registry import MODELS

# pysot's AlexNet.configs: input channels, then the 5 convs' outputs (the
# original AlexNet's widths, before ``width_mult``)
ALEXNET_CHANNELS = (3, 96, 256, 384, 384, 256)
# per stage: (kernel size, stride) of its conv, whether a 3 x 3 stride-2
# max pool follows the BatchNorm, whether a ReLU ends it
_STAGES = ((11, 2, True, True), (5, 1, True, True), (3, 1, False, True),
           (3, 1, False, True), (3, 1, False, False))


@MODELS.register_module()
class SiamAlexNet(BaseModule):
    """pysot's AlexNet (stride 8, no padding).

    Args:
        width_mult (float): scales every width but the input's, truncated
            as pysot does (``int(c * width_mult)``): 1.0 for pysot's
            released models.
        init_cfg (dict, optional): mmengine's initialisation (default:
            PyTorch's own, as pysot's).
    """

    def __init__(self, width_mult: float = 1.0, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        channels = [3] + [int(c * width_mult) for c in ALEXNET_CHANNELS[1:]]
        if min(channels) < 1:
            raise ValueError(f'width_mult {width_mult} leaves a layer with no '
                             f'channels: {channels}')
        self.out_channels = channels[-1]
        for i, (kernel, stride, pool, relu) in enumerate(_STAGES):
            layers = [nn.Conv2d(channels[i], channels[i + 1], kernel, stride),
                      nn.BatchNorm2d(channels[i + 1])]
            if pool:
                layers.append(nn.MaxPool2d(kernel_size=3, stride=2))
            if relu:
                layers.append(nn.ReLU(inplace=True))
            self.add_module(f'layer{i + 1}', nn.Sequential(*layers))

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """(B, 3, H, W) -> ((B, C, h, w), ): one level."""
        for i in range(len(_STAGES)):
            x = getattr(self, f'layer{i + 1}')(x)
        return (x, )
