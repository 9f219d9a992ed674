"""pysot's atrous ResNet-50 (``pysot/models/backbone/resnet_atrous.py``),
SiamRPN++'s backbone, for pysot's ``siamrpn_r50_l234_dwxcorr*``
checkpoints.

Shapes: B images, (H, W) input, W0 = ``base_channels`` (64), levels of
pysot's ``used_layers`` indices: 0 the stem (W0 channels, stride 2), 1..4
layer1..layer4 (4 W0, 8 W0, 16 W0, 32 W0 channels; strides 4, 8, 8, 8).
A 127 px template gives 15 x 15 maps at layers 2-4, a 255 px search crop
31 x 31.

mmdet's ``ResNet`` cannot be configured into this network: pysot's

* stem conv (7 x 7, stride 2) has no padding (mmdet's: 3);
* layer2's first block has its stride-2 3 x 3 conv unpadded (mmdet's:
  padding 1), and its shortcut is a 3 x 3 stride-2 unpadded conv (mmdet's:
  a 1 x 1 conv, or an average pool and a 1 x 1 conv);
* layer3 and layer4 (stride 1, dilations 2 and 4) start with a block whose
  3 x 3 conv and 3 x 3 shortcut conv are dilated by half the layer's
  dilation (1 and 2, padded alike), the other blocks by the whole (mmdet:
  every block the layer's dilation, 1 x 1 shortcut);
* layers 3 and 4 exist only if used (``used_layers``), so that the
  checkpoints of the variants load strictly.

Module names are pysot's (``conv1``, ``bn1``, ``layer1.0.conv1``, ...,
``layer2.0.downsample.0``), also torchvision's: pysot's backbone keys map
onto these unchanged.
"""
from typing import Optional, Sequence, Tuple

from mmengine.model import BaseModule
from torch import Tensor, nn

from plugin.registry import MODELS

# depth -> blocks per layer (pysot ships the bottleneck ResNet-50 only
# for SiamRPN++)
ARCH_SETTINGS = {50: (3, 4, 6, 3)}
# per layer (1..4): stride and dilation (pysot's resnet_atrous: layers 3
# and 4 dilated instead of strided, total stride 8)
_STRIDES = (1, 2, 1, 1)
_DILATIONS = (1, 1, 2, 4)


class SiamBottleneck(nn.Module):
    """pysot's ``Bottleneck``: 1 x 1, 3 x 3, 1 x 1 (x 4 channels) convs with
    BatchNorm, plus the shortcut, then ReLU.

    Args:
        in_channels (int): input channels.
        planes (int): width of the 3 x 3 conv (output: 4 x ``planes``).
        stride (int): of the 3 x 3 conv (1 or 2).
        downsample (nn.Module, optional): the shortcut's conv + BN (the
            first block of a layer).
        dilation (int): the layer's dilation; a first block (with
            ``downsample``) of a dilated layer uses half of it.
    """

    expansion = 4

    def __init__(self, in_channels: int, planes: int, stride: int = 1,
                 downsample: Optional[nn.Module] = None,
                 dilation: int = 1) -> None:
        super().__init__()
        if downsample is not None and dilation > 1:
            dilation //= 2
        if stride != 1 and dilation != 1:
            raise ValueError('a block is either strided or dilated, got '
                             f'stride {stride}, dilation {dilation}')
        # stride 2: unpadded (pysot's 2 - stride); dilated: padded alike
        padding = dilation if dilation > 1 else 2 - stride
        self.conv1 = nn.Conv2d(in_channels, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, padding=padding,
                               dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, 1,
                               bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, H, W) -> (B, 4 planes, H', W')."""
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


@MODELS.register_module()
class SiamResNet(BaseModule):
    """pysot's atrous ResNet (stride 8, unpadded stem and stride-2 convs).

    Args:
        depth (int): 50 (the one depth pysot builds with bottlenecks).
        used_layers (Sequence[int]): pysot's ``used_layers``, ascending: 0
            the stem's ReLU output (before the max pool), 1..4 layer1..4;
            layer3 / layer4 are built only if listed (as pysot's).
        base_channels (int): the stem's width W0 (64; smaller only for
            tests).
        init_cfg (dict | list, optional): mmengine's initialisation
            (default: pysot's, He-normal convs with fan_out, BatchNorm 1 /
            0).
    """

    def __init__(self,
                 depth: int = 50,
                 used_layers: Sequence[int] = (2, 3, 4),
                 base_channels: int = 64,
                 init_cfg=(dict(type='Kaiming', layer='Conv2d',
                                mode='fan_out', nonlinearity='relu',
                                distribution='normal'),
                           dict(type='Constant', layer='BatchNorm2d',
                                val=1, bias=0))) -> None:
        super().__init__(init_cfg=list(init_cfg) if isinstance(
            init_cfg, tuple) else init_cfg)
        if depth not in ARCH_SETTINGS:
            raise ValueError(f'depth must be one of {sorted(ARCH_SETTINGS)}, '
                             f'got {depth}')
        used_layers = tuple(used_layers)
        if not used_layers or list(used_layers) != sorted(set(used_layers)) \
                or not all(0 <= i <= 4 for i in used_layers):
            raise ValueError('used_layers must be ascending indices in '
                             f'[0, 4], got {used_layers}')
        self.used_layers = used_layers
        self.conv1 = nn.Conv2d(3, base_channels, 7, 2, padding=0, bias=False)
        self.bn1 = nn.BatchNorm2d(base_channels)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        in_channels = base_channels
        for i, blocks in enumerate(ARCH_SETTINGS[depth]):
            if i >= 2 and i + 1 not in used_layers:
                continue  # pysot: an identity
            planes = base_channels * 2**i
            layer = self._make_layer(in_channels, planes, blocks,
                                     _STRIDES[i], _DILATIONS[i])
            self.add_module(f'layer{i + 1}', layer)
            in_channels = planes * SiamBottleneck.expansion
        self.out_channels = tuple(
            base_channels if i == 0 else base_channels * 2**(i + 1)
            for i in used_layers)

    @staticmethod
    def _make_layer(in_channels: int, planes: int, blocks: int, stride: int,
                    dilation: int) -> nn.Sequential:
        """pysot's ``ResNet._make_layer``: the first block with the
        shortcut conv (1 x 1 for layer1; 3 x 3 otherwise, unpadded at
        stride 2, dilated by half the layer's dilation when dilated)."""
        out_channels = planes * SiamBottleneck.expansion
        downsample = None
        if stride != 1 or in_channels != out_channels:
            if stride == 1 and dilation == 1:
                conv = nn.Conv2d(in_channels, out_channels, 1, stride,
                                 bias=False)
            else:
                dd = dilation // 2 if dilation > 1 else 1
                conv = nn.Conv2d(in_channels, out_channels, 3, stride,
                                 padding=dd if dilation > 1 else 0,
                                 dilation=dd, bias=False)
            downsample = nn.Sequential(conv, nn.BatchNorm2d(out_channels))
        layers = [SiamBottleneck(in_channels, planes, stride, downsample,
                                 dilation)]
        layers += [SiamBottleneck(out_channels, planes, dilation=dilation)
                   for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """(B, 3, H, W) -> the used levels' (B, C_l, h_l, w_l) maps."""
        stem = self.relu(self.bn1(self.conv1(x)))
        outs = [stem]
        x = self.maxpool(stem)
        for i in range(1, 5):
            layer = getattr(self, f'layer{i}', None)
            if layer is not None:
                x = layer(x)
            outs.append(x)
        return tuple(outs[i] for i in self.used_layers)
