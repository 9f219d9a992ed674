"""Gaussian radius and window drawing: exact values, mmdet's numbers,
chunking that does not change the result."""
import math

import pytest
import torch
from mmdet.models.utils import gaussian_radius as mmdet_gaussian_radius
from mmdet.models.utils import gen_gaussian_target

from plugin.models.utils.gaussian_target import (draw_gaussians,
                                                 gaussian_radius,
                                                 gaussian_radius_host)


def draw(objects, height=7, width=7, channels=1, max_radius=3, budget=2**21):
    """objects: (channel, cx, cy, r) tuples, all valid."""
    heatmap = torch.zeros(channels, height, width)
    ch, cx, cy, r = (torch.tensor(v) for v in zip(*objects))
    return draw_gaussians(heatmap, ch, cx, cy, r,
                          torch.ones(len(objects), dtype=torch.bool),
                          max_radius, budget)


def test_radius_equals_mmdet_bitwise():
    g = torch.Generator().manual_seed(0)
    heights = torch.cat([torch.rand(300, generator=g) * 200,
                         torch.tensor([0., 0., 1., 0.5, 128.])])
    widths = torch.cat([torch.rand(300, generator=g) * 200,
                        torch.tensor([0., 3., 1., 0.5, 128.])])
    ours = gaussian_radius(heights, widths, 0.3)
    theirs = torch.stack([
        torch.as_tensor(mmdet_gaussian_radius([h, w], min_overlap=0.3))
        for h, w in zip(heights, widths)
    ]).float()
    assert torch.equal(ours, theirs)


def test_radius_hand_computed():
    # h = 4, w = 8: case 2 is the smallest,
    # (2 * 12 - sqrt(24^2 - 16 * 0.7 * 32)) / 8 = 1.1561
    r = gaussian_radius(torch.tensor([4.]), torch.tensor([8.]), 0.3)
    assert r.item() == pytest.approx((24 - math.sqrt(576 - 358.4)) / 8,
                                     rel=1e-6)
    assert gaussian_radius(torch.tensor([0.]), torch.tensor([0.])) == 0


def test_radius_one_kernel_values():
    # r = 1: sigma = 3 / 6, 2 sigma^2 = 0.5, g = exp(-2 (dx^2 + dy^2))
    hm = draw([(0, 3, 3, 1)])[0]
    e1, e2 = math.exp(-2), math.exp(-4)
    expected = torch.zeros(7, 7)
    expected[2:5, 2:5] = torch.tensor([[e2, e1, e2], [e1, 1, e1],
                                       [e2, e1, e2]])
    torch.testing.assert_close(hm, expected, rtol=1e-6, atol=0)
    assert hm[3, 3] == 1  # exactly


def test_radius_zero_is_a_single_peak():
    hm = draw([(0, 2, 5, 0)])[0]
    assert hm[5, 2] == 1 and hm.sum() == 1


def test_overlap_on_one_channel_takes_the_max():
    hm = draw([(0, 2, 3, 1), (0, 3, 3, 1)])[0]
    e1, e2 = math.exp(-2), math.exp(-4)
    # row 3: x = 1..4 -> e1, max(1, e1), max(e1, 1), e1
    torch.testing.assert_close(hm[3, 1:5], torch.tensor([e1, 1., 1., e1]))
    # row 2: x = 1..4 -> e2, max(e1, e2), max(e2, e1), e2
    torch.testing.assert_close(hm[2, 1:5], torch.tensor([e2, e1, e1, e2]))


def test_other_channels_are_untouched():
    hm = draw([(1, 3, 3, 2)], channels=3)
    assert hm[0].sum() == 0 and hm[2].sum() == 0 and hm[1, 3, 3] == 1


def test_window_is_clipped_at_the_border():
    hm = draw([(0, 0, 0, 2)])[0]
    full = draw([(0, 3, 3, 2)])[0]
    torch.testing.assert_close(hm[:3, :3], full[3:6, 3:6], rtol=0, atol=0)
    assert hm[3:].sum() == 0 and hm[:, 3:].sum() == 0


def test_invalid_objects_draw_nothing():
    heatmap = torch.zeros(1, 5, 5)
    draw_gaussians(heatmap, torch.tensor([0]), torch.tensor([2]),
                   torch.tensor([2]), torch.tensor([1]),
                   torch.tensor([False]), 1)
    assert heatmap.sum() == 0


def test_matches_mmdet_gen_gaussian_target():
    g = torch.Generator().manual_seed(1)
    n, size, max_radius = 40, 48, 12
    ch = torch.randint(0, 3, (n, ), generator=g)
    cx = torch.randint(0, size, (n, ), generator=g)
    cy = torch.randint(0, size, (n, ), generator=g)
    r = torch.randint(0, max_radius + 1, (n, ), generator=g)
    ours = draw(list(zip(ch.tolist(), cx.tolist(), cy.tolist(), r.tolist())),
                size, size, 3, max_radius)
    theirs = torch.zeros(3, size, size)
    for i in range(n):
        gen_gaussian_target(theirs[ch[i]], [cx[i].item(), cy[i].item()],
                            r[i].item())
    assert torch.equal(ours, theirs)


def test_chunking_does_not_change_the_result():
    g = torch.Generator().manual_seed(2)
    objects = list(zip(*(torch.randint(0, hi, (30, ), generator=g).tolist()
                         for hi in (2, 20, 20, 6))))
    one_chunk = draw(objects, 20, 20, 2, 5)
    one_window_per_chunk = draw(objects, 20, 20, 2, 5, budget=1)
    assert torch.equal(one_chunk, one_window_per_chunk)


@pytest.mark.parametrize('min_overlap', [0.3, 0.7])
def test_host_radius_equals_the_tensor_radius_bitwise(min_overlap):
    """The host version (CenterNetTarget's window size, no tensor read
    back) gives the tensor function's float32 value on every map size up to
    512 x 512 and on odd sizes."""
    sizes = [(h, w) for h in range(1, 513, 7) for w in range(1, 513, 13)]
    sizes += [(0.5, 3.25), (1000.0, 1.0), (37.3, 91.1)]
    heights = torch.tensor([float(h) for h, _ in sizes])
    widths = torch.tensor([float(w) for _, w in sizes])
    ours = gaussian_radius(heights, widths, min_overlap)
    host = torch.tensor([gaussian_radius_host(h, w, min_overlap)
                         for h, w in sizes])
    assert torch.equal(ours, host)


def test_radius_classes_draw_the_same_heatmap(monkeypatch):
    """Many small objects on a large window: drawn by radius class (one
    host read), bitwise the one-window result."""
    import plugin.models.utils.gaussian_target as gt
    g = torch.Generator().manual_seed(0)
    n, size, max_radius = 300, 60, 20
    ch = torch.randint(0, 3, (n, ), generator=g)
    cx = torch.randint(-3, size + 3, (n, ), generator=g)
    cy = torch.randint(-3, size + 3, (n, ), generator=g)
    r = (torch.rand(n, generator=g) ** 3 * (max_radius + 1)).long()
    r[:3] = torch.tensor([0, max_radius, 1])
    valid = torch.rand(n, generator=g) > 0.1

    def run():
        heatmap = torch.zeros(3, size, size)
        return draw_gaussians(heatmap, ch, cx, cy, r, valid, max_radius,
                              budget=4096)

    monkeypatch.setattr(gt, 'CLASS_MIN_CELLS', 2**62)
    one_window = run()
    monkeypatch.setattr(gt, 'CLASS_MIN_CELLS', 0)
    windows, draw_windows = [], gt._draw_windows

    def spy(*args):
        windows.append(args[6])  # the window half-side of this class
        return draw_windows(*args)

    monkeypatch.setattr(gt, '_draw_windows', spy)
    by_class = run()
    assert torch.equal(by_class, one_window)
    assert (one_window == 1).sum() > 50
    # classes 0, 1, 2, 4, 8, 16, 20 (the cap), the empty ones skipped
    assert windows[0] == 0 and windows[-1] == max_radius
    assert set(windows) <= {0, 1, 2, 4, 8, 16, 20} and len(windows) >= 5
