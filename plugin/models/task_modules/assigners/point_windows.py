"""Point windows: the (gt, point) pairs of a point grid whose point lies
strictly inside the gt's box, listed without forming the dense (B, P, G)
mask.

Shapes: B images, G gts per image (padded), L levels, P points of all
levels (level l: an H_l x W_l grid, row-major), K = ``topk``, T pairs.

Why windows: the points of a level form a grid, so the points strictly
inside a box (x1 < x < x2 and y1 < y < y2, mmdet's rule) are the columns
of one range times the rows of another, found by two binary searches per
axis in the level's own column and row coordinates (the same floats the
dense comparison uses: the windows are exact). This is
:mod:`.anchor_windows` for a grid of single points, where a window holds
every pair it covers (no IoU to compute, so no padded blocks).

Pairs are listed gt by gt (image-major), each gt's level windows in level
order and row-major, so each gt's pairs are contiguous and in increasing
point order, as a dense reduction over P visits them; per-gt sums are
then ``segment_reduce`` over ``counts`` (deterministic on any device).

``force_topk`` (mmdet: a gt holding no point takes the K points of highest
centre prior): the prior is separable and falls off with the distance to
its peak on each axis, so on every level the K best points lie among the
K nearest columns times the K nearest rows of the peak (up to ties).
:func:`topk_candidates` lists K + 3 of each (3: the K nearest integers to
a real position lie within K / 2 + 1.5 of it) per level and gt, and the
caller keeps the K of highest prior: L (K + 3)^2 values per gt instead of
P. Ties at the K-th value may pick other points than the dense path's
``topk`` over all P (which picks among ties in its own order).

Memory: T pairs of a few int64s, plus (B, G, L + 1) window counts; no
(B, P, G) tensor. Reading T back to the host is the one sync.
"""
from typing import List, NamedTuple, Optional, Sequence

import torch
from torch import Tensor

from plugin.models.utils import host_tensor
from plugin.models.utils.segments import segment_ids
from .anchor_windows import axis_window

# 3: the K nearest integers to a real position p lie in
# [floor(p) - ceil(K / 2) - 1, floor(p) - ceil(K / 2) + K + 2)
TOPK_MARGIN = 3


class LevelGrid(NamedTuple):
    """One level's point coordinates (offset-free, any origin).

    Attributes:
        xs (Tensor): (W_l,) the columns' x, increasing.
        ys (Tensor): (H_l,) the rows' y, increasing.
        start (int): index of the level's first point in P.
        stride (float): the level's stride.
    """
    xs: Tensor
    ys: Tensor
    start: int
    stride: float


class PointPairs(NamedTuple):
    """The (gt, point) candidate pairs of a batch.

    Attributes:
        gt (Tensor): (T,) int64 flat gt index, image * G + gt.
        point (Tensor): (T,) int64 point index in [0, P).
        flat (Tensor): (T,) int64 image * P + point.
        counts (Tensor): (B G,) int64 pairs of each gt (contiguous, in gt
            order: the ``lengths`` of ``segment_reduce``).
        image_counts (Tensor): (B,) int64 pairs of each image.
    """
    gt: Tensor
    point: Tensor
    flat: Tensor
    counts: Tensor
    image_counts: Tensor


def level_grids(level_points: Sequence[Tensor],
                featmap_sizes: Sequence[Sequence[int]],
                strides: Sequence[float]) -> List[LevelGrid]:
    """Each level's columns and rows, read off its (H_l W_l, 2) points
    (row 0 for the columns, column 0 for the rows: the same floats as every
    other row and column of mmdet's ``MlvlPointGenerator``)."""
    grids, start = [], 0
    for points, (h, w), s in zip(level_points, featmap_sizes, strides):
        h, w = int(h), int(w)
        if h * w == 0:
            xs = points.new_zeros((w, ))
            ys = points.new_zeros((h, ))
        else:
            grid = points.view(h, w, 2)
            xs, ys = grid[0, :, 0].contiguous(), grid[:, 0, 1].contiguous()
        grids.append(LevelGrid(xs, ys, start, float(s)))
        start += h * w
    return grids


def inside_windows(grids: Sequence[LevelGrid], boxes: Tensor,
                   valid: Tensor) -> Tensor:
    """Per gt and level, the window of points strictly inside the box.

    Args:
        grids: the levels (:func:`level_grids`).
        boxes (Tensor): (B, G, 4) boxes, finite.
        valid (Tensor): (B, G) bool, False on padding (an empty window).

    Returns:
        Tensor: (B, G, L, 4) int64 first column, columns, first row, rows.
    """
    flat = boxes.reshape(-1, 4)
    ok = valid.reshape(-1, 1)
    out = []
    for grid in grids:
        # the anchor grid's search with x1 = x2 = x: x1 < x < x2, strict
        lo_x, wx = axis_window(grid.xs, grid.xs, flat[:, 0], flat[:, 2])
        lo_y, wy = axis_window(grid.ys, grid.ys, flat[:, 1], flat[:, 3])
        wy = wy * ok[:, 0]
        out.append(torch.stack([lo_x, wx, lo_y, wy], dim=1))
    if not out:
        return flat.new_zeros((*valid.shape, 0, 4), dtype=torch.long)
    return torch.stack(out, dim=1).view(*valid.shape, len(out), 4)


def topk_candidates(grids: Sequence[LevelGrid], centers: Tensor,
                    mean: Tensor, topk: int) -> Tensor:
    """For each gt, the points that can hold its ``topk`` highest prior
    values: per level, the K + 3 columns and rows nearest the prior's peak
    (the box centre moved by ``mean`` strides), kept inside the grid.

    Args:
        grids: the levels.
        centers (Tensor): (N, 2) box centres.
        mean (Tensor): (N, 2) the prior's offsets of the gts' classes, in
            strides.
        topk (int): K.

    Returns:
        Tensor: (N, M) int64 point indices, M = sum over levels of
        min(K + 3, W_l) min(K + 3, H_l), in increasing order per gt.
    """
    m = topk + TOPK_MARGIN
    parts = []
    for grid in grids:
        w, h = len(grid.xs), len(grid.ys)
        if w * h == 0:
            continue
        mw, mh = min(m, w), min(m, h)
        idx = []
        for axis, coords, n, size in ((0, grid.xs, w, mw),
                                      (1, grid.ys, h, mh)):
            peak = centers[:, axis] + mean[:, axis] * grid.stride
            # nearest index below the peak, in the grid's own coordinates
            below = torch.searchsorted(coords, peak.contiguous()) - 1
            first = (below - (topk + 1) // 2 - 1).clamp_(min=0,
                                                         max=n - size)
            idx.append(first[:, None] +
                       torch.arange(size, device=centers.device))
        cols, rows = idx  # (N, mw), (N, mh)
        points = grid.start + rows[:, :, None] * w + cols[:, None, :]
        parts.append(points.reshape(len(centers), -1))
    if not parts:
        return centers.new_zeros((len(centers), 0), dtype=torch.long)
    return torch.cat(parts, dim=1)


def window_counts(windows: Tensor,
                  extra_counts: Optional[Tensor] = None) -> Tensor:
    """Pairs of each gt's segments: its level windows, then its extra
    points.

    Args:
        windows (Tensor): (B, G, L, 4) from :func:`inside_windows`.
        extra_counts (Tensor, optional): (B G,) extra points of each gt.

    Returns:
        Tensor: (B G, L) or (B G, L + 1) int64; its sum is T.
    """
    counts = (windows[..., 1] * windows[..., 3]).flatten(0, 1)
    if extra_counts is not None:
        counts = torch.cat([counts, extra_counts[:, None]], dim=1)
    return counts


def covered_points(grids: Sequence[LevelGrid], windows: Tensor,
                   num_points: int, extra: Optional[Tensor] = None,
                   extra_counts: Optional[Tensor] = None) -> Tensor:
    """Which points belong to at least one pair, without listing them.

    Per level, +1/-1 at each window's corners of a (B, H_l + 1, W_l + 1)
    difference grid, summed along rows and columns (a 2-D prefix sum):
    the number of windows over each point.

    Args:
        grids: the levels.
        windows (Tensor): (B, G, L, 4) from :func:`inside_windows`.
        num_points (int): P.
        extra (Tensor, optional): (B G, K) extra points of each gt.
        extra_counts (Tensor, optional): (B G,) 0 or K, as in
            :func:`window_pairs`.

    Returns:
        Tensor: (B, P) bool.
    """
    num_imgs, num_gts = windows.shape[:2]
    image = torch.arange(num_imgs, device=windows.device).repeat_interleave(
        num_gts)
    parts = []
    for level, grid in enumerate(grids):
        w, h = len(grid.xs), len(grid.ys)
        lo_x, wx, lo_y, wy = windows[:, :, level].reshape(-1, 4).unbind(1)
        # empty windows add +1 -1 +... at one corner: nothing
        wx = wx * (wy > 0)
        diff = windows.new_zeros((num_imgs, h + 1, w + 1))
        for ys, xs, sign in ((lo_y, lo_x, 1), (lo_y, lo_x + wx, -1),
                             (lo_y + wy, lo_x, -1),
                             (lo_y + wy, lo_x + wx, 1)):
            diff.index_put_((image, ys, xs),
                            torch.full_like(ys, sign),
                            accumulate=True)
        cover = diff.cumsum_(1).cumsum_(2)[:, :h, :w]
        parts.append(cover.reshape(num_imgs, -1) > 0)
    used = torch.cat(parts, dim=1) if parts else windows.new_zeros(
        (num_imgs, num_points), dtype=torch.bool)
    if extra is not None and extra.size(1):
        # a count per point, not a boolean mask: no host sync
        flat = (image[:, None] * num_points + extra).reshape(-1)
        take = (extra_counts > 0)[:, None].expand_as(extra).reshape(-1)
        hits = flat.new_zeros((num_imgs * num_points, ))
        hits.index_add_(0, flat, take.long())
        used = used | (hits > 0).view(num_imgs, num_points)
    return used


def window_pairs(grids: Sequence[LevelGrid], windows: Tensor,
                 num_points: int,
                 extra: Optional[Tensor] = None,
                 extra_counts: Optional[Tensor] = None,
                 total: Optional[int] = None) -> PointPairs:
    """List the windows' pairs (and each gt's extra points after them).

    Args:
        grids: the levels.
        windows (Tensor): (B, G, L, 4) from :func:`inside_windows`.
        num_points (int): P.
        extra (Tensor, optional): (B G, K) int64 points appended to each
            gt's pairs (``force_topk``), increasing.
        extra_counts (Tensor, optional): (B G,) how many of them each gt
            takes (0 or K).
        total (int, optional): T, the sum of :func:`window_counts`, when
            the caller read it (with its other reads).

    Returns:
        PointPairs: the pairs, gt by gt. Without ``total``, reads the number
        of pairs back to the host (one sync).
    """
    device = windows.device
    num_imgs, num_gts, num_levels = windows.shape[:3]
    counts = window_counts(windows, extra_counts)  # (B G, L[+1])
    windows = windows.reshape(num_imgs * num_gts, num_levels, 4)
    seg_counts = counts.reshape(-1)
    cum = seg_counts.cumsum(0)
    if total is None:
        total = int(cum[-1]) if len(cum) else 0  # the one host read
    t = torch.arange(total, device=device)
    starts = cum - seg_counts
    seg = segment_ids(starts, cum, 0, total)
    local = t - starts.index_select(0, seg)
    per_gt = counts.size(1)
    gt = torch.div(seg, per_gt, rounding_mode='floor')
    level = seg - gt * per_gt
    # each level's windows: row-major inside the window (the extra
    # segment, level L, reads level L - 1's window and is replaced below)
    in_level = level.clamp(max=max(num_levels - 1, 0))
    if num_levels:
        lo_x, wx, lo_y, _ = windows.reshape(-1, 4).index_select(
            0, gt * num_levels + in_level).unbind(1)
        widths = host_tensor([len(g.xs) for g in grids], device,
                             torch.long)
        starts = host_tensor([g.start for g in grids], device, torch.long)
        row = torch.div(local, wx.clamp(min=1), rounding_mode='floor')
        col = local - row * wx
        point = starts[in_level] + (lo_y + row) * widths[in_level] + \
            lo_x + col
    else:
        point = torch.zeros_like(t)
    if extra is not None and extra.size(1):
        pts = extra.reshape(-1).index_select(
            0, gt * extra.size(1) + local.clamp(max=extra.size(1) - 1))
        point = torch.where(level == num_levels, pts, point)
    image = torch.div(gt, max(num_gts, 1), rounding_mode='floor')
    gt_counts = counts.sum(1)
    return PointPairs(gt=gt, point=point, flat=image * num_points + point,
                      counts=gt_counts,
                      image_counts=gt_counts.view(num_imgs, num_gts).sum(1))
