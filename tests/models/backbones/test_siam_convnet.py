"""SiamConvNet: stride 8, padded so any multiple of 8 maps to side / 8."""
import pytest
import torch

from plugin.models.backbones import SiamConvNet


def test_strides_and_outputs():
    net = SiamConvNet(channels=(4, 8, 16, 12), out_indices=(1, 2, 3))
    outs = net(torch.randn(2, 3, 80, 160))
    assert [tuple(o.shape) for o in outs] == [(2, 8, 20, 40),
                                              (2, 16, 10, 20),
                                              (2, 12, 10, 20)]


def test_refuses_bad_arguments():
    with pytest.raises(ValueError):
        SiamConvNet(channels=(4, 8))
    with pytest.raises(ValueError):
        SiamConvNet(out_indices=(4, ))
