"""SiamRPN++'s neck (pysot's ``AdjustAllLayer``): per level a 1 x 1 conv +
BatchNorm to a common width, and on the template's maps a crop of the
centre cells (the padding-free part that the search features can match).

Shapes: B images, L levels, (h, w) template map, c = ``center_size``.
"""
from typing import Sequence, Tuple

from mmengine.model import BaseModule
from torch import Tensor, nn

from plugin.registry import MODELS


@MODELS.register_module()
class SiamAdjust(BaseModule):
    """1 x 1 conv + BN per level, and the template's centre crop.

    Args:
        in_channels (Sequence[int]): channels of each level.
        out_channels (Sequence[int] | int): channels after the conv.
        center_size (int): side of the template's centre crop (7: pysot's
            for a 127 px template at stride 8).
        crop_below (int): maps narrower than this are template maps and
            are cropped (20: pysot's test; search maps are wider).
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels,
                 center_size: int = 7,
                 crop_below: int = 20,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(out_channels, int):
            out_channels = [out_channels] * len(in_channels)
        self.convs = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))
            for cin, cout in zip(in_channels, out_channels))
        self.center_size = center_size
        self.crop_below = crop_below

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Per level (B, C_in, h, w) -> (B, C_out, h', w')."""
        outs = []
        for x, conv in zip(feats, self.convs):
            x = conv(x)
            if x.size(-1) < self.crop_below:
                # the centre cells; on an even map the cell right of the
                # middle, which (padded stride-2 convs map cell i to pixel
                # 8 i) is the one nearest the template's centre
                left = (x.size(-1) - self.center_size + 1) // 2
                top = (x.size(-2) - self.center_size + 1) // 2
                x = x[..., top:top + self.center_size,
                      left:left + self.center_size]
            outs.append(x)
        return tuple(outs)
