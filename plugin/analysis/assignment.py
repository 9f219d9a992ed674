"""What a dense head assigns to each gt, per image and level, for pictures.

Shapes: G gts of the image, L levels, N anchors / P points (levels
concatenated), C classes. One image at a time (B = 1): the heads assign a
batch exactly as they assign its images one by one (tested per head).

:func:`collect_assignment` takes a head, its forward outputs and the
image's data sample and calls the head's own assignment code:

* ``plugin.RPNHead.get_batch_targets``: assigned positives (IoU rules),
  ignored anchors, the random sample's negatives;
* ``plugin.AutoAssignHead.assignment``: candidates, centre prior, positive
  weights w+ and negative weights w- (from the loss's own terms);
* ``plugin.CenterNetHead.get_batch_targets``: target heatmap, peaks and
  which gt owns each centre cell; plus the predicted heatmap and its decoded
  peaks.

It returns an :class:`ImageAssignment`: the count of positives of every gt
on every level, a note for each gt left without one, and the layers that
:mod:`plugin.analysis.assignment_plot` draws.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmdet.structures.bbox import get_box_tensor
from torch import Tensor

from plugin.models.dense_heads import (AutoAssignHead, CenterNetHead,
                                       RPNHead)
from plugin.models.task_modules.assigners.batch_iou import batch_overlaps

# At most this many anchor boxes of one level are drawn per gt (its best
# ones): more would hide the image.
BOXES_PER_GT = 3
# CenterNet's decoded peaks drawn on the predicted heatmap: the 2 x G best
# (at least 5) above this score, enough to see hits and misses (an untrained
# head predicts 0.1 everywhere: its bias prior).
PEAK_SCORE_THR = 0.3


@dataclass
class Panel:
    """One picture of a level: an optional heat map and marked points.

    Attributes:
        title: the panel's title.
        heat: (h, w) values on the level's grid, or None.
        heat_extent: (left, right, bottom, top) of the grid in image pixels
            (matplotlib's ``imshow`` extent).
        heat_label: what the heat map shows (the colour bar's label).
        heat_range: (vmin, vmax) of the colour bar.
        mask_zero: draw values of ``heat`` near its minimum transparent.
        points: legend name -> (n, 2) x, y in image pixels.
        boxes: legend name -> (n, 4) boxes in image pixels.
    """
    title: str
    heat: Optional[np.ndarray] = None
    heat_extent: Tuple[float, float, float, float] = (0, 1, 1, 0)
    heat_label: str = ''
    heat_range: Tuple[float, float] = (0., 1.)
    mask_zero: bool = True
    points: Dict[str, np.ndarray] = field(default_factory=dict)
    boxes: Dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class ImageAssignment:
    """The assignment of one image.

    Attributes:
        head: 'RPN', 'AutoAssign' or 'CenterNet'.
        gt_bboxes: (G, 4) gt boxes in input pixels.
        gt_labels: (G,) gt classes.
        level_names: L names, e.g. 'stride 8'.
        positives: (G, L) positives of each gt on each level (RPN: assigned
            anchors; AutoAssign: candidate points; CenterNet: 1 for the gt
            that owns its centre cell's regression target).
        notes: G strings, why a gt has no positive ('' when it has some).
        panels: rows of panels to draw (one row per level, or one row).
        caption: what the counts and pictures mean, for the picture.
    """
    head: str
    gt_bboxes: np.ndarray
    gt_labels: np.ndarray
    level_names: List[str]
    positives: np.ndarray
    notes: List[str]
    panels: List[List[Panel]]
    caption: str

    @property
    def without_positive(self) -> List[int]:
        """Indices of the gts with no positive on any level."""
        return [int(i) for i in np.flatnonzero(self.positives.sum(1) == 0)]


def collect_assignment(head: torch.nn.Module, outs: Sequence[List[Tensor]],
                       data_sample, untrained: bool) -> ImageAssignment:
    """Run ``head``'s assignment on one image and gather what to show.

    Args:
        head: one of plugin's three heads.
        outs: the head's forward outputs for the image (batch of 1).
        data_sample: the image's ``DetDataSample`` (``gt_instances``,
            ``metainfo`` with ``img_shape``/``pad_shape``/
            ``batch_input_shape``).
        untrained: the weights are an untrained model's (said in the
            caption of heads whose weights depend on predictions).

    Returns:
        ImageAssignment: counts, notes and panels.

    Raises:
        TypeError: a head other than plugin's three (e.g. mmdet's own).
    """
    for kind, fn in ((RPNHead, _rpn), (AutoAssignHead, _autoassign),
                     (CenterNetHead, _centernet)):
        if isinstance(head, kind):
            with torch.no_grad():
                return fn(head, outs, data_sample, untrained)
    raise TypeError(
        f'{type(head).__module__}.{type(head).__name__} is not one of '
        f"plugin's heads (plugin.RPNHead, plugin.AutoAssignHead, "
        f'plugin.CenterNetHead): show_assignment calls their own '
        f'assignment code.')


def _gts(data_sample, device) -> Tuple[object, np.ndarray, np.ndarray]:
    gt = data_sample.gt_instances.to(device)
    boxes = get_box_tensor(gt.bboxes).float()
    return gt, boxes.cpu().numpy().reshape(-1, 4), \
        gt.labels.cpu().numpy().reshape(-1)


def _grid_extent(points: np.ndarray, stride: float
                 ) -> Tuple[float, float, float, float]:
    """imshow extent of a level whose cells are centred on ``points``."""
    half = stride / 2
    return (points[:, 0].min() - half, points[:, 0].max() + half,
            points[:, 1].max() + half, points[:, 1].min() - half)


def _bounds(counts: Sequence[int]) -> List[Tuple[int, int]]:
    """(start, end) of each level in the concatenated anchors / points."""
    ends = np.cumsum(counts).tolist()
    return list(zip([0] + ends[:-1], ends))


# ----------------------------------------------------------------------
# RPN
# ----------------------------------------------------------------------
def _rpn(head: RPNHead, outs, data_sample, untrained: bool
         ) -> ImageAssignment:
    cls_scores, _ = outs
    device = cls_scores[0].device
    gt, boxes, labels = _gts(data_sample, device)
    # the detectors hand the RPN class-agnostic gts (label 0)
    gt.labels = torch.zeros_like(gt.labels)
    ignore = data_sample.get('ignored_instances', None)
    sizes = [tuple(c.shape[-2:]) for c in cls_scores]
    targets = head.get_batch_targets(sizes, [gt], [data_sample.metainfo],
                                     None if ignore is None else [ignore],
                                     device)
    anchors = targets.anchors
    gt_inds = targets.assignment.gt_inds[0]  # (N,)
    samples = targets.samples
    is_pos = gt_inds > 0
    ignored = (gt_inds < 0) & targets.valid[0]
    sampled_pos = torch.zeros_like(is_pos)
    sampled_pos[samples.inds[0][samples.pos[0]]] = True
    sampled_neg = torch.zeros_like(is_pos)
    sampled_neg[samples.inds[0][samples.neg[0]]] = True
    centers = ((anchors[:, :2] + anchors[:, 2:]) / 2)
    num_gts = len(boxes)
    level_names = [f'stride {s[0] if isinstance(s, tuple) else s}'
                   for s in head.prior_generator.strides]

    # IoU of every gt with every anchor that takes part: for the gts'
    # best anchors (drawn) and the notes (why a gt got none)
    overlaps = batch_overlaps(
        get_box_tensor(gt.bboxes).float()[None], anchors,
        mode='iou')[0] if num_gts else anchors.new_zeros((0, len(anchors)))
    overlaps = overlaps.masked_fill(~targets.valid[0][None], -1)
    gt_ids = torch.arange(1, num_gts + 1, device=device)[:, None]

    positives = np.zeros((num_gts, len(sizes)), dtype=np.int64)
    row = []
    for lvl, (lo, hi) in enumerate(_bounds(targets.num_level_anchors)):
        pos_l = is_pos[lo:hi]
        positives[:, lvl] = torch.bincount(
            gt_inds[lo:hi][pos_l] - 1, minlength=num_gts).cpu().numpy()
        # each gt's few best positive anchors of the level, for the eye
        mine = gt_inds[lo:hi][None] == gt_ids  # (G, n)
        best = overlaps[:, lo:hi].masked_fill(~mine, -2).topk(
            min(BOXES_PER_GT, hi - lo), dim=1)
        best_boxes = anchors[lo:hi][best.indices[best.values > -2]]
        row.append(Panel(
            title=f'{level_names[lvl]}: {int(pos_l.sum())} positive '
            f'({int(sampled_pos[lo:hi].sum())} sampled), '
            f'{int(ignored[lo:hi].sum())} ignored, '
            f'{int(sampled_neg[lo:hi].sum())} sampled negative',
            points={
                'ignored (IoU between the thresholds)':
                    centers[lo:hi][ignored[lo:hi]].cpu().numpy(),
                'sampled negative':
                    centers[lo:hi][sampled_neg[lo:hi]].cpu().numpy(),
                'positive (anchor centre)':
                    centers[lo:hi][pos_l].cpu().numpy(),
            },
            boxes={'best positive anchors': best_boxes.cpu().numpy()}))

    assigner = head.assigner
    notes = []
    for g in range(num_gts):
        if positives[g].sum():
            notes.append('')
            continue
        best = float(overlaps[g].max()) if overlaps.size(1) else 0.
        if not assigner.match_low_quality:
            why = f'< pos_iou_thr {assigner.pos_iou_thr}, and ' \
                  f'match_low_quality is off'
        else:
            why = f'< min_pos_iou {assigner.min_pos_iou}' if best > 0 else \
                  'overlaps no anchor'
        notes.append(f'best anchor IoU {best:.2f} ({why})')
    caption = ('positives: anchors assigned by IoU (before sampling); the '
               'sample is one random draw')
    return ImageAssignment('RPN', boxes, labels, level_names, positives, notes,
                           [[p] for p in row], caption)


# ----------------------------------------------------------------------
# AutoAssign
# ----------------------------------------------------------------------
def _autoassign(head: AutoAssignHead, outs, data_sample, untrained: bool
                ) -> ImageAssignment:
    cls_scores, bbox_preds, objectnesses = outs
    device = cls_scores[0].device
    gt, boxes, labels = _gts(data_sample, device)
    result = head.assignment(cls_scores, bbox_preds, objectnesses, [gt])
    num_gts = len(boxes)
    sizes = [tuple(c.shape[-2:]) for c in cls_scores]
    level_names = [f'stride {s}' for s in head.strides]
    points = result.points
    bounds = _bounds(result.num_level_points)
    inside = result.inside[0, :, :num_gts]  # (P, G)
    prior = result.center_prior[0, :, :num_gts]
    pos_w = result.pos_weights[0, :, :num_gts]
    # the class-wise negative weight of the point for the gts' classes:
    # 1 is plain background; low means the point is excused
    neg_w = result.neg_weights[0].amin(dim=1)  # (P,)

    positives = np.stack([
        inside[lo:hi].sum(0).cpu().numpy() for lo, hi in bounds
    ], 1) if num_gts else np.zeros((0, len(bounds)), dtype=np.int64)
    # each gt's w+ scaled to its own peak, so small and large gts show alike
    pos_rel = pos_w / pos_w.amax(dim=0, keepdim=True).clamp(min=1e-12)

    rows = []
    for lvl, (lo, hi) in enumerate(bounds):
        p, pts = slice(lo, hi), points[lo:hi]
        h, w = sizes[lvl]
        extent = _grid_extent(pts.cpu().numpy(), head.strides[lvl])

        def grid(values: Tensor) -> np.ndarray:
            return values.reshape(h, w).cpu().numpy()

        cand = pts[inside[p].any(dim=1)].cpu().numpy() if num_gts else \
            np.zeros((0, 2))
        n_cand = int(positives[:, lvl].sum()) if num_gts else 0
        name = level_names[lvl]
        rows.append([
            Panel(f'{name}: centre prior (max over gts), {n_cand} '
                  f'candidates',
                  grid(prior[p].amax(dim=1) if num_gts else
                       torch.zeros(hi - lo)), extent, 'G(d)',
                  points={'candidate point': cand}),
            Panel(f'{name}: positive weight w+ (per gt, / its max)',
                  grid(pos_rel[p].amax(dim=1) if num_gts else
                       torch.zeros(hi - lo)), extent, 'w+ / max w+'),
            Panel(f'{name}: negative weight w- (min over classes)',
                  grid(neg_w[p]), extent, 'w-', mask_zero=False),
        ])
    notes = [
        '' if positives[g].sum() else
        'no point inside the box (force_topk is off)'
        for g in range(num_gts)
    ]
    caption = 'positives: candidate points (inside the box, or force_topk)'
    if untrained:
        caption += ('; w+ and w- depend on the predictions: these are an '
                    'untrained model\'s')
    return ImageAssignment('AutoAssign', boxes, labels, level_names,
                           positives, notes, rows, caption)


# ----------------------------------------------------------------------
# CenterNet
# ----------------------------------------------------------------------
def _centernet(head: CenterNetHead, outs, data_sample, untrained: bool
               ) -> ImageAssignment:
    heatmaps, whs, offsets = outs
    heatmap = heatmaps[0].float()
    device = heatmap.device
    gt, boxes, labels = _gts(data_sample, device)
    input_shape = data_sample.metainfo['batch_input_shape']
    h, w = heatmap.shape[-2:]
    targets = head.get_batch_targets([gt], (h, w), input_shape, device)
    num_gts = len(boxes)
    stride_x, stride_y = input_shape[1] / w, input_shape[0] / h
    extent = (0, w * stride_x, h * stride_y, 0)

    owns = targets.reg_weight[0, :num_gts] > 0
    drawn = targets.valid[0, :num_gts]
    positives = owns.long().cpu().numpy()[:, None]
    notes = []
    cells = targets.center_index[0, :num_gts]
    for g in range(num_gts):
        if owns[g]:
            notes.append('')
        elif not drawn[g]:
            notes.append('nothing of the box lies on the map (dropped)')
        else:
            owner = ((cells == cells[g]) & owns).nonzero()[:, 0].tolist()
            notes.append(f'centre cell shared with gt {owner[-1]}, which '
                         f'takes the wh/offset target (its peak is drawn)'
                         if owner else 'no wh/offset target')
    cell_xy = torch.stack([cells % w, cells // w], 1).float() + 0.5
    centres = (cell_xy * cell_xy.new_tensor([stride_x, stride_y]))

    dets = head.predict_by_feat(
        heatmaps, whs, offsets,
        batch_img_metas=[data_sample.metainfo], rescale=False)[0]
    keep = dets.scores >= PEAK_SCORE_THR
    keep[max(5, 2 * num_gts):] = False  # sorted by score
    peaks = ((dets.bboxes[keep, :2] + dets.bboxes[keep, 2:]) / 2)
    pred_title = 'predicted heatmap (max over classes)'
    if untrained:
        pred_title += ', untrained model'
    row = [
        Panel(f'target heatmap (max over classes), {int(drawn.sum())} peaks',
              targets.heatmap[0].amax(dim=0).cpu().numpy(), extent,
              'target', points={
                  'centre cell (owns wh/offset)':
                      centres[owns].cpu().numpy(),
                  'centre cell (shared, no wh/offset)':
                      centres[drawn & ~owns].cpu().numpy()}),
        Panel(pred_title, heatmap[0].amax(dim=0).cpu().numpy(), extent,
              'predicted', points={
                  f'decoded peak (score >= {PEAK_SCORE_THR})':
                      peaks.cpu().numpy()},
              boxes={'decoded box': dets.bboxes[keep].cpu().numpy()}),
    ]
    caption = ('positives: 1 for the gt that owns its centre cell '
               '(wh/offset target)')
    return ImageAssignment('CenterNet', boxes, labels,
                           [f'stride {stride_x:g}'], positives, notes, [row],
                           caption)
