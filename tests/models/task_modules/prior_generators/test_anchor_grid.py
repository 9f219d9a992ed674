"""anchor_grid: which generators lay their anchors out as mmdet's
AnchorGenerator, and the property the window assignment relies on (x from
the column only, y from the row only, bitwise)."""
import pytest
import torch
from mmdet.models.task_modules.prior_generators import (
    AnchorGenerator, LegacyAnchorGenerator, SSDAnchorGenerator,
    YOLOAnchorGenerator)

from plugin.models.task_modules.prior_generators import (
    AnchorGrid, SiamRPNAnchorGenerator, anchor_grid, is_grid_generator)

GENERATORS = {
    'rpn': lambda: AnchorGenerator(scales=[8], ratios=[0.5, 1., 2.],
                                   strides=[4, 8]),
    'retina': lambda: AnchorGenerator(octave_base_scale=4,
                                      scales_per_octave=3,
                                      ratios=[0.5, 1., 2.],
                                      strides=[8, 16]),
    'legacy': lambda: LegacyAnchorGenerator(scales=[8], ratios=[0.5, 1.],
                                            strides=[4, 8],
                                            center_offset=0.5),
    'ssd': lambda: SSDAnchorGenerator(strides=[8, 16, 32],
                                      ratios=([2], [2], [2]),
                                      basesize_ratio_range=(0.15, 0.9),
                                      input_size=300),
    'yolo': lambda: YOLOAnchorGenerator(
        strides=[8, 16], base_sizes=[[(10, 13), (16, 30)],
                                     [(30, 61), (62, 45)]]),
}


@pytest.mark.parametrize('name', sorted(GENERATORS))
def test_grid_generators_have_separable_coordinates(name):
    generator = GENERATORS[name]()
    sizes = [(5, 7), (3, 4), (2, 2)][:generator.num_levels]
    grid = anchor_grid(generator, sizes)
    assert grid == AnchorGrid(tuple(sizes), tuple(generator.num_base_priors))
    anchors = torch.cat(generator.grid_priors(sizes, device='cpu'))
    assert grid.num_anchors == len(anchors)
    start = 0
    for (h, w), a in zip(grid.featmap_sizes, grid.num_base_anchors):
        level = anchors[start:start + h * w * a].view(h, w, a, 4)
        # every row has row 0's x coordinates, every column column 0's y
        assert torch.equal(level[..., 0::2], level[:1, ..., 0::2].expand(
            h, -1, -1, -1))
        assert torch.equal(level[..., 1::2], level[:, :1, :, 1::2].expand(
            -1, w, -1, -1))
        start += h * w * a


def test_other_generators_are_not_grids():
    siamrpn = SiamRPNAnchorGenerator(stride=8, ratios=[0.33, 0.5, 1, 2, 3],
                                     scales=[8])
    assert not is_grid_generator(siamrpn)
    assert anchor_grid(siamrpn, [(17, 17)]) is None

    class Shifted(AnchorGenerator):  # its own layout: not trusted
        def single_level_grid_priors(self, *args, **kwargs):
            return super().single_level_grid_priors(*args, **kwargs) + 1

    assert not is_grid_generator(Shifted(scales=[8], ratios=[1.],
                                         strides=[4]))
    boxed = AnchorGenerator(scales=[8], ratios=[1.], strides=[4],
                            use_box_type=True)
    assert not is_grid_generator(boxed)
