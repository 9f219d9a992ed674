"""SiamResNet: pysot's atrous ResNet-50, its layout spelled out; its
computation against pysot's is tests/tools/test_convert_pysot.py's
(golden outputs)."""
import pytest
import torch

from plugin.models.backbones import SiamResNet

# stem width 4 instead of 64: the same layers, fast
BASE = 4


@pytest.mark.parametrize('side, stem, cells', [(127, 61, 15),
                                               (255, 125, 31)])
def test_output_sides(side, stem, cells):
    """Stride 2 (unpadded stem), 4 (padded max pool), 8 (unpadded stride-2
    layer2), then 8 (dilated layers 3 and 4)."""
    net = SiamResNet(used_layers=(0, 1, 2, 3, 4), base_channels=BASE).eval()
    outs = net(torch.zeros(1, 3, side, side))
    layer1 = (stem + 2 - 3) // 2 + 1
    assert [tuple(o.shape[1:]) for o in outs] == [
        (BASE, stem, stem), (4 * BASE, layer1, layer1),
        (8 * BASE, cells, cells), (16 * BASE, cells, cells),
        (32 * BASE, cells, cells)]
    assert net.out_channels == (BASE, 4 * BASE, 8 * BASE, 16 * BASE,
                                32 * BASE)


def conv(net, name):
    m = net.get_submodule(name)
    return (m.kernel_size[0], m.stride[0], m.padding[0], m.dilation[0])


def test_pysots_paddings_and_dilations():
    """(kernel, stride, padding, dilation) of the convs where pysot's
    network differs from mmdet's ResNet."""
    net = SiamResNet(base_channels=BASE)
    assert conv(net, 'conv1') == (7, 2, 0, 1)
    assert conv(net, 'layer1.0.downsample.0') == (1, 1, 0, 1)
    assert conv(net, 'layer2.0.conv2') == (3, 2, 0, 1)
    assert conv(net, 'layer2.0.downsample.0') == (3, 2, 0, 1)
    assert conv(net, 'layer2.1.conv2') == (3, 1, 1, 1)
    # dilated layers: the first block at half the dilation
    assert conv(net, 'layer3.0.conv2') == (3, 1, 1, 1)
    assert conv(net, 'layer3.0.downsample.0') == (3, 1, 1, 1)
    assert conv(net, 'layer3.5.conv2') == (3, 1, 2, 2)
    assert conv(net, 'layer4.0.conv2') == (3, 1, 2, 2)
    assert conv(net, 'layer4.0.downsample.0') == (3, 1, 2, 2)
    assert conv(net, 'layer4.2.conv2') == (3, 1, 4, 4)
    assert [len(getattr(net, f'layer{i}')) for i in range(1, 5)] == \
        [3, 4, 6, 3]


def test_unused_deep_layers_are_not_built():
    """As pysot's: layer3 / layer4 only when used (their keys absent)."""
    net = SiamResNet(used_layers=(0, 1, 2, 3), base_channels=BASE)
    assert not hasattr(net, 'layer4')
    keys = SiamResNet(used_layers=(2, 4), base_channels=BASE).state_dict()
    assert not any(k.startswith('layer3.') for k in keys)
    # layer4 then follows layer2 (pysot's identity layer3)
    assert keys['layer4.0.conv1.weight'].shape[1] == 8 * BASE


def test_default_init_is_pysots():
    net = SiamResNet(base_channels=BASE)
    net.init_weights()
    w = net.layer2[0].conv2.weight
    fan_out = w.shape[0] * 9
    assert abs(float(w.std()) - (2 / fan_out)**0.5) < 0.3 * (2 / fan_out)**.5
    assert (net.bn1.weight == 1).all() and (net.bn1.bias == 0).all()


def test_refuses_bad_arguments():
    with pytest.raises(ValueError, match='depth'):
        SiamResNet(depth=101)
    for used in [(), (3, 2), (2, 5), (2, 2)]:
        with pytest.raises(ValueError, match='used_layers'):
            SiamResNet(used_layers=used)
