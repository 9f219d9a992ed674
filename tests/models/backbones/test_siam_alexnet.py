"""SiamAlexNet: pysot's AlexNet (unpadded, stride 8); its computation
against pysot's is tests/tools/test_convert_pysot.py's (golden outputs)."""
import pytest
import torch

from plugin.models.backbones import SiamAlexNet

# width / 32: the same layers, fast
WIDTH = 1 / 32


@pytest.mark.parametrize('side, cells', [(127, 6), (255, 22), (287, 26)])
def test_output_sides(side, cells):
    """T = 8 n + 7 -> (T - 87) / 8 + 1 cells, int(256 * width) channels."""
    net = SiamAlexNet(WIDTH).eval()
    out = net(torch.zeros(1, 3, side, side))
    assert len(out) == 1 and net.out_channels == 8
    assert tuple(out[0].shape) == (1, 8, cells, cells)


def test_pysot_module_names_and_widths():
    """pysot's AlexNet keys: layerK.0 the conv (with bias), layerK.1 its
    BatchNorm; widths int(c * width_mult) of 96, 256, 384, 384, 256."""
    sd = SiamAlexNet(0.5).state_dict()
    convs = {k: tuple(v.shape) for k, v in sd.items()
             if k.endswith('.0.weight')}
    assert convs == {'layer1.0.weight': (48, 3, 11, 11),
                     'layer2.0.weight': (128, 48, 5, 5),
                     'layer3.0.weight': (192, 128, 3, 3),
                     'layer4.0.weight': (192, 192, 3, 3),
                     'layer5.0.weight': (128, 192, 3, 3)}
    assert all(f'layer{i}.0.bias' in sd and f'layer{i}.1.running_var' in sd
               for i in range(1, 6))
    assert len(sd) == 5 * 7  # conv weight + bias, 5 BatchNorm entries


def test_last_stage_has_no_relu():
    net = SiamAlexNet(WIDTH).eval()
    torch.nn.init.constant_(net.layer5[1].bias, -10.)  # all negative
    assert (net(torch.rand(1, 3, 127, 127))[0] < 0).all()


def test_refuses_a_width_without_channels():
    with pytest.raises(ValueError, match='no channels'):
        SiamAlexNet(0.005)
