"""Point windows: exact windows and pairs on hand-made grids, and the same
pairs as the dense strict-inside mask on random layouts."""
import torch
from mmdet.models.task_modules.prior_generators import MlvlPointGenerator

from plugin.models.task_modules import CenterPrior
from plugin.models.task_modules.assigners.point_windows import (
    LevelGrid, covered_points, inside_windows, level_grids, topk_candidates,
    window_counts, window_pairs)


def two_levels():
    """A 32x32 image: a 4x4 grid at stride 8 (points 0-15) and a 2x2 grid
    at stride 16 (points 16-19), points at multiples of the stride."""
    return [
        LevelGrid(torch.tensor([0., 8, 16, 24]), torch.tensor([0., 8, 16,
                                                               24]), 0, 8.),
        LevelGrid(torch.tensor([0., 16]), torch.tensor([0., 16]), 16, 16.),
    ]


def boxes(rows):
    return torch.tensor(rows, dtype=torch.float32).reshape(1, -1, 4)


def test_windows_are_strictly_inside():
    windows = inside_windows(
        two_levels(),
        boxes([
            [4, 4, 17, 9],  # cols 8, 16; row 8 / level 1: col 16, no row
            [8, 8, 16, 16],  # on grid lines: strict, so nothing inside
            [-40, -40, 90, 90],  # beyond the image: every point
        ]),
        torch.tensor([[True, True, True]]))
    # (first column, columns, first row, rows) per gt and level
    expected = [
        [[1, 2, 1, 1], [1, 1, 1, 0]],
        [[2, 0, 2, 0], [1, 0, 1, 0]],
        [[0, 4, 0, 4], [0, 2, 0, 2]],
    ]
    assert windows.tolist() == [expected]


def test_padding_gets_empty_windows():
    windows = inside_windows(two_levels(), boxes([[0, 0, 32, 32]] * 2),
                             torch.tensor([[True, False]]))
    counts = (windows[..., 1] * windows[..., 3]).tolist()
    assert counts == [[[9, 1], [0, 0]]]


def test_pairs_listed_gt_by_gt_in_point_order():
    grids = two_levels()
    b = boxes([[4, 4, 17, 9], [8, 8, 16, 16], [4, 4, 20, 20]])
    windows = inside_windows(grids, b, torch.ones(1, 3, dtype=torch.bool))
    pairs = window_pairs(grids, windows, num_points=20)
    # gt 0: row 1, cols 1-2 -> 5, 6; gt 2: rows 1-2 x cols 1-2 on level 0
    # (5, 6, 9, 10) and the point (16, 16) of level 1 (16 + 3)
    assert pairs.gt.tolist() == [0, 0, 2, 2, 2, 2, 2]
    assert pairs.point.tolist() == [5, 6, 5, 6, 9, 10, 19]
    assert pairs.flat.tolist() == pairs.point.tolist()
    assert pairs.counts.tolist() == [2, 0, 5]
    assert pairs.image_counts.tolist() == [7]


def test_covered_points_count_every_window():
    grids = two_levels()
    b = boxes([[4, 4, 17, 9], [4, 4, 20, 20], [0, 0, 0, 0]])
    windows = inside_windows(grids, b, torch.tensor([[True, True, False]]))
    covered = covered_points(grids, windows, 20)
    assert covered.nonzero()[:, 1].tolist() == [5, 6, 9, 10, 19]


def test_extra_points_follow_only_the_gts_that_take_them():
    grids = two_levels()
    b = boxes([[4, 4, 17, 9], [9, 9, 12, 12]])  # gt 1 holds no point
    windows = inside_windows(grids, b, torch.ones(1, 2, dtype=torch.bool))
    extra = torch.tensor([[0, 1], [5, 17]])
    pairs = window_pairs(grids, windows, 20, extra, torch.tensor([0, 2]))
    assert pairs.gt.tolist() == [0, 0, 1, 1]
    assert pairs.point.tolist() == [5, 6, 5, 17]
    assert pairs.counts.tolist() == [2, 2]


def test_second_image_offsets_flat_indices():
    grids = two_levels()
    b = torch.tensor([[[0, 0, 0, 0]], [[4, 4, 17, 9]]], dtype=torch.float32)
    valid = torch.tensor([[False], [True]])
    pairs = window_pairs(grids, inside_windows(grids, b, valid), 20)
    assert pairs.gt.tolist() == [1, 1]
    assert pairs.flat.tolist() == [25, 26]
    assert pairs.image_counts.tolist() == [0, 2]


def test_no_gts():
    grids = two_levels()
    windows = inside_windows(grids, torch.zeros(2, 0, 4),
                             torch.zeros(2, 0, dtype=torch.bool))
    pairs = window_pairs(grids, windows, 20)
    assert len(pairs.gt) == 0 and pairs.image_counts.tolist() == [0, 0]


def mmdet_grid(sizes=((10, 13), (5, 7), (3, 4)), strides=(8, 16, 32)):
    gen = MlvlPointGenerator(strides, offset=0)
    level_points = gen.grid_priors(sizes, dtype=torch.float32, device='cpu')
    return level_points, level_grids(level_points, sizes, strides)


def random_boxes(num_imgs, num_gts, seed):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(num_imgs, num_gts, 2, generator=g) * 120 - 20
    # sides from 0.5 px (between grid points) to 80 px, some past the image
    wh = torch.rand(num_imgs, num_gts, 2, generator=g) ** 2 * 80 + 0.5
    return torch.cat([xy, xy + wh], dim=-1)


def test_pairs_equal_the_dense_inside_mask():
    level_points, grids = mmdet_grid()
    points = torch.cat(level_points)
    b = random_boxes(3, 40, seed=0)
    valid = torch.rand(3, 40, generator=torch.Generator().manual_seed(1)) > .2
    windows = inside_windows(grids, b, valid)
    pairs = window_pairs(grids, windows, len(points))
    x, y = points[None, :, None, 0], points[None, :, None, 1]
    inside = ((x > b[:, None, :, 0]) & (y > b[:, None, :, 1]) &
              (x < b[:, None, :, 2]) & (y < b[:, None, :, 3]) &
              valid[:, None])  # (B, P, G), mmdet's rule
    img, gt, pt = inside.permute(0, 2, 1).nonzero().unbind(1)  # gt-major
    assert len(pairs.gt) > 100
    assert pairs.gt.tolist() == (img * 40 + gt).tolist()
    assert pairs.point.tolist() == pt.tolist()
    assert pairs.counts.tolist() == inside.sum(1).reshape(-1).tolist()
    assert window_counts(windows).sum() == len(pairs.gt)
    covered = covered_points(grids, windows, len(points))
    assert torch.equal(covered, inside.any(dim=2))
    # extra points count only for the gts that take them
    extra = torch.zeros(3 * 40, 2, dtype=torch.long)
    extra[5] = torch.tensor([0, 1])
    extra[6] = torch.tensor([2, 3])  # not taken
    extra_counts = torch.zeros(3 * 40, dtype=torch.long)
    extra_counts[5] = 2
    covered = covered_points(grids, windows, len(points), extra,
                             extra_counts)
    expected = inside.any(dim=2)
    expected[0, :2] = True
    assert torch.equal(covered, expected)


def test_topk_candidates_hold_the_dense_topk():
    level_points, grids = mmdet_grid()
    points = torch.cat(level_points)
    strides = torch.cat([torch.full((len(p), ), float(s))
                         for p, s in zip(level_points, (8, 16, 32))])
    prior = CenterPrior(num_classes=2, strides=(8, 16, 32))
    with torch.no_grad():
        prior.mean.uniform_(-1.5, 1.5)
        prior.sigma.uniform_(0.4, 2.0)
    b = random_boxes(1, 30, seed=2)[0]
    labels = torch.arange(30) % 2
    centers = (b[:, :2] + b[:, 2:]) / 2
    for k in (1, 4, 9):
        cand = topk_candidates(grids, centers, prior.mean[labels].detach(), k)
        with torch.no_grad():
            dense = prior.pair_prior(
                points.repeat(30, 1), strides.repeat(30),
                centers.repeat_interleave(len(points), 0),
                labels.repeat_interleave(len(points))).view(30, -1)
        best = dense.topk(k, dim=1).indices
        for g in range(30):
            assert set(best[g].tolist()) <= set(cand[g].tolist()), (k, g)
