"""Cross-correlation of search features with kernels made from the
template: the two variants of Siamese RPNs, batched over the pairs of a
batch by one grouped convolution (seed 001, pysot's ``xcorr_fast`` and
``xcorr_depthwise``), no loop over pairs.

Shapes: B pairs, C channels, O output channels, (h, w) template kernel,
(H, W) search map, (H - h + 1, W - w + 1) output.
"""
import torch.nn.functional as F
from torch import Tensor, nn


def xcorr_up_channel(search: Tensor, kernel: Tensor) -> Tensor:
    """SiamRPN's up-channel correlation: each pair's O full kernels.

    Args:
        search (Tensor): (B, C, H, W).
        kernel (Tensor): (B, O, C, h, w).

    Returns:
        Tensor: (B, O, H - h + 1, W - w + 1); pair b correlates only with
        its own kernels (groups = B).
    """
    b, o, c, h, w = kernel.shape
    out = F.conv2d(
        search.reshape(1, b * c, *search.shape[-2:]),
        kernel.reshape(b * o, c, h, w),
        groups=b)
    return out.reshape(b, o, *out.shape[-2:])


def xcorr_depthwise(search: Tensor, kernel: Tensor) -> Tensor:
    """SiamRPN++'s depthwise correlation: channel by channel.

    Args:
        search (Tensor): (B, C, H, W).
        kernel (Tensor): (B, C, h, w).

    Returns:
        Tensor: (B, C, H - h + 1, W - w + 1).
    """
    b, c, h, w = kernel.shape
    out = F.conv2d(
        search.reshape(1, b * c, *search.shape[-2:]),
        kernel.reshape(b * c, 1, h, w),
        groups=b * c)
    return out.reshape(b, c, *out.shape[-2:])


def _conv_bn_relu(in_channels: int, out_channels: int,
                  kernel_size: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class DepthwiseXCorr(nn.Module):
    """One branch (scores or deltas) of SiamRPN++'s head (pysot's
    ``DepthwiseXCorr``): 3 x 3 convs on both inputs, depthwise correlation,
    then a 1 x 1 head to ``out_channels``.

    Args:
        in_channels (int): C of the backbone (or neck) features.
        hidden (int): channels of the correlated map.
        out_channels (int): 2K scores or 4K deltas.
        kernel_size (int): of the two input convs (3, pysot).
    """

    def __init__(self, in_channels: int, hidden: int, out_channels: int,
                 kernel_size: int = 3) -> None:
        super().__init__()
        self.conv_kernel = _conv_bn_relu(in_channels, hidden, kernel_size)
        self.conv_search = _conv_bn_relu(in_channels, hidden, kernel_size)
        self.head = nn.Sequential(
            nn.Conv2d(hidden, hidden, 1, bias=False), nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True), nn.Conv2d(hidden, out_channels, 1))

    def template(self, z: Tensor) -> Tensor:
        """(B, C, hz, wz) template features -> (B, hidden, h, w) kernels,
        computed once per target when tracking."""
        return self.conv_kernel(z)

    def forward(self, kernel: Tensor, x: Tensor) -> Tensor:
        """(B, hidden, h, w) kernels, (B, C, H, W) search features ->
        (B, out_channels, H', W')."""
        return self.head(xcorr_depthwise(self.conv_search(x), kernel))


class UpChannelXCorr(nn.Module):
    """One branch of SiamRPN's head (seed 001's ``examplar_cla`` /
    ``instance_cla``, pysot's ``UPChannelRPN``): the template conv makes
    ``out_channels`` kernels of C channels each, correlated with the
    search conv's map; optionally a 1 x 1 conv after (the deltas'
    ``regress_adjust``).

    Args:
        in_channels (int): C.
        out_channels (int): 2K scores or 4K deltas.
        kernel_size (int): of the two input convs (3, seed 001).
        adjust (bool): add the 1 x 1 conv after the correlation.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int = 3, adjust: bool = False) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.template_conv = nn.Conv2d(in_channels,
                                       in_channels * out_channels,
                                       kernel_size)
        self.search_conv = nn.Conv2d(in_channels, in_channels, kernel_size)
        self.adjust = nn.Conv2d(out_channels, out_channels, 1) \
            if adjust else nn.Identity()

    def template(self, z: Tensor) -> Tensor:
        """(B, C, hz, wz) -> (B, out_channels, C, h, w) kernels."""
        k = self.template_conv(z)
        b, _, h, w = k.shape
        return k.reshape(b, self.out_channels, -1, h, w)

    def forward(self, kernel: Tensor, x: Tensor) -> Tensor:
        """Kernels from :meth:`template`, (B, C, H, W) search features ->
        (B, out_channels, H', W')."""
        return self.adjust(xcorr_up_channel(self.search_conv(x), kernel))


def build_xcorr(corr: str, in_channels: int, hidden: int,
                out_channels: int, adjust: bool) -> nn.Module:
    """The branch of a correlation type: ``'depthwise'`` (SiamRPN++) or
    ``'up_channel'`` (SiamRPN)."""
    if corr == 'depthwise':
        return DepthwiseXCorr(in_channels, hidden, out_channels)
    if corr == 'up_channel':
        return UpChannelXCorr(in_channels, out_channels, adjust=adjust)
    raise ValueError(
        f"corr must be 'depthwise' or 'up_channel', got {corr!r}")
