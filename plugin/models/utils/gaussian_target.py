"""Gaussian heatmap targets (CornerNet / CenterNet), drawn for many objects
at once.

Shapes: N objects (those of every image of the batch), M heatmap channels
(images x classes), H x W the feature map, K = 2 R + 1 the window side.

An object with integer centre cell (cx, cy) and radius r draws on its channel

    g(dx, dy) = exp(-(dx^2 + dy^2) / (2 sigma^2)),   sigma = (2 r + 1) / 6,

on the square window |dx|, |dy| <= r clipped to the map, with values below
float32's eps set to 0 (mmdet's ``gen_gaussian_target``: the peak is exactly
1 at the centre cell). Overlapping gaussians on one channel are combined by
element-wise max, which does not depend on the order of the objects.

Memory: a gaussian is only ever evaluated on its window, never on the whole
map. Every object of a call gets a K x K window (K = 2 R + 1, R the largest
radius the caller allows; unused cells write 0, which the max ignores), and
objects are processed in chunks of at most ``budget`` window cells. Peak
extra memory is therefore about 17 bytes x ``budget`` (value, flat index,
mask) whatever N is, and no (N, H, W) tensor is ever formed. The number of
chunks follows from N and K alone (host integers), so nothing is read back
from the device.

Work: N K^2 cells. R is the radius of a box covering the whole map, so on a
large map with many small objects (5000 boxes of at most 25 cells on a
750 x 750 map: K = 401 where the largest radius is about 10) nearly all of
it is padding. From ``CLASS_MIN_CELLS`` window cells on, the objects are
therefore grouped by radius class (R_c = 0, 1, 2, 4, 8, ... up to R, the
smallest at least r), each class drawn with its own window: at most about
4 (2 r + 1)^2 cells an object, for one host read (the classes' sizes).
Same values either way: a cell's value depends only on its offset and r.
"""
import math

import numpy as np
import torch
from torch import Tensor

from .host import host_tensor

# mmdet zeroes kernel values below eps * max (max = 1 at the centre).
FLOAT32_EPS = torch.finfo(torch.float32).eps
# Window cells per chunk: ~36 MB of transient memory at 17 bytes a cell.
DEFAULT_BUDGET = 2**21
# From this many window cells N K^2, objects are drawn by radius class (one
# host read): 2**24 is 8 chunks of DEFAULT_BUDGET, about 0.1 s of work on
# a CPU core, against a read that costs a GPU's queue (about 10-50 us).
# Below it (the shapes recipes, the default bench) the call stays sync-free.
CLASS_MIN_CELLS = 2**24


def gaussian_radius(height: Tensor, width: Tensor,
                    min_overlap: float = 0.3) -> Tensor:
    """CornerNet's gaussian radius of boxes, element-wise.

    The largest r such that a box whose corners are shifted by r still has
    IoU >= ``min_overlap`` with the gt, for the three cases of mmdet's
    ``gaussian_radius`` (see its docstring for the derivation), taking the
    smallest. The float32 operations are mmdet's, in its order; its square
    roots are taken in float64 (``math.sqrt``), and so are these, because
    torch's float32 ``sqrt`` on CPU is not correctly rounded. The result is
    bitwise equal to mmdet's.

    Args:
        height (Tensor): (...) box heights (float32), >= 0.
        width (Tensor): (...) box widths, same shape.
        min_overlap (float): the IoU bound. Defaults to 0.3 (CenterNet's).

    Returns:
        Tensor: (...) float radii; callers take ``int()`` (truncation).
    """

    def sqrt(x: Tensor) -> Tensor:
        return x.double().sqrt().to(x.dtype)

    # case 1: one corner inside the gt box, the other outside
    a1 = 1
    b1 = height + width
    c1 = width * height * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 - sqrt(b1**2 - 4 * a1 * c1)) / (2 * a1)
    # case 2: both corners inside
    a2 = 4
    b2 = 2 * (height + width)
    c2 = (1 - min_overlap) * width * height
    r2 = (b2 - sqrt(b2**2 - 4 * a2 * c2)) / (2 * a2)
    # case 3: both corners outside
    a3 = 4 * min_overlap
    b3 = -2 * min_overlap * (height + width)
    c3 = (min_overlap - 1) * width * height
    r3 = (b3 + sqrt(b3**2 - 4 * a3 * c3)) / (2 * a3)
    return torch.minimum(torch.minimum(r1, r2), r3)


def gaussian_radius_host(height: float, width: float,
                         min_overlap: float = 0.3) -> float:
    """:func:`gaussian_radius` of one box, computed on the host.

    The same float32 operations in the same order (numpy float32 scalars,
    square roots in float64), so the value is bitwise the tensor
    function's, without a tensor: reading a tensor back (``int()``) would
    be a host sync, and its size is needed on the host to size windows.

    Args:
        height (float): box height.
        width (float): box width.
        min_overlap (float): the IoU bound.

    Returns:
        float: the radius (callers take ``int()``).
    """
    # Python-float subexpressions stay Python floats and are rounded to
    # float32 where they meet a float32 value, as torch does with scalars.
    f32 = np.float32
    height, width = f32(height), f32(width)

    def sqrt(x: np.float32) -> np.float32:
        return f32(math.sqrt(float(x)))

    b1 = height + width
    c1 = width * height * f32(1 - min_overlap) / f32(1 + min_overlap)
    r1 = (b1 - sqrt(b1 * b1 - f32(4) * c1)) / f32(2)
    b2 = f32(2) * (height + width)
    c2 = f32(1 - min_overlap) * width * height
    r2 = (b2 - sqrt(b2 * b2 - f32(16) * c2)) / f32(8)
    a3 = 4 * min_overlap
    b3 = f32(-2 * min_overlap) * (height + width)
    c3 = f32(min_overlap - 1) * width * height
    r3 = (b3 + sqrt(b3 * b3 - f32(4 * a3) * c3)) / f32(2 * a3)
    return float(min(r1, r2, r3))


def gaussian_two_var(radius: Tensor) -> Tensor:
    """2 sigma^2 with sigma = (2 r + 1) / 6, as mmdet computes it: in
    float64 (Python floats there), then used as a float32 divisor.

    Args:
        radius (Tensor): (N,) integer radii.

    Returns:
        Tensor: (N,) float32.
    """
    sigma = (2 * radius + 1).double() / 6
    return (2 * sigma * sigma).float()


@torch.no_grad()
def draw_gaussians(heatmap: Tensor,
                   channel: Tensor,
                   center_x: Tensor,
                   center_y: Tensor,
                   radius: Tensor,
                   valid: Tensor,
                   max_radius: int,
                   budget: int = DEFAULT_BUDGET) -> Tensor:
    """Draw one gaussian per object into ``heatmap``, in place (max).

    Args:
        heatmap (Tensor): (M, H, W) float32 maps, usually zeros; every value
            must be >= 0 (the max with an unused window cell's 0 is then a
            no-op).
        channel (Tensor): (N,) int64 channel of each object, in [0, M).
        center_x (Tensor): (N,) int64 centre column; objects whose centre is
            off the map draw only the part of their window on it.
        center_y (Tensor): (N,) int64 centre row.
        radius (Tensor): (N,) int64 radius, in [0, ``max_radius``].
        valid (Tensor): (N,) bool; invalid objects draw nothing.
        max_radius (int): R, the window half-side (a host integer).
        budget (int): window cells evaluated at once (memory bound).

    Returns:
        Tensor: ``heatmap``, updated.
    """
    num_maps, height, width = heatmap.shape
    num_objs = channel.numel()
    if num_objs == 0:
        return heatmap
    side = 2 * max_radius + 1
    if num_objs * side * side >= CLASS_MIN_CELLS and max_radius > 0:
        return _draw_by_radius_class(heatmap, channel, center_x, center_y,
                                     radius, valid, max_radius, budget)
    return _draw_windows(heatmap, channel, center_x, center_y, radius,
                         valid, max_radius, budget)


def _draw_by_radius_class(heatmap: Tensor, channel: Tensor, center_x: Tensor,
                          center_y: Tensor, radius: Tensor, valid: Tensor,
                          max_radius: int, budget: int) -> Tensor:
    """:func:`draw_gaussians` with each object's window sized by its
    radius class: 0, then powers of 2, then ``max_radius`` (the smallest
    bound at least the radius). One host read: the classes' sizes."""
    bounds = [0] + [1 << k for k in range(max_radius.bit_length())
                    if 1 << k < max_radius] + [max_radius]
    bounds_t = host_tensor(bounds, radius.device, torch.long)
    # invalid objects draw nothing: class 0, the cheapest window
    klass = torch.searchsorted(bounds_t, radius * valid)  # (N,)
    order = klass.argsort(stable=True)
    # (scatter_add, not bincount: bincount reads the maximum back)
    sizes = klass.new_zeros(len(bounds)).scatter_add_(
        0, klass, torch.ones_like(klass)).tolist()  # the host read
    start = 0
    for bound, size in zip(bounds, sizes):
        if size:
            idx = order[start:start + size]
            _draw_windows(heatmap, channel[idx], center_x[idx],
                          center_y[idx], radius[idx], valid[idx], bound,
                          budget)
        start += size
    return heatmap


def _draw_windows(heatmap: Tensor, channel: Tensor, center_x: Tensor,
                  center_y: Tensor, radius: Tensor, valid: Tensor,
                  max_radius: int, budget: int) -> Tensor:
    """:func:`draw_gaussians` with one (2 R + 1)^2 window an object, R =
    ``max_radius``, in chunks of ``budget`` cells; no host read."""
    num_maps, height, width = heatmap.shape
    num_objs = channel.numel()
    device = heatmap.device
    offsets = torch.arange(-max_radius, max_radius + 1, device=device)  # (K,)
    side = offsets.numel()
    sq = offsets.float()**2
    # dx^2 + dy^2 on the window, (K, K): rows are dy, columns dx
    dist2 = sq[:, None] + sq[None, :]
    flat = heatmap.view(-1)
    chunk = max(1, budget // (side * side))
    # A loop over chunks of objects (its length is known on the host), not
    # over objects: each iteration draws up to `chunk` windows at once.
    for start in range(0, num_objs, chunk):
        sl = slice(start, start + chunk)
        r = radius[sl, None]
        xs = center_x[sl, None] + offsets  # (n, K)
        ys = center_y[sl, None] + offsets
        in_x = (offsets.abs() <= r) & (xs >= 0) & (xs < width)
        in_y = (offsets.abs() <= r) & (ys >= 0) & (ys < height) & \
            valid[sl, None]
        # mmdet's -(x^2 + y^2) / (2 sigma^2), then exp, then the eps cut
        values = dist2.neg() / gaussian_two_var(radius[sl])[:, None, None]
        values = values.exp_()
        keep = (in_y[:, :, None] & in_x[:, None, :]) & (values >= FLOAT32_EPS)
        values.masked_fill_(~keep, 0)
        index = (channel[sl, None, None] * height +
                 ys.clamp(0, height - 1)[:, :, None]) * width + \
            xs.clamp(0, width - 1)[:, None, :]  # (n, K, K)
        flat.scatter_reduce_(0, index.view(-1), values.view(-1), 'amax')
    return heatmap
