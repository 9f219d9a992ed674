"""SiamAdjust: 1 x 1 conv per level, the template's centre cells."""
import pytest
import torch

from plugin.models.necks import SiamAdjust


def test_crops_template_maps_only():
    neck = SiamAdjust([4, 8], 2, center_size=7).eval()
    z = [torch.randn(1, 4, 16, 16), torch.randn(1, 8, 15, 15)]
    x = [torch.randn(1, 4, 32, 32), torch.randn(1, 8, 31, 31)]
    out_z, out_x = neck(z), neck(x)
    assert [o.shape[1:] for o in out_z] == [(2, 7, 7), (2, 7, 7)]
    assert [o.shape[1:] for o in out_x] == [(2, 32, 32), (2, 31, 31)]


def test_centre_cells_by_hand():
    """16 cells: 5..11 (right of the middle on an even map, pysot's 4..10
    on its odd 15); 15 cells: 4..10 (pysot's)."""
    neck = SiamAdjust([1], 1, center_size=7).eval()
    conv, bn = neck.convs[0]
    torch.nn.init.ones_(conv.weight)
    for size, first in ((16, 5), (15, 4)):
        cols = torch.arange(size, dtype=torch.float32).expand(1, 1, size,
                                                              size)
        out = neck([cols])[0]
        expected = (torch.arange(first, first + 7.) - bn.running_mean) / \
            torch.sqrt(bn.running_var + bn.eps)
        assert torch.allclose(out[0, 0, 0], expected)


@pytest.mark.parametrize('size, first', [(16, 4), (15, 4), (14, 3)])
def test_pysot_alignment_by_hand(size, first):
    """even_align='left': pysot's AdjustLayer, cells (w - 7) // 2 .. + 6
    on both axes (16: 4..10, left of the middle; odd maps: the centre)."""
    neck = SiamAdjust([1], 1, center_size=7, even_align='left').eval()
    torch.nn.init.ones_(neck.convs[0][0].weight)
    bn = neck.convs[0][1]
    cols = torch.arange(size, dtype=torch.float32).expand(1, 1, size, size)
    out = neck([cols])[0]
    expected = (torch.arange(first, first + 7.) - bn.running_mean) / \
        torch.sqrt(bn.running_var + bn.eps)
    assert out.shape[-2:] == (7, 7)
    assert torch.allclose(out[0, 0, 0], expected)
    rows = cols.transpose(-1, -2)
    assert torch.allclose(neck([rows])[0][0, 0, :, 0], expected)


def test_bad_alignment():
    with pytest.raises(ValueError, match='even_align'):
        SiamAdjust([1], 1, even_align='centre')
