"""Max-IoU anchor assignment (Faster R-CNN's ``anchor_target_layer``,
mmdet's ``MaxIoUAssigner``) for a whole batch, in bounded memory.

Shapes: B images, N anchors (all levels, shared by the images), G gts per
image (padded, see :class:`plugin.models.utils.BatchGT`), K ignore boxes per
image (padded), n anchors in one chunk.

Every anchor gets one of (mmdet's ``gt_inds`` convention)

    -1  ignored: IoU in [neg_iou_thr, pos_iou_thr), outside the image
        (``allowed_border``), or covered by an ignore box;
     0  negative: IoU with every gt < neg_iou_thr;
    k+1 positive for gt k: IoU >= pos_iou_thr (> with ``pos_iou_strict``,
        SiamRPN's rule), with k the gt it overlaps most; then every gt also
        takes the anchor(s) it overlaps most, ties included, if that IoU is
        >= min_pos_iou (``match_low_quality``; the seed's
        ``gt_argmax_overlaps``), later gts overwriting earlier ones as in
        mmdet's loop. Unlike mmdet, a gt whose best IoU is 0 takes nothing
        (mmdet gives it every anchor when min_pos_iou is 0).

The (B, G, N) IoU matrix is never held whole. Two paths give the same
results (``mode``):

* window (anchors on mmdet's grid, see :mod:`.anchor_windows`): only the
  pairs inside each gt's window of overlapping cells, per level and anchor
  shape, in padded blocks; each anchor's and each gt's best by scatter-max
  of (IoU bits, tie-breaker) keys. The work follows those pairs and the
  memory the boxes and the anchors, not G x N; one host read per batch
  sizes the blocks.
* dense: anchors in chunks of at most a budget of (image, gt, anchor)
  pairs (:func:`chunk_pairs`): by default 2**20 on the CPU (cache-sized),
  and on a GPU as many as fit in 256 MiB at the chunk's peak (a typical
  batch in one chunk). A first pass keeps each anchor's best gt and each
  gt's best IoU, and a byte mask of the pairs at their chunk's best. The
  best-anchor rule then needs no IoU again: a pair is at its gt's best iff
  it is at its chunk's best and the chunk's best is the gt's. When those
  masks would exceed ``MASK_BUDGETS`` chunk budgets (crowded images), the
  rule recomputes each chunk's IoU instead (bitwise the same). No host
  sync.

Results do not depend on the path or the chunk size. No loop over images or
gts.
"""
import warnings
from typing import NamedTuple, Optional, Tuple, Union

import torch
from torch import Tensor

from plugin.models.task_modules.prior_generators.anchor_grid import \
    AnchorGrid
from plugin.models.utils import BatchGT
from plugin.registry import TASK_UTILS
from .anchor_windows import ROW_WIDTHS, Windows, grid_tables
from .batch_iou import batch_overlaps

# Bytes a chunk allocates per (image, gt, anchor) pair at its peak: the three
# float32 (B, G, n) buffers of batch_overlaps while the IoU is formed
# (intersection width, then the IoU; height, then the union; a scratch
# min/max), 3 x 4 bytes. Every later step holds less per pair: the IoU block
# (4) and its "at the chunk's best" byte mask (1) in pass 1; that mask, the
# "at the gt's best" mask (1) and its int32 product with the gt order (4) in
# the best-anchor rule. Ignore boxes add a batch_overlaps of their own
# (12 bytes per image, ignore box and anchor) while the IoU block is held.
CHUNK_BYTES_PER_PAIR = 12

# CPU default, 2**20 pairs: one (B, G, n) float32 IoU block is 4 MiB and a
# chunk's peak about 12 MiB, which stays in the CPU's caches. Measured on
# bench/bench_rpn.py (8 x 30 gts x 65k anchors, 2 cores, IoUs recomputed for
# the best-anchor rule): 79 ms at 2**20, 107-123 ms at 2**21..2**23 (blocks
# served from DRAM, and from 32 MiB up freshly mapped by glibc each time),
# 106 ms at 2**24 (one chunk).
CPU_MAX_PAIRS = 2**20

# GPU default, the chunk's peak in MiB: 256 MiB / 12 bytes = 22,369,621
# pairs, so the bench's batch (8 images x 30 gts x 65,472 anchors = 15.7M
# pairs) is one chunk. Every chunk is some 40 kernel launches (pass 1 and
# the best-anchor rule); at 2**20 pairs that batch takes 15 chunks, each too
# little work per launch to keep a GPU busy. 256 MiB is small next to a
# training GPU's memory, and the caching allocator reuses the blocks from
# one step to the next.
GPU_MAX_CHUNK_MIB = 256

# The per-chunk masks kept for the best-anchor rule may take up to this many
# chunk budgets of pairs (1 byte a pair: 16 MiB at the CPU default, 16/12 of
# the chunk's peak in general), which covers a batch of 8 images x 30 gts x
# 65k anchors on a CPU; beyond, the rule recomputes the IoUs.
MASK_BUDGETS = 16

# IoU given to anchors that take no part (outside the image, or covered by
# an ignore box): below any real IoU, so they are nobody's best.
EXCLUDED = float('-inf')

# The window path's chunk: padded pairs of one (R, Wp) block. Bytes a pair
# at the block's peak (anchor_windows.Windows.overlaps and pass 1): the
# gathered x1/x2 and areas, the intersection, the IoU (4 bytes each, about
# 7 live), the int64 flat targets and keys (8 each, 2-3 live), the kept
# "at its row's best" byte.
WINDOW_BYTES_PER_PAIR = 64

# CPU default of the window path, 2**18 padded pairs: a block's buffers
# (1 MiB of float32 each, about 16 MiB at the peak) stay in the caches.
# Measured on the crowded bench's batch (the assigner alone, an early
# version of the path, 2 cores): 2.3-3.0 s at 2**16 (per-block overhead),
# 1.5-1.7 s at 2**18, 1.8-1.9 s at 2**20.
WINDOW_CPU_PAIRS = 2**18

# mode='auto' on the CPU takes the window path from AUTO_MIN_GTS gts in an
# image and AUTO_MIN_PAIRS dense (image, gt, anchor) pairs on. Below, the
# window path's fixed cost (about 7 ms: the windows, a few hundred small
# ops) and its per-anchor one (keys and their decoding, some 80 ns an
# anchor) exceed what it saves. Measured with `bench/bench_rpn.py
# --crossover` (2 cores; docs/rpn.md): dense 28 vs window 43 ms at 8 images
# x 3 gts of 512x512 (1.6M pairs), 47 vs 47 ms at 8 x 5, 68 vs 56 ms at
# 8 x 8 (4.2M), 39 vs 14 ms at 1 x 15 of 800x800 (2.4M).
AUTO_MIN_GTS = 8
AUTO_MIN_PAIRS = 2**21

# The window path keeps 1 byte a pair for the best-anchor rule up to this
# many padded pairs (64 MiB); beyond, it recomputes the IoUs instead.
WINDOW_MASK_PAIRS = 2**26


# Padding gts become the zero-area box at (FAR, FAR), far from every anchor:
# its IoU is 0 with every anchor, so it never beats a real gt (ties go to the
# first gt, and real gts come first) and needs no mask over the IoU matrix.
FAR = -1e8


def chunk_pairs(device_type: str,
                max_pairs: Optional[int] = None,
                max_chunk_mib: Optional[float] = None,
                window: bool = False) -> int:
    """The most (image, gt, anchor) pairs in one chunk (padded pairs in one
    block of the window path).

    Args:
        device_type (str): the anchors' ``device.type`` (``'cpu'``,
            ``'cuda'``...).
        max_pairs (int, optional): explicit pairs; wins over the rest.
        max_chunk_mib (float, optional): the chunk's peak in MiB, on any
            device, at ``CHUNK_BYTES_PER_PAIR`` bytes a pair
            (``WINDOW_BYTES_PER_PAIR`` on the window path).
        window (bool): the window path's budget.

    Returns:
        int: ``max_pairs`` if given; else ``max_chunk_mib`` MiB in pairs if
        given; else by device: ``CPU_MAX_PAIRS`` (``WINDOW_CPU_PAIRS``) on
        the CPU, and ``GPU_MAX_CHUNK_MIB`` MiB in pairs on any other device.
        At least 1.
    """
    if max_pairs is not None:
        return max_pairs
    if max_chunk_mib is None:
        if device_type == 'cpu':
            return WINDOW_CPU_PAIRS if window else CPU_MAX_PAIRS
        max_chunk_mib = GPU_MAX_CHUNK_MIB
    per_pair = WINDOW_BYTES_PER_PAIR if window else CHUNK_BYTES_PER_PAIR
    return max(1, int(max_chunk_mib * 2**20) // per_pair)


def pack(value: Tensor, low: Tensor) -> Tensor:
    """int64 keys: the float32 bits of ``value`` in the high half, ``low``
    (in [0, 2**31)) in the low half; one op, broadcasting. For values >= 0
    the keys order as (value, low) do; a negative value (-1: a pair that
    takes no part, or -0.0) gives a negative key, below the buffers'
    initial 0. (A ``low`` out of range only comes with a value of 0 or -1,
    a key that never wins.)"""
    return torch.add(low, value.view(torch.int32), alpha=2**32)


def unpack(key: Tensor) -> Tuple[Tensor, Tensor]:
    """The (float32 value, int32 low half) of keys >= 0, as views: the
    halves of a little-endian int64 (x86, ARM and CUDA all are)."""
    halves = key.view(torch.int32).unflatten(-1, (-1, 2))
    return halves[..., 1].view(torch.float32), halves[..., 0]


class AnchorAssignment(NamedTuple):
    """Assignment of a batch's anchors.

    Attributes:
        gt_inds (Tensor): (B, N) int64: -1 ignored, 0 negative, k + 1
            positive for gt k.
        max_overlaps (Tensor): (B, N) float32, each anchor's best IoU
            (0 for images without gts, -inf outside the image, -1 under an
            ignore box, as mmdet).
    """
    gt_inds: Tensor
    max_overlaps: Tensor


@TASK_UTILS.register_module()
class BatchMaxIoUAssigner:
    """Batched, chunked max-IoU assigner with mmdet's arguments.

    Args:
        pos_iou_thr (float): IoU at or above which an anchor is positive.
        neg_iou_thr (float | tuple[float, float]): IoU below which an anchor
            is negative, or a [low, high) range of negative IoUs.
        min_pos_iou (float): the lowest IoU at which a gt still takes its
            best anchor(s) (``match_low_quality``).
        gt_max_assign_all (bool): a gt takes every anchor tied at its best
            IoU (True, the seed's rule) or only the first.
        ignore_iof_thr (float): anchors whose IoF with an ignore box exceeds
            this are ignored; negative: ignore boxes are not used.
        ignore_wrt_candidates (bool): IoF over the anchor's area (True) or
            over the ignore box's area.
        match_low_quality (bool): the best-anchor-per-gt rule.
        pos_iou_strict (bool): positives need IoU > pos_iou_thr (SiamRPN)
            instead of >= (Faster R-CNN, mmdet).
        max_pairs (int, optional): the most (image, gt, anchor) pairs whose
            IoU is held at once, on any device; wins over
            ``max_chunk_mib``. None (default): from ``max_chunk_mib`` or
            the device, see :func:`chunk_pairs`.
        max_chunk_mib (float, optional): the chunk's peak memory in MiB, on
            any device (12 bytes a pair, ``CHUNK_BYTES_PER_PAIR``). None
            (default): by device, 2**20 pairs (12 MiB, cache-sized) on the
            CPU and 256 MiB (22.4M pairs) on a GPU. The kept best-anchor
            masks may add up to 16/12 of it (``MASK_BUDGETS``). The
            window path's blocks take the same budgets in padded pairs, at
            64 bytes a pair (``WINDOW_BYTES_PER_PAIR``); its CPU default is
            2**18 pairs.
        mode (str): ``'auto'`` (default): the window path when the anchors
            are mmdet's grid (the head passes an ``AnchorGrid``) and the
            batch is large enough for it to pay (:meth:`uses_windows`),
            else the dense path; ``'window'``: always the window path (an
            error without a grid); ``'dense'``: every pair, chunked. Both
            give the same results.
        gpu_assign_thr (int): mmdet's switch to CPU assignment for many
            gts. Not needed here (memory is bounded by the chunk budget)
            and ignored, with a warning if set.
        iou_calculator (dict): only mmdet's default ``BboxOverlaps2D``
            (scale 1, no fp16 cast) is supported.
        perm_repeat_gt_cfg (dict): not supported (must be None).
    """

    def __init__(self,
                 pos_iou_thr: float,
                 neg_iou_thr: Union[float, Tuple[float, float]],
                 min_pos_iou: float = .0,
                 gt_max_assign_all: bool = True,
                 ignore_iof_thr: float = -1,
                 ignore_wrt_candidates: bool = True,
                 match_low_quality: bool = True,
                 pos_iou_strict: bool = False,
                 max_pairs: Optional[int] = None,
                 max_chunk_mib: Optional[float] = None,
                 mode: str = 'auto',
                 gpu_assign_thr: float = -1,
                 iou_calculator: Optional[dict] = None,
                 perm_repeat_gt_cfg: Optional[dict] = None) -> None:
        if isinstance(neg_iou_thr, (tuple, list)):
            if len(neg_iou_thr) != 2:
                raise ValueError('neg_iou_thr must be a float or a (low, '
                                 f'high) pair, got {neg_iou_thr}')
            neg_iou_thr = tuple(float(t) for t in neg_iou_thr)
        else:
            neg_iou_thr = (0.0, float(neg_iou_thr))  # mmdet: IoU >= 0
        if iou_calculator is not None:
            calc = dict(iou_calculator)
            if (calc.pop('type', 'BboxOverlaps2D').split('.')[-1] !=
                    'BboxOverlaps2D' or calc.pop('scale', 1.) != 1.
                    or calc.pop('dtype', None) is not None or calc):
                raise ValueError(
                    'BatchMaxIoUAssigner computes mmdet\'s BboxOverlaps2D '
                    f'(scale 1, float32) only; got iou_calculator='
                    f'{iou_calculator}')
        if perm_repeat_gt_cfg is not None:
            raise ValueError('BatchMaxIoUAssigner does not support '
                             'perm_repeat_gt_cfg (random jitter of repeated '
                             'gts, a DINO/DDQ option)')
        if gpu_assign_thr > 0:
            warnings.warn(
                f'gpu_assign_thr={gpu_assign_thr} is ignored: '
                'BatchMaxIoUAssigner bounds its memory by its chunk budget '
                '(max_pairs, max_chunk_mib) and stays on the device')
        if mode not in ('auto', 'window', 'dense'):
            raise ValueError(
                f"mode must be 'auto', 'window' or 'dense', got {mode!r}")
        if max_pairs is not None and max_pairs < 1:
            raise ValueError(f'max_pairs must be >= 1, got {max_pairs}')
        if max_chunk_mib is not None and not max_chunk_mib > 0:
            raise ValueError(
                f'max_chunk_mib must be > 0, got {max_chunk_mib}')
        self.pos_iou_thr = pos_iou_thr
        self.neg_iou_thr = neg_iou_thr
        self.min_pos_iou = min_pos_iou
        self.gt_max_assign_all = gt_max_assign_all
        self.ignore_iof_thr = ignore_iof_thr
        self.ignore_wrt_candidates = ignore_wrt_candidates
        self.match_low_quality = match_low_quality
        self.pos_iou_strict = pos_iou_strict
        self.max_pairs = max_pairs
        self.max_chunk_mib = max_chunk_mib
        self.mode = mode

    @torch.no_grad()
    def assign(self,
               anchors: Tensor,
               anchor_valid: Tensor,
               gt: BatchGT,
               ignore: Optional[BatchGT] = None,
               grid: Optional[AnchorGrid] = None) -> AnchorAssignment:
        """Assign every anchor of every image.

        Args:
            anchors (Tensor): (N, 4) anchors of all levels.
            anchor_valid (Tensor): (B, N) bool, False for anchors that take
                no part (outside the image by more than ``allowed_border``,
                or on padding): they are ignored (-1) and are nobody's best.
            gt (BatchGT): the padded gts (finite: the heads check them).
            ignore (BatchGT, optional): padded ignore boxes
                (``gt_instances_ignore``); used when ``ignore_iof_thr`` > 0.
                Coordinates may be infinite, not NaN.
            grid (AnchorGrid, optional): the anchors' layout when they are
                mmdet's ``AnchorGenerator`` grid; it allows the window
                path (see ``mode``).

        Returns:
            AnchorAssignment: (B, N) gt indices and best IoUs.
        """
        anchors = anchors.float()
        num_imgs, num_anchors = anchor_valid.shape
        num_gts = gt.max_num_gts
        if num_gts == 0 or num_anchors == 0:
            # no gt in the batch: every anchor that takes part is negative
            gt_inds = anchor_valid.new_full((num_imgs, num_anchors), -1,
                                            dtype=torch.long)
            gt_inds.masked_fill_(anchor_valid, 0)
            return AnchorAssignment(gt_inds,
                                    anchors.new_zeros(anchor_valid.shape))
        if not (self.ignore_iof_thr > 0 and ignore is not None
                and ignore.max_num_gts > 0):
            ignore = None
        if self.uses_windows(anchors.device.type, num_imgs, num_gts,
                             num_anchors, grid):
            max_overlaps, gt_inds = self._assign_windows(
                anchors, anchor_valid, gt, ignore, grid)
        else:
            max_overlaps, gt_inds = self._assign_dense(
                anchors, anchor_valid, gt, ignore)
        # images without gts: every anchor that takes part is negative
        empty = ~gt.valid.any(dim=1, keepdim=True)
        gt_inds = torch.where(empty & anchor_valid, 0, gt_inds)
        max_overlaps = torch.where(empty, 0., max_overlaps)
        return AnchorAssignment(gt_inds, max_overlaps)

    def uses_windows(self, device_type: str, num_imgs: int, num_gts: int,
                     num_anchors: int, grid: Optional[AnchorGrid]) -> bool:
        """Whether :meth:`assign` takes the window path.

        ``mode='auto'`` with a grid: on the CPU, from ``AUTO_MIN_GTS`` gts
        (the most in one image) and ``AUTO_MIN_PAIRS`` dense pairs (B x G x
        N) on, the crossover measured; on a GPU (not measured yet), when
        the dense path would need more than one chunk (22.4M pairs by
        default): within one, it is some 40 kernel launches, fewer than the
        window path's few hundred.

        Args:
            device_type (str): the anchors' device type.
            num_imgs, num_gts, num_anchors (int): B, G (padded) and N.
            grid (AnchorGrid | None): the anchors' layout, if a grid.

        Raises:
            ValueError: ``mode='window'`` without a grid.
        """
        if self.mode == 'dense':
            return False
        if grid is None:
            if self.mode == 'window':
                raise ValueError(
                    "mode='window' needs anchors laid out by mmdet's "
                    'AnchorGenerator (the head passes their AnchorGrid); '
                    "use mode='auto' or 'dense' with other anchors")
            return False
        if self.mode == 'window':
            return True
        num_pairs = num_imgs * num_gts * num_anchors
        if device_type == 'cpu':
            return num_gts >= AUTO_MIN_GTS and num_pairs >= AUTO_MIN_PAIRS
        return num_pairs > chunk_pairs(device_type, self.max_pairs,
                                       self.max_chunk_mib)

    def _assign_dense(self, anchors: Tensor, anchor_valid: Tensor,
                      gt: BatchGT, ignore: Optional[BatchGT]
                      ) -> Tuple[Tensor, Tensor]:
        """Every (image, gt, anchor) pair, in chunks of anchors.

        Returns:
            tuple[Tensor, Tensor]: (B, N) best IoUs and gt indices.
        """
        num_imgs, num_anchors = anchor_valid.shape
        num_gts = gt.max_num_gts
        gt_inds = anchor_valid.new_full((num_imgs, num_anchors), -1,
                                        dtype=torch.long)
        max_overlaps = anchors.new_zeros((num_imgs, num_anchors))
        max_pairs = chunk_pairs(anchors.device.type, self.max_pairs,
                                self.max_chunk_mib)
        chunk = max(1, max_pairs // (num_imgs * num_gts))
        bounds = [(s, min(s + chunk, num_anchors))
                  for s in range(0, num_anchors, chunk)]
        boxes = gt.bboxes.float().masked_fill(~gt.valid[..., None], FAR)
        gt_max = anchors.new_full((num_imgs, num_gts), EXCLUDED)
        gt_argmax = gt_inds.new_zeros((num_imgs, num_gts))
        # Each chunk's "at its own best" mask (1 byte a pair) is kept for the
        # best-anchor rule when all of them fit in MASK_BUDGETS chunk
        # budgets; otherwise the rule recomputes the chunks' IoUs.
        keep_masks = (self.match_low_quality and self.gt_max_assign_all
                      and num_imgs * num_gts * num_anchors <=
                      MASK_BUDGETS * max_pairs)
        at_chunk_best, chunk_maxes = [], []
        # pass 1: best gt of each anchor, best anchor of each gt
        for start, end in bounds:
            overlaps, covered = self._overlaps(
                boxes, anchors[start:end], anchor_valid[:, start:end],
                ignore)
            best, best_gt = overlaps.max(dim=1)  # first gt on ties
            if covered is not None:
                # mmdet sets the IoUs of covered anchors to -1 (all gts tie,
                # the first wins)
                valid_covered = covered & anchor_valid[:, start:end]
                best = best.masked_fill(valid_covered, -1.)
                best_gt = best_gt.masked_fill(valid_covered, 0)
            max_overlaps[:, start:end] = best
            gt_inds[:, start:end] = self._by_thresholds(best, best_gt)
            chunk_max, chunk_arg = overlaps.max(dim=2)  # first anchor
            better = chunk_max > gt_max  # strict: keep the earliest chunk
            gt_max = torch.where(better, chunk_max, gt_max)
            gt_argmax = torch.where(better, chunk_arg + start, gt_argmax)
            if keep_masks:
                at_chunk_best.append(overlaps == chunk_max[..., None])
                chunk_maxes.append(chunk_max)
            del overlaps

        if not self.match_low_quality:
            return max_overlaps, gt_inds
        takes = self._takes(gt, gt_max)
        if not self.gt_max_assign_all:
            return max_overlaps, self._first_best(gt_inds, gt_argmax, takes)
        # NaN: equal to no IoU, for the gts that take nothing
        target = torch.where(takes, gt_max, float('nan'))
        for c, (start, end) in enumerate(bounds):
            if keep_masks:
                # an IoU equals its gt's best iff the chunk's best is the
                # gt's best and the IoU is the chunk's best
                at_best = at_chunk_best[c] & (
                    chunk_maxes[c] == target)[..., None]
            else:
                overlaps = self._overlaps(boxes, anchors[start:end],
                                          anchor_valid[:, start:end],
                                          ignore)[0]
                at_best = overlaps == target[..., None]
                del overlaps
            gt_inds[:, start:end] = self._low_quality(
                at_best, gt_inds[:, start:end])
        return max_overlaps, gt_inds

    def _assign_windows(self, anchors: Tensor, anchor_valid: Tensor,
                        gt: BatchGT, ignore: Optional[BatchGT],
                        grid: AnchorGrid) -> Tuple[Tensor, Tensor]:
        """Only the pairs inside the gts' windows (see
        :mod:`.anchor_windows`); the same results as :meth:`_assign_dense`.

        The reductions are deterministic scatter-maxes of int64 keys
        (:func:`pack`): an IoU's float32 bits in the high half, a
        tie-breaker in the low half: G - 1 - g for each anchor's best gt
        (the first gt on ties, as ``max`` in the dense path), N - 1 - n for
        each gt's best anchor (the first anchor).

        One exception to "the same": an anchor whose best IoU is -0.0 in
        the dense path (a box edge at -0.0) gets +0.0 here; they compare
        equal and give the same labels.

        Returns:
            tuple[Tensor, Tensor]: (B, N) best IoUs and gt indices.
        """
        num_imgs, num_anchors = anchor_valid.shape
        num_gts = gt.max_num_gts
        device = anchors.device
        tables = grid_tables(anchors, grid)
        windows = Windows(tables, gt.bboxes.float(), gt.valid, num_anchors)
        ignored = None if ignore is None else Windows(
            tables, ignore.bboxes.float(), ignore.valid, num_anchors)
        # flat (image * N + anchor) buffers, with room for the targets of
        # the blocks' last columns (IoU 0, see anchor_windows.PAST_GRID)
        size = num_imgs * num_anchors + windows.slack
        excluded = torch.ones(size, dtype=torch.bool, device=device)
        excluded[:num_imgs * num_anchors] = ~anchor_valid.reshape(-1)
        # The one host read of the batch: the rows of each width class, to
        # size the chunks, and whether any anchor takes no part.
        host = torch.cat([
            windows.class_rows,
            excluded[:num_imgs * num_anchors].any()[None]
        ] + ([] if ignored is None else [ignored.class_rows])).tolist()
        num_classes = len(ROW_WIDTHS)
        gt_rows = host[:num_classes]
        any_excluded = bool(host[num_classes])
        max_pairs = chunk_pairs(device.type, self.max_pairs,
                                self.max_chunk_mib, window=True)
        covered = None
        if ignored is not None:
            # each anchor's largest IoF with an ignore box (0 outside their
            # windows, where the dense IoF is 0 too)
            mode = 'iof_anchor' if self.ignore_wrt_candidates else 'iof'
            iof = anchors.new_zeros(size)
            for rows in ignored.chunks(host[num_classes + 1:], max_pairs):
                value, target = ignored.overlaps(rows, mode)
                iof.scatter_reduce_(0, target.view(-1), value.view(-1),
                                    'amax')
            covered = iof > self.ignore_iof_thr
            excluded |= covered
            any_excluded = True

        # pass 1: each anchor's best (IoU, first gt), each gt's best (IoU,
        # first anchor). 0, the key of (IoU 0, the last gt or anchor),
        # stands for no pair: without a pair of IoU > 0 the dense path has
        # IoU 0 too, and the gt or anchor it would name is never used.
        anchor_key = torch.zeros(size, dtype=torch.long, device=device)
        gt_key = torch.zeros(num_imgs * num_gts, dtype=torch.long,
                             device=device)
        # The best-anchor rule's pass 2 needs, per pair, "IoU at its row's
        # best" (1 byte) and, per row, that best: kept when all of them fit
        # in WINDOW_MASK_PAIRS (whatever the block budget), else recomputed
        # with the IoUs.
        keep_masks = (self.match_low_quality and self.gt_max_assign_all
                      and sum(r * w for r, w in zip(gt_rows, ROW_WIDTHS))
                      <= WINDOW_MASK_PAIRS)
        masks = []
        for rows in windows.chunks(gt_rows, max_pairs):
            iou, target = windows.overlaps(rows)
            gt_idx = rows.box % num_gts
            key = pack(iou, (num_gts - 1 - gt_idx)[:, None])
            anchor_key.scatter_reduce_(0, target.view(-1), key.view(-1),
                                       'amax')
            if any_excluded:  # a gt's best anchor takes part
                iou.masked_fill_(excluded.take(target), -1.)
            best, col = iou.max(dim=1)  # the first column on ties
            anchor = target.gather(1, col[:, None])[:, 0] - (
                rows.box - gt_idx) // num_gts * num_anchors
            key = pack(best, num_anchors - 1 - anchor)
            gt_key.scatter_reduce_(0, rows.box, key, 'amax')
            if keep_masks:
                masks.append((iou == best[:, None], best))

        # each anchor: gt 0 (the dense path's first gt) at IoU 0
        best, low = unpack(anchor_key[:num_imgs * num_anchors])
        best_gt = torch.where(best > 0, (num_gts - 1) - low.long(), 0)
        best = best.view(num_imgs, num_anchors).masked_fill(
            ~anchor_valid, EXCLUDED)
        best_gt = best_gt.view(num_imgs, num_anchors)
        if covered is not None:
            valid_covered = covered[:num_imgs * num_anchors].view(
                num_imgs, num_anchors) & anchor_valid
            best = best.masked_fill(valid_covered, -1.)
            best_gt = best_gt.masked_fill(valid_covered, 0)
        gt_inds = self._by_thresholds(best, best_gt)
        if not self.match_low_quality:
            return best, gt_inds

        gt_max, low = unpack(gt_key.view(num_imgs, num_gts))
        takes = self._takes(gt, gt_max)
        if not self.gt_max_assign_all:
            gt_argmax = (num_anchors - 1) - low.long()
            return best, self._first_best(gt_inds, gt_argmax, takes)
        # pass 2: every pair at its gt's best goes to the gt, the last gt on
        # ties; NaN: equal to no IoU, for the gts that take nothing
        target_iou = torch.where(takes, gt_max, float('nan')).view(-1)
        winner = torch.zeros(size, dtype=torch.int32, device=device)
        for c, rows in enumerate(windows.chunks(gt_rows, max_pairs)):
            row_target = target_iou.index_select(0, rows.box)
            if keep_masks:
                # at its gt's best iff at its row's best, the row's best
                # being the gt's
                at_row_best, row_best = masks[c]
                at_best = at_row_best & (row_best == row_target)[:, None]
                target = windows.targets(rows)
            else:
                iou, target = windows.overlaps(rows)
                at_best = iou == row_target[:, None]
                if any_excluded:
                    at_best &= ~excluded.take(target)
            order = (rows.box % num_gts + 1).int()[:, None]
            winner.scatter_reduce_(0, target.view(-1),
                                   (at_best * order).view(-1), 'amax')
        winner = winner[:num_imgs * num_anchors].view(num_imgs, num_anchors)
        return best, torch.where(winner > 0, winner.long(), gt_inds)

    def _takes(self, gt: BatchGT, gt_max: Tensor) -> Tensor:
        """(B, G) the gts that take their best anchor(s).

        A gt that overlaps no anchor (zero area, or off every anchor) has
        no best anchor. mmdet's rule at min_pos_iou 0 gives it every
        anchor, all tied at IoU 0, with log(0) box targets for a zero-area
        box; here it takes none (the one difference).
        """
        return gt.valid & (gt_max >= self.min_pos_iou) & (gt_max > 0)

    @staticmethod
    def _first_best(gt_inds: Tensor, gt_argmax: Tensor,
                    takes: Tensor) -> Tensor:
        """Step 4 without ties (``gt_max_assign_all=False``): each gt that
        takes its best anchor takes the first one; the last gt wins."""
        num_gts = gt_argmax.size(1)
        order = torch.arange(1, num_gts + 1, device=gt_inds.device)
        winner = torch.zeros_like(gt_inds)
        winner.scatter_reduce_(1, gt_argmax,
                               order.expand_as(gt_argmax) * takes,
                               reduce='amax')
        return torch.where(winner > 0, winner, gt_inds)

    def _overlaps(self, boxes: Tensor, anchors: Tensor, anchor_valid: Tensor,
                  ignore: Optional[BatchGT]
                  ) -> Tuple[Tensor, Optional[Tensor]]:
        """IoUs of one chunk with the anchors that take no part (or are
        covered by an ignore box) at -inf: one mask over the (B, G, n)
        block.

        Returns:
            tuple[Tensor, Tensor | None]: (B, G, n) IoUs, and the (B, n)
            mask of anchors covered by an ignore box (None without).
        """
        overlaps = batch_overlaps(boxes, anchors)
        excluded = ~anchor_valid
        covered = None
        if ignore is not None:
            mode = 'iof_anchor' if self.ignore_wrt_candidates else 'iof'
            iof = batch_overlaps(ignore.bboxes.float(), anchors, mode=mode)
            iof.masked_fill_(~ignore.valid[..., None], EXCLUDED)
            covered = iof.amax(dim=1) > self.ignore_iof_thr  # (B, n)
            excluded = excluded | covered
        overlaps.masked_fill_(excluded[:, None, :], EXCLUDED)
        return overlaps, covered

    def _by_thresholds(self, best: Tensor, best_gt: Tensor) -> Tensor:
        """Steps 1-3 of mmdet: ignored, negative by the IoU range, positive
        above the threshold. (B, n) in, (B, n) gt indices out."""
        low, high = self.neg_iou_thr
        gt_inds = torch.full_like(best_gt, -1)
        gt_inds.masked_fill_((best >= low) & (best < high), 0)
        pos = best > self.pos_iou_thr if self.pos_iou_strict else \
            best >= self.pos_iou_thr
        return torch.where(pos, best_gt + 1, gt_inds)

    @staticmethod
    def _low_quality(at_best: Tensor, gt_inds: Tensor) -> Tensor:
        """Step 4 with ties: each anchor at its gt's best IoU goes to that
        gt, the last such gt when there are several (mmdet's loop order).

        Args:
            at_best (Tensor): (B, G, n) bool, the IoU of the pair is its
                gt's best (and the gt takes anchors).
            gt_inds (Tensor): (B, n) the assignment so far.
        """
        # int32: the (B, G, n) product is no larger than the IoU block
        order = torch.arange(
            1, at_best.size(1) + 1, dtype=torch.int32,
            device=at_best.device)[:, None]
        winner = (at_best * order).amax(dim=1).long()  # 0: no gt's best
        return torch.where(winner > 0, winner, gt_inds)
