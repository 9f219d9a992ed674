"""Cross-correlation batched over pairs == pysot's per-pair loop."""
import pytest
import torch
import torch.nn.functional as F

from plugin.models.layers import (DepthwiseXCorr, UpChannelXCorr,
                                  xcorr_depthwise, xcorr_up_channel)


def test_up_channel_equals_per_pair_loop():
    torch.manual_seed(0)
    x, k = torch.randn(3, 4, 9, 9), torch.randn(3, 6, 4, 3, 3)
    loop = torch.cat([F.conv2d(x[i:i + 1], k[i]) for i in range(3)])
    assert torch.allclose(xcorr_up_channel(x, k), loop, atol=1e-5)


def test_depthwise_equals_per_pair_loop():
    torch.manual_seed(0)
    x, k = torch.randn(3, 4, 9, 9), torch.randn(3, 4, 3, 3)
    loop = torch.cat([
        F.conv2d(x[i:i + 1], k[i][:, None], groups=4) for i in range(3)
    ])
    assert torch.allclose(xcorr_depthwise(x, k), loop, atol=1e-5)


def test_depthwise_by_hand():
    """One pair, one channel: a 2 x 2 kernel of ones sums windows."""
    x = torch.arange(9.).reshape(1, 1, 3, 3)
    k = torch.ones(1, 1, 2, 2)
    expected = [[[[0 + 1 + 3 + 4, 1 + 2 + 4 + 5],
                  [3 + 4 + 6 + 7, 4 + 5 + 7 + 8]]]]
    assert xcorr_depthwise(x, k).tolist() == expected


@pytest.mark.parametrize('branch', [
    lambda: DepthwiseXCorr(4, 6, 10),
    lambda: UpChannelXCorr(4, 10, adjust=True),
])
def test_branch_batched_equals_per_pair(branch):
    torch.manual_seed(0)
    module = branch().eval()  # BatchNorm on running stats: per sample
    z, x = torch.randn(3, 4, 6, 6), torch.randn(3, 4, 12, 12)
    out = module(module.template(z), x)
    loop = torch.cat([
        module(module.template(z[i:i + 1]), x[i:i + 1]) for i in range(3)
    ])
    assert out.shape == (3, 10, 7, 7)  # (12 - 2) - (6 - 2) + 1
    assert torch.allclose(out, loop, atol=1e-5)
