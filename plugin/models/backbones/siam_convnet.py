"""A small stride-8 backbone for Siamese trackers trained from scratch on a
CPU (the embedded shapes tracker).

Shapes: B images, (H, W) input, (H / 8, W / 8) output (sizes multiple of
8).

A stride-2 3 x 3 conv, two stride-2 stages of two 3 x 3 convs, then a
stage of two dilated (2) 3 x 3 convs at stride 8, each conv followed by
BatchNorm and ReLU (one conv at full-resolution/2 only: there it would
cost as much as a whole later stage). Every
conv is padded so that output cell i is centred on input pixel 8 i (a
stride-2 conv with kernel 3 and padding 1 centres cell i on pixel 2 i):
the template's and the search crop's maps share one geometry. With a
template of side T and a search crop of side T + 8 (S - 1), S odd, the
centre cell of the correlation then matches the template's centre with
the search crop's centre (see :class:`SiamRPNAnchorGenerator`;
``tests/configs/test_siamrpn_configs.py`` measures it). The dilated stage
widens the receptive field (about 100 px) without lowering the
resolution, as SiamRPN++ does with ResNet's last stages.
"""
from typing import Sequence, Tuple

from mmengine.model import BaseModule
from torch import Tensor, nn

from plugin.registry import MODELS


def _conv(in_channels: int, out_channels: int, stride: int = 1,
          dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride, padding=dilation,
                  dilation=dilation, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


@MODELS.register_module()
class SiamConvNet(BaseModule):
    """Four stages, strides 2, 4, 8, 8 (the last dilated).

    Args:
        channels (Sequence[int]): output channels of the 4 stages.
        out_indices (Sequence[int]): stages whose outputs are returned.
        init_cfg (dict, optional): mmengine's initialisation (default:
            Kaiming for the convs, as torchvision's ResNets).
    """

    def __init__(self,
                 channels: Sequence[int] = (24, 48, 96, 96),
                 out_indices: Sequence[int] = (3, ),
                 init_cfg=dict(
                     type='Kaiming', layer='Conv2d', mode='fan_out',
                     nonlinearity='relu')) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(channels) != 4:
            raise ValueError(f'channels must give 4 stages, got {channels}')
        if not all(0 <= i < 4 for i in out_indices):
            raise ValueError(f'out_indices must lie in [0, 4), got '
                             f'{out_indices}')
        self.out_indices = tuple(out_indices)
        c0, c1, c2, c3 = channels
        self.stages = nn.ModuleList([
            _conv(3, c0, 2),
            nn.Sequential(_conv(c0, c1, 2), _conv(c1, c1)),
            nn.Sequential(_conv(c1, c2, 2), _conv(c2, c2)),
            nn.Sequential(_conv(c2, c3, dilation=2),
                          _conv(c3, c3, dilation=2)),
        ])

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """(B, 3, H, W) -> the chosen stages' (B, C_i, H_i, W_i) maps."""
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
