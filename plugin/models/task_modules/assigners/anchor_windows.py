"""Anchor windows: for each box and each anchor shape of a grid, the cells
whose anchors overlap the box, and the overlaps of those pairs only, in
chunks of bounded size.

Shapes: B images, G boxes per image (padded), S anchor shapes of all levels
(the sum of A_l, e.g. 5 levels x 3 ratios = 15), V = B * G * S windows,
C width classes (``ROW_WIDTHS``), R rows of one chunk, Wp its padded row
width, N anchors of all levels (the grid layout of
:mod:`plugin.models.task_modules.prior_generators.anchor_grid`).

Why windows: an anchor (x1, y1, x2, y2) has a positive intersection with a
box (bx1, by1, bx2, by2) only if x1 < bx2, x2 > bx1, y1 < by2 and y2 > by1;
otherwise mmdet's clamped intersection width or height is 0 and so is the
IoU (and the IoF). On a grid, x1 and x2 of one shape increase with the
column, so a box's columns form a range [lo_x, lo_x + wx), found by two
binary searches in the shape's column coordinates, and its rows likewise.
The coordinates searched are the anchors' own floats, so the windows are
exact: no rounding margin, and every pair outside them has IoU 0 in the
dense computation too.

Enumeration: each window row is cut into segments of at most ``SEG``
columns, and segments are grouped by their width rounded up to the next of
``ROW_WIDTHS`` (a width class). A chunk is a dense (R, Wp) block of one
class: the columns' coordinates come from one row gather of a strided view,
each row's from broadcasting. The one host read (the rows of each class,
:attr:`Windows.class_rows`) is left to the caller, who reads everything it
needs at once.

Memory: per window (V of them) 6 + 3 C int64 attributes (312 bytes with 11
classes) and (V, C) temporaries while they are built; per chunk, its block.
It grows with the number of boxes, not with the pairs.

Boxes must be finite (the heads check their gts): a NaN box has no window,
where the dense computation spreads NaN IoUs.
"""
from typing import Iterator, List, NamedTuple, Sequence, Tuple

import torch
from torch import Tensor

from plugin.models.task_modules.prior_generators.anchor_grid import \
    AnchorGrid
from plugin.models.utils import host_tensor
from .batch_iou import EPS

# Padded row widths, one class each: steps of 2 and 1.5, so a segment of 3
# columns or more is padded by less than a third (the bench's crowded case:
# 30.5M pairs in 35.3M padded ones, 16 % more; 41.3M with powers of two). 4:
# rows
# narrower than 4 columns (the coarse levels' windows) are few pairs in
# all, and a narrower class would add a chunk loop for little saving. 128:
# wider rows are cut into 128-column segments, so no block is wider.
ROW_WIDTHS = (4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
SEG = ROW_WIDTHS[-1]

# x1 = x2 of the padding columns after each shape's: past every box (finite,
# so that their intersection and width are 0, not NaN). A block's columns
# past its segment's width are real columns outside the window, or these,
# or (past a level's last anchors) later anchors: all of IoU 0, which no
# reduction can tell from an absent pair, so no padding mask is needed.
PAST_GRID = 3e38


def axis_window(starts: Tensor, ends: Tensor, box_lo: Tensor,
                box_hi: Tensor) -> Tuple[Tensor, Tensor]:
    """The cells of one grid axis that overlap each box's interval: those
    with ``end > box_lo`` and ``start < box_hi`` (mmdet's positive clamped
    intersection), as a first index and a count, by two binary searches.

    A point grid is the case ``starts = ends`` (the points strictly inside,
    :mod:`.point_windows`).

    Args:
        starts (Tensor): (W,) the cells' starts, increasing.
        ends (Tensor): (W,) their ends, increasing.
        box_lo, box_hi (Tensor): (N,) the boxes' interval.

    Returns:
        tuple[Tensor, Tensor]: (N,) int64 first cell and number of cells.
    """
    first = torch.searchsorted(ends, box_lo.contiguous(), right=True)
    stop = torch.searchsorted(starts, box_hi.contiguous())
    return first, (stop - first).clamp_(min=0)


class GridTables(NamedTuple):
    """Per-shape column and row coordinates of a grid's anchors.

    Attributes:
        x1, x2, w (Tensor): (sum of (W_s + SEG),) each shape's columns'
            x1, x2 and x2 - x1, then SEG padding columns at ``PAST_GRID``
            (zero width: their IoU with any box is 0).
        y1, y2, h (Tensor): (sum of H_s,) the rows' y1, y2 and y2 - y1.
        col_off, row_off (Tensor): (S,) int64 offset of each shape in them.
        first (Tensor): (S,) int64 flat index of the shape's anchor at cell
            (0, 0).
        step_x, step_y (Tensor): (S,) int64 flat index steps to the next
            column (A_l) and row (W_l * A_l).
        levels (list[tuple[int, ...]]): per level, its first shape, A_l,
            H_l, W_l, and its first column and row in the tables (host
            ints: no read back from the device).
    """
    x1: Tensor
    x2: Tensor
    w: Tensor
    y1: Tensor
    y2: Tensor
    h: Tensor
    col_off: Tensor
    row_off: Tensor
    first: Tensor
    step_x: Tensor
    step_y: Tensor
    levels: List[tuple]


def grid_tables(anchors: Tensor, grid: AnchorGrid) -> GridTables:
    """Read the column and row coordinates of every shape off ``anchors``
    (row 0 for the columns, column 0 for the rows: the same floats as every
    other row and column, see ``anchor_grid``).

    Args:
        anchors (Tensor): (N, 4) anchors laid out as ``grid`` says.
        grid (AnchorGrid): the levels' sizes and shapes.
    """
    if len(anchors) != grid.num_anchors:
        raise ValueError(f'{len(anchors)} anchors do not match the grid '
                         f'({grid.num_anchors}: {grid})')
    xs, ys, first, step_x, step_y, levels = [], [], [], [], [], []
    start = shape = col = row = 0
    for (h, w), a in zip(grid.featmap_sizes, grid.num_base_anchors):
        level = anchors[start:start + h * w * a].view(h, w, a, 4)
        if h * w == 0:  # an empty level: columns or rows of nothing
            cols, rows = anchors.new_zeros((a, w, 2)), anchors.new_zeros(
                (a, h, 2))
        else:
            cols = level[:1, :, :, 0::2].reshape(w, a, 2).transpose(0, 1)
            rows = level[:, :1, :, 1::2].reshape(h, a, 2).transpose(0, 1)
        xs.append(torch.cat([cols, cols.new_full((a, SEG, 2), PAST_GRID)],
                            dim=1))  # (A_l, W_l + SEG, 2)
        ys.append(rows)
        first += range(start, start + a)
        step_x += [a] * a
        step_y += [w * a] * a
        levels.append((shape, a, h, w, col, row))
        start += h * w * a
        shape += a
        col += (w + SEG) * a
        row += h * a
    x = torch.cat([t.reshape(-1, 2) for t in xs])  # (sum W_s + SEG, 2)
    y = torch.cat([t.reshape(-1, 2) for t in ys])

    def longs(values: Sequence[int]) -> Tensor:
        return host_tensor(values, anchors.device, torch.long)

    return GridTables(
        x1=x[:, 0].contiguous(), x2=x[:, 1].contiguous(),
        w=x[:, 1] - x[:, 0], y1=y[:, 0].contiguous(),
        y2=y[:, 1].contiguous(), h=y[:, 1] - y[:, 0],
        col_off=longs([c + i * (w + SEG) for _, a, _, w, c, _ in levels
                       for i in range(a)]),
        row_off=longs([r + i * h for _, a, h, _, _, r in levels
                       for i in range(a)]),
        first=longs(first), step_x=longs(step_x), step_y=longs(step_y),
        levels=levels)


class Rows(NamedTuple):
    """One chunk: R window row segments of one width class.

    Attributes:
        box (Tensor): (R,) int64 flat box index (image * G + box).
        col (Tensor): (R,) int64 first column, in the tables.
        row (Tensor): (R,) int64 row, in the tables.
        target (Tensor): (R,) int64 flat (image * N + anchor) index of the
            first anchor.
        step (Tensor): (R,) int64 flat index step to the next column.
        padded (int): Wp, the block's width (the segments' columns, then
            columns of IoU 0, see ``PAST_GRID``).
    """
    box: Tensor
    col: Tensor
    row: Tensor
    target: Tensor
    step: Tensor
    padded: int


class Windows:
    """The windows of a batch's boxes on a grid, and their row chunks.

    Args:
        tables (GridTables): the grid's coordinates.
        boxes (Tensor): (B, G, 4) boxes.
        valid (Tensor): (B, G) bool, False on padding (no window).
        num_anchors (int): N, for the flat (image, anchor) targets.
    """

    def __init__(self, tables: GridTables, boxes: Tensor, valid: Tensor,
                 num_anchors: int) -> None:
        device = boxes.device
        num_imgs, num_boxes = valid.shape
        num_shapes = len(tables.first)
        self.tables = tables
        self.boxes = boxes.reshape(-1, 4)
        most = max((level[1] for level in tables.levels), default=1)
        flat = self.boxes[None].expand(most, -1, -1)
        lo_x, lo_y, wx, wy = [], [], [], []
        for _, a, h, w, col, row in tables.levels:
            b = flat[:a]  # (A_l, B * G, 4), searched per shape
            if h * w == 0:  # an empty level: no window
                zeros = b.new_zeros(b.shape[:2], dtype=torch.long)
                for out in (lo_x, lo_y, wx, wy):
                    out.append(zeros)
                continue
            # the padding columns (PAST_GRID) sort after the real ones
            x1 = tables.x1[col:col + a * (w + SEG)].view(a, w + SEG)
            x2 = tables.x2[col:col + a * (w + SEG)].view(a, w + SEG)
            y1 = tables.y1[row:row + a * h].view(a, h)
            y2 = tables.y2[row:row + a * h].view(a, h)
            # first column whose x2 > bx1; first column whose x1 >= bx2;
            # at most W_l (a box reaching past PAST_GRID would take the
            # padding columns, whose IoU is 0 anyway)
            lo, n = axis_window(x1, x2, b[..., 0], b[..., 2])
            lo_x.append(lo.clamp_(max=w))
            wx.append(n.clamp_(max=w - lo))
            lo, n = axis_window(y1, y2, b[..., 1], b[..., 3])
            lo_y.append(lo)
            wy.append(n)

        def per_window(parts):  # list of (A_l, B * G) -> (V,)
            return torch.cat(parts).t().reshape(-1)

        lo_x, lo_y, wx, wy = map(per_window, (lo_x, lo_y, wx, wy))
        # (expand, not repeat_interleave(int): sync-free on every torch)
        wy = wy * valid.reshape(-1, 1).expand(-1, num_shapes).reshape(-1)
        box = torch.arange(num_imgs * num_boxes, device=device)
        box = box[:, None].expand(-1, num_shapes).reshape(-1)
        shape = torch.arange(num_shapes, device=device).repeat(
            num_imgs * num_boxes)
        image = box // max(num_boxes, 1)

        # rows of each class: full SEG segments in the last class, the
        # remainder (if any) in the class of its width rounded up
        full = torch.div(wx, SEG, rounding_mode='floor')
        rest = wx - full * SEG
        widths = host_tensor(ROW_WIDTHS, device, torch.long)
        rest_class = torch.searchsorted(widths, rest)
        segs = torch.zeros((len(wx), len(ROW_WIDTHS)), dtype=torch.long,
                           device=device)
        segs[:, -1] = full
        segs.scatter_add_(1, rest_class[:, None], (rest > 0).long()[:, None])
        rows = wy[:, None] * segs  # (V, C)
        cum = rows.cumsum(0)
        # first segment of each class in its row: 0 in the last class (the
        # full segments, then the remainder if it falls there too), else
        # the remainder's, after the full ones
        first_seg = full[:, None].expand(-1, len(ROW_WIDTHS)).clone()
        first_seg[:, -1] = 0
        st = tables
        self.attrs = torch.stack([
            box,
            st.col_off[shape] + lo_x,
            st.row_off[shape] + lo_y,
            image * num_anchors + st.first[shape] + lo_y * st.step_y[shape]
            + lo_x * st.step_x[shape],
            st.step_x[shape],
            st.step_y[shape],
        ], dim=1)
        # per class: rows before each window, segments per row, first
        # segment; (C, V, 3)
        self.class_attrs = torch.stack([(cum - rows).t(), segs.t(),
                                        first_seg.t()], dim=2)
        self.class_cum = cum.t().contiguous()  # (C, V)
        self.class_rows = cum[-1] if len(cum) else rows.sum(0)  # (C,)
        # the column step, when all levels have the same A (mmdet's
        # generators), else per row
        steps = {level[1] for level in tables.levels}
        self.step = steps.pop() if len(steps) == 1 else None
        # targets may run this far past B x N (a last block's columns)
        self.slack = SEG * most

    def chunks(self, class_rows: Sequence[int],
               max_pairs: int) -> Iterator[Rows]:
        """The row chunks of every class, at most ``max_pairs`` padded pairs
        each (at least one row).

        Args:
            class_rows: :attr:`class_rows` read back to the host.
            max_pairs: the chunk budget.
        """
        device = self.attrs.device
        for c, (total, width) in enumerate(zip(class_rows, ROW_WIDTHS)):
            per_chunk = max(1, max_pairs // width)
            for start in range(0, total, per_chunk):
                r = torch.arange(start, min(start + per_chunk, total),
                                 device=device)
                window = torch.searchsorted(self.class_cum[c], r, right=True)
                before, segs, first_seg = self.class_attrs[c].index_select(
                    0, window).unbind(1)
                box, col, row, target, step_x, step_y = \
                    self.attrs.index_select(0, window).unbind(1)
                local = r - before
                y = torch.div(local, segs, rounding_mode='floor')
                x0 = (local - y * segs + first_seg) * SEG
                yield Rows(
                    box=box, col=col + x0, row=row + y,
                    target=target + y * step_y + x0 * step_x, step=step_x,
                    padded=width)

    def overlaps(self, rows: Rows, mode: str = 'iou'):
        """Overlaps of a chunk's pairs, bitwise mmdet's ``bbox_overlaps``
        (the float32 ops of :func:`batch_overlaps`, in its order).

        Args:
            rows (Rows): the chunk.
            mode (str): ``'iou'``, ``'iof'`` (over the box's area) or
                ``'iof_anchor'`` (over the anchor's area).

        Returns:
            tuple[Tensor, Tensor]: (R, Wp) overlaps and int64 flat (image *
            N + anchor) targets. The columns past a segment's width have
            overlap 0, and targets up to :attr:`slack` past B x N.
        """
        st = self.tables
        wp = rows.padded
        box = self.boxes.index_select(0, rows.box)  # (R, 4)
        bx1, by1, bx2, by2 = (box[:, i, None] for i in range(4))

        def columns(values: Tensor) -> Tensor:  # (R, Wp), a row gather each
            return values.unfold(0, wp, 1).index_select(0, rows.col)

        def row(values: Tensor) -> Tensor:  # (R, 1)
            return values.index_select(0, rows.row)[:, None]

        ax1, ax2 = columns(st.x1), columns(st.x2)
        ay1, ay2 = row(st.y1), row(st.y2)
        iw = torch.minimum(bx2, ax2)
        iw.sub_(torch.maximum(bx1, ax1)).clamp_(min=0)
        ih = torch.minimum(by2, ay2).sub_(torch.maximum(by1, ay1))
        ih.clamp_(min=0)
        overlap = iw.mul_(ih)
        anchor_area = columns(st.w) * row(st.h)
        if mode == 'iou':
            box_area = (bx2 - bx1) * (by2 - by1)
            denom = torch.add(box_area, anchor_area, out=anchor_area)
            denom.sub_(overlap).clamp_(min=EPS)
        elif mode == 'iof':
            denom = ((bx2 - bx1) * (by2 - by1)).clamp_(min=EPS)
        elif mode == 'iof_anchor':
            denom = anchor_area.clamp_(min=EPS)
        else:
            raise ValueError(f'unknown overlap mode {mode!r}')
        overlap = overlap.div_(denom)
        return overlap, self.targets(rows)

    def targets(self, rows: Rows) -> Tensor:
        """(R, Wp) int64 flat (image * N + anchor) index of each pair."""
        j = torch.arange(rows.padded, device=rows.target.device)
        if self.step is not None:  # every level has A shapes: one row
            return rows.target[:, None] + j * self.step
        return rows.target[:, None] + j * rows.step[:, None]
