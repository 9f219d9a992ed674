"""AutoAssign head (Zhu et al., arXiv 2007.03496), batched over the images.

Shapes: B images, P points (all FPN levels concatenated), G gts per image
(padded to the batch maximum), C classes.

A subclass of mmdet 3.3.0's ``AutoAssignHead``: its convolutions, parameter
names, outputs, inference and per-image methods are mmdet's (its checkpoints
load strictly and predictions match); the loss is computed here for the
whole batch at once:

    points_inside (no grad) -> CenterPrior (learnable, force_topk)
    -> negative weights (no grad, IoU of the predicted boxes)
    -> positive loss (confidence-weighted, differentiable weights)
    -> negative loss (focal-style) -> centre loss

with no Python loop over gts and no host synchronisation, in fp32 with
autocast off so that it also trains under AMP.

Two paths compute the same loss (``assign_mode``): the dense one forms
(B, P, G) planes, as mmdet; the window path, for crowded batches, lists
only the (gt, point) pairs whose point lies inside the box (T pairs, one
host read; :mod:`..task_modules.assigners.point_windows` and
:mod:`..task_modules.assigners.overlap_bands`). Its memory is O(T + B P C)
plus one block of 2^20 IoU pairs, never B P G.
"""
from typing import Dict, List, NamedTuple, Optional, Tuple

import torch
from mmdet.models.dense_heads import AutoAssignHead as MMDetAutoAssignHead
from mmdet.models.losses import GIoULoss
from mmdet.utils import InstanceList, OptInstanceList
from torch import Tensor

from plugin.models.losses import (autoassign_confidences,
                                  autoassign_pair_confidences,
                                  autoassign_pair_pos_loss,
                                  autoassign_pos_loss, autoassign_pos_weights,
                                  pairwise_giou)
from plugin.models.task_modules.assigners.overlap_bands import (
    band_max_ious, overlap_bands)
from plugin.models.task_modules.assigners.point_windows import (
    covered_points, inside_windows, level_grids, topk_candidates,
    window_counts, window_pairs)
from plugin.models.utils import (BatchGT, connected_zero, fp32_no_autocast,
                                 levels_to_batch, mean_over_ranks,
                                 stack_batch_gt)
from plugin.registry import MODELS, TASK_UTILS

# Clamp of the centre loss' denominator, as in mmdet.
EPS = 1e-12
# assign_mode='auto' takes the window path from AUTO_MIN_TRIPLES_CPU
# (image, point, gt) triples B P G on the CPU. Measured with
# ``bench/bench_autoassign.py --crossover`` (2 cores,
# docs/autoassign.md#windows), the window path was the faster at every
# size: 1.15-1.2x at 27k-440k triples, 2.0x at 650k, 3.1-3.7x from 2.6M.
# Below the threshold the dense path keeps mmdet's numbers bitwise (the
# window path sums each gt's terms in another order: float noise, which
# grows where a gradient nearly cancels) for at most a few ms. On a GPU
# (not measured yet) from AUTO_MIN_TRIPLES: below, the dense path's planes
# are small and it needs no host read, where the window path reads its
# pair counts and launches a few hundred small kernels.
AUTO_MIN_TRIPLES_CPU = 1 << 19
AUTO_MIN_TRIPLES = 1 << 21
ASSIGN_MODES = ('auto', 'window', 'dense')


class PairTerms(NamedTuple):
    """The batch-level terms of the loss (see ``AutoAssignHead._pair_terms``).

    Attributes:
        points (Tensor): (P, 2) points of all levels.
        num_level_points (list[int]): P_l, points of each level.
        cls_score, bbox_pred, objectness (Tensor): (B, P, C), (B, P, 4)
            and (B, P, 1) outputs, levels concatenated.
        gt (BatchGT): the packed gts.
        inside (Tensor): (B, P, G) candidates (after ``force_topk``).
        center_prior (Tensor): (B, P, G) prior, 0 off the candidates.
        loss_loc (Tensor, optional): (B, P, G) L_loc; None without gts.
        neg_weights (Tensor): (B, P, C) w-.
    """
    points: Tensor
    num_level_points: List[int]
    cls_score: Tensor
    bbox_pred: Tensor
    objectness: Tensor
    gt: BatchGT
    inside: Tensor
    center_prior: Tensor
    loss_loc: Optional[Tensor]
    neg_weights: Tensor


class FlatOutputs(NamedTuple):
    """The head's outputs with the levels concatenated, and their points
    (``AutoAssignHead._flat_outputs``).

    Attributes:
        featmap_sizes (list): (H_l, W_l) of each level.
        level_points (list[Tensor]): (H_l W_l, 2) points of each level.
        points (Tensor): (P, 2) points of all levels.
        point_strides (Tensor): (P,) the stride of each point's level.
        cls_score, bbox_pred, objectness (Tensor): (B, P, C), (B, P, 4)
            and (B, P, 1).
    """
    featmap_sizes: list
    level_points: List[Tensor]
    points: Tensor
    point_strides: Tensor
    cls_score: Tensor
    bbox_pred: Tensor
    objectness: Tensor


class AutoAssignment(NamedTuple):
    """What AutoAssign assigns (``AutoAssignHead.assignment``).

    Attributes:
        points (Tensor): (P, 2) points of all levels.
        num_level_points (list[int]): P_l, points of each level.
        gt (BatchGT): the packed gts.
        inside (Tensor): (B, P, G) bool, candidate points of each gt.
        center_prior (Tensor): (B, P, G) centre prior G(d), 0 off the
            candidates.
        pos_weights (Tensor): (B, P, G) w+, summing to 1 over each gt's
            candidates (paper Eq. 5-6).
        neg_weights (Tensor): (B, P, C) w- of each point and class.
    """
    points: Tensor
    num_level_points: List[int]
    gt: BatchGT
    inside: Tensor
    center_prior: Tensor
    pos_weights: Tensor
    neg_weights: Tensor


@MODELS.register_module()
class AutoAssignHead(MMDetAutoAssignHead):
    """AutoAssign head with batched, vectorised label assignment.

    A drop-in replacement of mmdet's ``AutoAssignHead`` (and a subclass of
    it): the same constructor (mmdet's, which passes ``*args`` and
    ``**kwargs`` to ``FCOSHead``), parameters and outputs ``(cls_scores,
    bbox_preds, objectnesses)``; layers, ``init_weights`` (the paper's
    biases), ``forward`` and mmdet's per-image methods (``get_targets``,
    ``get_pos_loss_single``...) are mmdet's own. ``loss_by_feat`` is
    computed here, for the batch at once.

    Args:
        *args: ``num_classes`` (C) and ``in_channels``, and any other
            argument of mmdet's ``FCOSHead`` (``feat_channels``,
            ``stacked_convs``, ``strides``, ``loss_bbox``, ``norm_cfg``,
            ``test_cfg``...). ``loss_bbox`` is L_loc, turned into P(loc) =
            exp(-L_loc): mmdet's default is IoULoss, the paper's (and the
            configs') ``dict(type='GIoULoss', loss_weight=5.0)``.
            ``loss_cls`` only tells the head that scores are sigmoid-based.
        force_topk (bool): give boxes that contain no point the ``topk``
            points of highest centre prior. Defaults to False.
        topk (int): points taken by ``force_topk``. Defaults to 9.
        pos_loss_weight (float): weight of the positive loss (paper: 0.25).
        neg_loss_weight (float): weight of the negative loss (paper: 0.75).
        center_loss_weight (float): weight of the centre-prior loss
            (paper: 0.75).
        assign_mode (str): how the loss finds each gt's points: ``'dense'``
            (every (point, gt) pair, B P G, as mmdet), ``'window'`` (only
            the points inside each box, on each level's grid: memory and
            work follow the pairs, see :mod:`plugin.models.task_modules.
            assigners.point_windows`; one host read) or ``'auto'``
            (default: the window path from ``AUTO_MIN_TRIPLES_CPU`` B P G
            on the CPU, ``AUTO_MIN_TRIPLES`` on other devices).
            The losses and gradients are the same to float rounding.
        **kwargs: as ``*args``.
    """

    def __init__(self,
                 *args,
                 force_topk: bool = False,
                 topk: int = 9,
                 pos_loss_weight: float = 0.25,
                 neg_loss_weight: float = 0.75,
                 center_loss_weight: float = 0.75,
                 **kwargs) -> None:
        # a keyword of its own, read from **kwargs so that the signature
        # stays mmdet's
        assign_mode = kwargs.pop('assign_mode', 'auto')
        if assign_mode not in ASSIGN_MODES:
            raise ValueError(f'assign_mode must be one of {ASSIGN_MODES}, '
                             f'got {assign_mode!r}')
        super().__init__(
            *args,
            force_topk=force_topk,
            topk=topk,
            pos_loss_weight=pos_loss_weight,
            neg_loss_weight=neg_loss_weight,
            center_loss_weight=center_loss_weight,
            **kwargs)
        # the batched centre prior replaces mmdet's per-image one (same
        # parameters ``mean`` and ``sigma``: checkpoints load strictly)
        self.center_prior = MODELS.build(
            dict(
                type='plugin.CenterPrior',
                force_topk=force_topk,
                topk=topk,
                num_classes=self.num_classes,
                strides=self.strides))
        self.assigner = TASK_UTILS.build(
            dict(type='plugin.AutoAssignAssigner'))
        self.assign_mode = assign_mode

    @fp32_no_autocast
    def loss_by_feat(
        self,
        cls_scores: List[Tensor],
        bbox_preds: List[Tensor],
        objectnesses: List[Tensor],
        batch_gt_instances: InstanceList,
        batch_img_metas: List[dict],
        batch_gt_instances_ignore: OptInstanceList = None
    ) -> Dict[str, Tensor]:
        """AutoAssign's losses for a batch (fp32 with autocast off: the
        losses are BCEs of products of probabilities, see
        :mod:`plugin.models.losses.autoassign_loss`).

        Args:
            cls_scores (list[Tensor]): per level (B, C, H_l, W_l) logits.
            bbox_preds (list[Tensor]): per level (B, 4, H_l, W_l) distances.
            objectnesses (list[Tensor]): per level (B, 1, H_l, W_l) logits.
            batch_gt_instances (list[InstanceData]): per image ``bboxes``
                (G_i, 4) and ``labels`` (G_i,).
            batch_img_metas (list[dict]): per image meta (unused).
            batch_gt_instances_ignore: unused, as in mmdet.

        Returns:
            dict[str, Tensor]: ``loss_pos``, ``loss_neg``, ``loss_center``.
        """
        assert len(cls_scores) == len(bbox_preds) == len(objectnesses)
        num_points = sum(f.shape[-2] * f.shape[-1] for f in cls_scores)
        if self.uses_windows(cls_scores[0].device.type,
                             len(batch_gt_instances), num_points,
                             max((len(g) for g in batch_gt_instances),
                                 default=0)):
            return self._window_loss(cls_scores, bbox_preds, objectnesses,
                                     batch_gt_instances)
        t = self._pair_terms(cls_scores, bbox_preds, objectnesses,
                             batch_gt_instances)
        gt = t.gt
        # Both normalisers are reduced on every rank, with or without gts,
        # so that ranks never wait on a collective another rank skipped.
        pos_avg_factor = mean_over_ranks(t.bbox_pred.new_tensor(
            sum(gt.num_gts)))
        neg_avg_factor = mean_over_ranks(t.center_prior.detach().sum())

        if gt.max_num_gts == 0:
            loss_neg, _ = autoassign_confidences(
                t.cls_score, t.objectness, t.neg_weights, gt.labels)
            # Zero losses that still touch every parameter of the head, so
            # DDP's gradient reduction sees them on every rank.
            loss_pos = connected_zero(t.bbox_pred)
            loss_center = connected_zero(t.objectness, self.center_prior.mean,
                                         self.center_prior.sigma)
            return dict(
                loss_pos=loss_pos,
                loss_neg=loss_neg * self.neg_loss_weight / neg_avg_factor,
                loss_center=loss_center)

        # P(cls) * P(obj) of each point for each gt's class, (B, P, G)
        loss_neg, p_cls = autoassign_confidences(t.cls_score, t.objectness,
                                                 t.neg_weights, gt.labels)
        p_pos = p_cls * torch.exp(-t.loss_loc)
        loss_pos = autoassign_pos_loss(p_pos, t.center_prior, gt.valid)

        return self._weighted_losses(loss_pos, loss_neg,
                                     t.center_prior.sum(dim=(1, 2)),
                                     t.inside.any(dim=2).any(dim=1), gt,
                                     pos_avg_factor, neg_avg_factor)

    def _weighted_losses(self, loss_pos: Tensor, loss_neg: Tensor,
                         prior_sum: Tensor, has_points: Tensor, gt: BatchGT,
                         pos_avg_factor: Tensor,
                         neg_avg_factor: Tensor) -> Dict[str, Tensor]:
        """The centre loss, and the three losses normalised and weighted
        (both paths).

        Args:
            loss_pos, loss_neg (Tensor): the unnormalised sums.
            prior_sum (Tensor): (B,) the centre prior summed over each
                image's (point, gt) pairs.
            has_points (Tensor): (B,) bool, whether any gt of the image
                holds a point.
            gt (BatchGT): the packed gts.
            pos_avg_factor, neg_avg_factor (Tensor): the normalisers.
        """
        # Centre loss: num_gts / sum of the prior per image pushes the prior
        # to cover the objects' points; images whose gts hold no point add a
        # connected zero instead (the prior is all zero there).
        img_num_gts = prior_sum.new_tensor(gt.num_gts)
        loss_center = torch.where(
            has_points, img_num_gts / prior_sum.clamp(min=EPS),
            prior_sum * 0).mean()
        return dict(
            loss_pos=loss_pos * self.pos_loss_weight / pos_avg_factor,
            loss_neg=loss_neg * self.neg_loss_weight / neg_avg_factor,
            loss_center=loss_center * self.center_loss_weight)

    def uses_windows(self, device_type: str, num_imgs: int, num_points: int,
                     num_gts: int) -> bool:
        """Whether the loss takes the window path.

        Never without gts (nothing to list); with ``assign_mode='auto'``,
        from ``AUTO_MIN_TRIPLES_CPU`` B P G on the CPU and
        ``AUTO_MIN_TRIPLES`` elsewhere.

        Args:
            device_type (str): the outputs' device type.
            num_imgs, num_points, num_gts (int): B, P and G (padded).
        """
        if num_gts == 0 or self.assign_mode == 'dense':
            return False
        if self.assign_mode == 'window':
            return True
        least = AUTO_MIN_TRIPLES_CPU if device_type == 'cpu' else \
            AUTO_MIN_TRIPLES
        return num_imgs * num_points * num_gts >= least

    def _window_loss(self, cls_scores: List[Tensor], bbox_preds: List[Tensor],
                     objectnesses: List[Tensor],
                     batch_gt_instances: InstanceList) -> Dict[str, Tensor]:
        """:meth:`loss_by_feat` over the listed (gt, point) pairs of each
        box's windows (T pairs) instead of B P G planes: the same terms,
        values and normalisers.

        Per pair: the centre prior, L_loc and P+, the positive weights (sums
        over each gt's contiguous pairs); per point in a pair: the best IoU
        of its predicted box with any gt (as mmdet, over the gts whose x
        range can overlap the box: :mod:`.overlap_bands`, no gradient); per
        point: the (B, P, C) negative weights and loss, as the dense path.
        One host read: the numbers of pairs and of band pairs.
        """
        device = cls_scores[0].device
        (featmap_sizes, level_points, points, point_strides, cls_score,
         bbox_pred, objectness) = self._flat_outputs(cls_scores, bbox_preds,
                                                     objectnesses)
        num_imgs, num_points, num_classes = cls_score.shape
        gt = stack_batch_gt(batch_gt_instances, device,
                            num_classes=self.num_classes)
        pred_bboxes = self.bbox_coder.decode(
            points[None].expand(num_imgs, -1, -1), bbox_pred)  # (B, P, 4)

        grids = level_grids(level_points, featmap_sizes, self.strides)
        windows = inside_windows(grids, gt.bboxes, gt.valid)  # (B, G, L, 4)
        centers = (gt.bboxes[..., :2] + gt.bboxes[..., 2:]) / 2
        centers, labels = centers.reshape(-1, 2), gt.labels.reshape(-1)
        extra = extra_counts = None
        if self.center_prior.force_topk:
            extra, extra_counts = self._window_topk(grids, windows, points,
                                                    point_strides, centers,
                                                    labels, gt.valid)
        # the IoU term needs each used point's best IoU with any gt: over
        # the band of gts that can overlap its predicted box
        used = covered_points(grids, windows, num_points, extra,
                              extra_counts)  # (B, P)
        bands = overlap_bands(pred_bboxes.detach(), gt.bboxes, gt.valid,
                              used)
        # the one host read: the numbers of pairs and of band pairs
        num_pairs, num_band_pairs = torch.stack([
            window_counts(windows, extra_counts).sum(),
            bands.counts.sum()
        ]).tolist()
        pairs = window_pairs(grids, windows, num_points, extra, extra_counts,
                             total=num_pairs)
        pair_labels = labels.index_select(0, pairs.gt)
        center_prior = self.center_prior.pair_prior(
            points.index_select(0, pairs.point),
            point_strides.index_select(0, pairs.point),
            centers.index_select(0, pairs.gt), pair_labels)  # (T,)
        loss_loc = self._aligned_loc_loss(
            pred_bboxes.reshape(-1, 4).index_select(0, pairs.flat),
            gt.bboxes.reshape(-1, 4).index_select(0, pairs.gt))  # (T,)
        best_ious = band_max_ious(pred_bboxes.detach(), gt.bboxes, bands,
                                  num_band_pairs)  # (B, P)
        neg_weights = self.assigner.pair_negative_weights(
            best_ious, pairs.gt, pairs.flat, gt.labels, num_classes)

        pos_avg_factor = mean_over_ranks(bbox_pred.new_tensor(
            sum(gt.num_gts)))
        neg_avg_factor = mean_over_ranks(center_prior.detach().sum())
        loss_neg, p_cls = autoassign_pair_confidences(
            cls_score, objectness, neg_weights, pairs.flat, pair_labels)
        p_pos = p_cls * torch.exp(-loss_loc)
        loss_pos = autoassign_pair_pos_loss(p_pos, center_prior,
                                            pairs.counts, gt.valid)
        prior_sum = torch.segment_reduce(
            center_prior, 'sum', lengths=pairs.image_counts)  # (B,)
        return self._weighted_losses(loss_pos, loss_neg, prior_sum,
                                     pairs.image_counts > 0, gt,
                                     pos_avg_factor, neg_avg_factor)

    def _window_topk(self, grids, windows: Tensor, points: Tensor,
                     point_strides: Tensor, centers: Tensor, labels: Tensor,
                     valid: Tensor) -> Tuple[Tensor, Tensor]:
        """``force_topk`` on the window path: per gt its ``topk`` points of
        highest prior among :func:`topk_candidates` (increasing point
        order), and how many it takes: ``topk`` if its windows are empty,
        else 0. Returns (B G, K) and (B G,) int64."""
        num_points = len(points)
        k = min(self.center_prior.topk, num_points)
        with torch.no_grad():
            cand = topk_candidates(grids, centers,
                                   self.center_prior.mean[labels], k)
            num = cand.size(1)
            flat = cand.reshape(-1)
            prior = self.center_prior.pair_prior(
                points.index_select(0, flat),
                point_strides.index_select(0, flat),
                centers.repeat_interleave(num, dim=0),
                labels.repeat_interleave(num)).view(-1, num)
            top = prior.topk(k, dim=1).indices
            extra = cand.gather(1, top).sort(dim=1).values
        empty = window_counts(windows).sum(1) == 0  # (B G,)
        extra_counts = (empty & valid.reshape(-1)).long() * k
        return extra, extra_counts

    def _aligned_loc_loss(self, pred_bboxes: Tensor,
                          gt_bboxes: Tensor) -> Tensor:
        """L_loc of listed (prediction, gt) pairs, (T, 4) each -> (T,): the
        dense path's arithmetic (GIoU through :func:`pairwise_giou` on
        one-pair planes), or the configured loss on the pairs."""
        loss = self.loss_bbox
        if type(loss) is GIoULoss:
            giou, _ = pairwise_giou(pred_bboxes[:, None], gt_bboxes[:, None],
                                    eps=loss.eps)
            return loss.loss_weight * (1 - giou[:, 0, 0])
        return loss(pred_bboxes, gt_bboxes, weight=None,
                    reduction_override='none')

    def _flat_outputs(self, cls_scores: List[Tensor],
                      bbox_preds: List[Tensor],
                      objectnesses: List[Tensor]) -> FlatOutputs:
        """The points of the levels and the outputs, levels concatenated
        (what both paths start from)."""
        featmap_sizes = [f.shape[-2:] for f in cls_scores]
        level_points = self.prior_generator.grid_priors(
            featmap_sizes, dtype=torch.float32, device=cls_scores[0].device)
        points = torch.cat(level_points)  # (P, 2)
        point_strides = torch.cat([
            points.new_full((len(p), ), float(s))
            for p, s in zip(level_points, self.strides)
        ])  # (P,)
        return FlatOutputs(featmap_sizes, level_points, points, point_strides,
                           levels_to_batch(cls_scores),
                           levels_to_batch(bbox_preds),
                           levels_to_batch(objectnesses))

    def _pair_terms(self, cls_scores: List[Tensor], bbox_preds: List[Tensor],
                    objectnesses: List[Tensor],
                    batch_gt_instances: InstanceList) -> 'PairTerms':
        """What the loss and :meth:`assignment` share: the batch's outputs,
        gts, candidates, centre prior, pairwise L_loc and negative weights.

        L_loc is None when the batch has no gt; the negative weights are
        then all 1 (every point is background).
        """
        (_, level_points, points, point_strides, cls_score, bbox_pred,
         objectness) = self._flat_outputs(cls_scores, bbox_preds,
                                          objectnesses)
        num_imgs, num_points, num_classes = cls_score.shape

        inside, gt = self.get_batch_targets(points, batch_gt_instances)
        center_prior, inside = self.center_prior(points, point_strides,
                                                 gt.bboxes, gt.labels,
                                                 gt.valid, inside)
        pred_bboxes = self.bbox_coder.decode(
            points[None].expand(num_imgs, -1, -1), bbox_pred)  # (B, P, 4)
        loss_loc = None
        if gt.max_num_gts == 0:
            neg_weights = torch.ones_like(cls_score)
        else:
            # L_loc of every (point, gt) pair, (B, P, G)
            loss_loc, ious = self._pairwise_loc_loss(pred_bboxes, gt.bboxes)
            neg_weights = self.assigner.negative_weights(
                pred_bboxes.detach(), gt.bboxes, gt.labels, gt.valid, inside,
                num_classes, ious=ious)
        return PairTerms(points, [len(p) for p in level_points], cls_score,
                         bbox_pred, objectness, gt, inside, center_prior,
                         loss_loc, neg_weights)

    @torch.no_grad()
    @fp32_no_autocast
    def assignment(self, cls_scores: List[Tensor], bbox_preds: List[Tensor],
                   objectnesses: List[Tensor],
                   batch_gt_instances: InstanceList) -> 'AutoAssignment':
        """The weights the loss gives each point, for inspection
        (``tools/show_assignment.py``); the loss's own code, no gradients.

        Args: as :meth:`loss_by_feat`.

        Returns:
            AutoAssignment: the points and their count per level, the
            packed gts, the (B, P, G) candidates, centre prior and positive
            weights w+, and the (B, P, C) negative weights w-.
        """
        t = self._pair_terms(cls_scores, bbox_preds, objectnesses,
                             batch_gt_instances)
        pos_weights = torch.zeros_like(t.center_prior)
        if t.gt.max_num_gts:
            _, p_cls = autoassign_confidences(t.cls_score, t.objectness,
                                              t.neg_weights, t.gt.labels)
            pos_weights = autoassign_pos_weights(
                p_cls * torch.exp(-t.loss_loc), t.center_prior)
        return AutoAssignment(t.points, t.num_level_points, t.gt, t.inside,
                              t.center_prior, pos_weights, t.neg_weights)

    def _pairwise_loc_loss(self, pred_bboxes: Tensor, gt_bboxes: Tensor
                           ) -> Tuple[Tensor, Optional[Tensor]]:
        """Box loss of every (point, gt) pair, and their IoU if at hand.

        mmdet's ``GIoULoss`` (the paper's and the configs' choice) takes a
        broadcast path that also yields the IoU the negative weights need;
        any other configured box loss is called on expanded pairs.

        Args:
            pred_bboxes (Tensor): (B, P, 4) decoded predictions.
            gt_bboxes (Tensor): (B, G, 4) padded gts.

        Returns:
            tuple[Tensor, Tensor | None]: (B, P, G) loss, and the (B, P, G)
            detached IoU (eps 1e-6, as mmdet's) or None.
        """
        loss = self.loss_bbox
        if type(loss) is GIoULoss:
            giou, iou = pairwise_giou(pred_bboxes, gt_bboxes, eps=loss.eps)
            # the assigner's IoU uses bbox_overlaps' default eps of 1e-6
            ious = iou.detach() if loss.eps == 1e-6 else None
            return loss.loss_weight * (1 - giou), ious
        num_points, num_gts = pred_bboxes.size(1), gt_bboxes.size(1)
        pair_pred = pred_bboxes[:, :, None].expand(-1, -1, num_gts, -1)
        pair_gt = gt_bboxes[:, None].expand(-1, num_points, -1, -1)
        return loss(
            pair_pred, pair_gt, weight=None, reduction_override='none'), None

    def get_batch_targets(self, points: Tensor,
                          batch_gt_instances: InstanceList
                          ) -> Tuple[Tensor, BatchGT]:
        """Pack the batch's gts and find the points inside each box (the
        loss's path; mmdet's per-image ``get_targets`` is inherited).

        AutoAssign regresses straight to the gt boxes, so the targets are the
        packed gts themselves plus the candidate mask.

        Args:
            points (Tensor): (P, 2) points of all levels.
            batch_gt_instances (list[InstanceData]): per image gts.

        Returns:
            tuple[Tensor, BatchGT]: (B, P, G) bool inside mask (before
            ``force_topk``) and the padded gts.
        """
        gt = stack_batch_gt(batch_gt_instances, points.device,
                            num_classes=self.num_classes)
        inside = self.assigner.points_inside(points, gt.bboxes, gt.valid)
        return inside, gt
