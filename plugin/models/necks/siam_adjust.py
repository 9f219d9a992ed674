"""SiamRPN++'s neck (pysot's ``AdjustAllLayer``): per level a 1 x 1 conv +
BatchNorm to a common width, and on the template's maps a crop of the
centre cells (the padding-free part that the search features can match).

Shapes: B images, L levels, (h, w) template map, c = ``center_size``.

pysot's ``AdjustLayer`` computes the same: the crop when the map is
narrower than 20 cells, starting at ``(w - c) // 2`` on both axes. On an
odd map (pysot's ResNet-50 gives 15 x 15 template maps) that is the
centre; on an even one it is the cell left of the middle, where this neck
takes the one right of it by default (``even_align``; mmdet's padded
ResNet maps cell i to pixel 8 i + 0.5, so the right one is nearer the
template's centre).
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
        even_align (str): on an even map, centre the crop on the cell
            ``'right'`` of the middle (the default) or ``'left'`` of it
            (pysot's ``(w - c) // 2``). Odd maps: the centre either way.
        init_cfg (dict, optional): mmengine's initialisation.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels,
                 center_size: int = 7,
                 crop_below: int = 20,
                 even_align: str = 'right',
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if even_align not in ('right', 'left'):
            raise ValueError("even_align must be 'right' or 'left', got "
                             f'{even_align!r}')
        if isinstance(out_channels, int):
            out_channels = [out_channels] * len(in_channels)
        self.convs = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))
            for cin, cout in zip(in_channels, out_channels))
        self.center_size = center_size
        self.crop_below = crop_below
        # added to (side - c) before halving: 1 rounds an odd difference
        # (an even side) up, to the right of the middle; 0 (pysot) down
        self._round_up = int(even_align == 'right')

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Per level (B, C_in, h, w) -> (B, C_out, h', w')."""
        outs = []
        for x, conv in zip(feats, self.convs):
            x = conv(x)
            if x.size(-1) < self.crop_below:
                # the centre cells; on an even map the cell right of the
                # middle (default: padded stride-2 convs map cell i to
                # pixel 8 i, the one nearest the template's centre) or
                # left of it (pysot's)
                left = (x.size(-1) - self.center_size + self._round_up) // 2
                top = (x.size(-2) - self.center_size + self._round_up) // 2
                x = x[..., top:top + self.center_size,
                      left:left + self.center_size]
            outs.append(x)
        return tuple(outs)
