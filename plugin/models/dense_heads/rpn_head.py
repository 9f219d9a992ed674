"""Region proposal network head (Faster R-CNN, arXiv 1506.01497), batched.

Shapes: B images, L levels, A anchors per position, N anchors of all levels
(level by level, row-major over each map, then the A anchors), G gts per
image (padded), S sample slots per image (fixed by the sampler), K the
proposals kept per level before NMS.

A subclass of mmdet 3.3.0's ``RPNHead``: the same constructor, layers,
parameter names and outputs (its checkpoints load strictly), and every
method mmdet's class defines keeps its signature and return, so code
written against mmdet's head (or a subclass of it) keeps working. What is
computed here instead of there is the training path and the batched
decoding:

    anchors (mmdet's AnchorGenerator) -> flags (pad area, allowed_border)
    -> BatchMaxIoUAssigner (no grad; IoUs only inside each gt's window of
       overlapping grid cells, or every pair, chunked)
    -> sampler (BatchRandomSampler: 256 at 1:1; SiamRPNSampler; or keep all)
    -> deltas of the sampled positives (the config's box coder)
    -> losses on the S sampled slots only, gathered from the outputs

    predict: per level the top ``nms_pre`` scores, decode, clip (batched),
    then mmdet's ``_bbox_post_process`` per image (rescale, size filter,
    NMS across levels with level ids, ``max_per_img``).

An mmdet ``train_cfg`` (``MaxIoUAssigner`` + ``RandomSampler`` or no
sampler) is mapped onto the batched components (see
:mod:`plugin.models.task_modules.builder`). ``get_targets`` and
``_get_targets_single`` keep mmdet's signatures and per-level layout, and
are computed by the same batched components; the loss itself uses
:meth:`RPNHead.get_batch_targets`. No Python loop over images or gts and no
host synchronisation in training with mmdet's default losses (which run
fused: mmdet's own L1/SmoothL1/GIoU/sigmoid-CE modules read tensors back to
the host); the losses run in fp32 with autocast off.
"""
import copy
import itertools
from typing import List, NamedTuple, Optional, Sequence, Tuple

import torch
from mmdet.models.dense_heads import RPNHead as MMDetRPNHead
from mmdet.models.task_modules.assigners import AssignResult
from mmdet.models.task_modules.prior_generators import anchor_inside_flags
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.models.utils import images_to_levels
from mmdet.utils import InstanceList, MultiConfig, OptInstanceList
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from plugin.models.losses import AVG_EPS, elementwise_loss
from plugin.models.task_modules.assigners import AnchorAssignment
from plugin.models.task_modules.builder import (build_anchor_assigner,
                                                build_anchor_sampler)
from plugin.models.task_modules.prior_generators import (AnchorGrid,
                                                         anchor_grid,
                                                         batch_anchor_flags)
from plugin.models.task_modules.samplers import (AnchorSamples,
                                                 BatchPseudoSampler,
                                                 SiamRPNSampler,
                                                 slot_gt_boxes)
from plugin.models.utils import (BatchGT, fp32_no_autocast, levels_to_batch,
                                 stack_batch_gt)
from plugin.registry import MODELS

# The keys of an RPN train_cfg that this head honours (mmdet's, plus none
# of its own). ``debug`` is accepted and unused, as in mmdet.
TRAIN_CFG_KEYS = ('assigner', 'sampler', 'allowed_border', 'pos_weight',
                  'debug')


class AnchorTargets(NamedTuple):
    """Everything the losses (and pictures of the assignment) need.

    Attributes:
        anchors (Tensor): (N, 4) anchors of all levels.
        num_level_anchors (list[int]): anchors per level.
        valid (Tensor): (B, N) bool, anchors that take part.
        assignment (AnchorAssignment): (B, N) gt indices and best IoUs.
        samples (AnchorSamples): the sampled slots and their weights.
        bbox_targets (Tensor): (B, S, 4) regression target of each slot
            (deltas, or gt boxes with ``reg_decoded_bbox``); 0 unless
            positive.
    """
    anchors: Tensor
    num_level_anchors: List[int]
    valid: Tensor
    assignment: AnchorAssignment
    samples: AnchorSamples
    bbox_targets: Tensor


@MODELS.register_module()
class RPNHead(MMDetRPNHead):
    """RPN head with batched, memory-bounded anchor assignment and sampling.

    A drop-in replacement of mmdet's ``RPNHead`` (and a subclass of it):
    the same arguments and defaults (mmdet's ``AnchorHead`` ones), the same
    parameters (``rpn_conv``, ``rpn_cls``, ``rpn_reg``), outputs
    ``(cls_scores, bbox_preds)`` per level, and losses ``loss_rpn_cls`` /
    ``loss_rpn_bbox`` as per-level lists. Layers, ``forward``,
    ``get_anchors``, ``loss_by_feat_single``, ``_predict_by_feat_single``
    and ``_bbox_post_process`` are mmdet's own.

    Args (mmdet's: the first four, then ``AnchorHead``'s as keywords):
        in_channels (int): channels of the input maps.
        num_classes (int): must be 1 (objectness).
        init_cfg (dict): mmdet's: normal(std 0.01) convs.
        num_convs (int): 3x3 convs before the 1x1 outputs.
        feat_channels (int): channels of the 3x3 convs (256).
        anchor_generator (dict): scales x ratios per level, any mmdet prior
            generator of anchors (``AnchorGenerator``).
        bbox_coder (dict): the deltas (``DeltaXYWHBBoxCoder`` with means and
            stds).
        reg_decoded_bbox (bool): regress decoded boxes (for IoU losses).
        loss_cls (dict): objectness loss. mmdet's sigmoid
            ``CrossEntropyLoss`` (no class weight) runs fused; any other
            loss is called with ``reduction_override='none'``.
        loss_bbox (dict): box loss. mmdet's ``L1Loss``, ``SmoothL1Loss``
            and (with ``reg_decoded_bbox``) ``GIoULoss`` run fused; others
            as for ``loss_cls``.
        train_cfg (dict): ``assigner``, ``sampler`` (optional),
            ``allowed_border``, ``pos_weight``; mmdet's types are mapped to
            the batched ones. Other keys are refused.
        test_cfg (dict): ``nms_pre``, ``max_per_img``, ``nms``,
            ``min_bbox_size``.

    The defaults of the keyword arguments are mmdet's ``AnchorHead``'s
    (e.g. 3 scales x 3 ratios on strides 4-64, SmoothL1 with beta 1/9,
    sigmoid CE).
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int = 1,
                 init_cfg: MultiConfig = dict(
                     type='Normal', layer='Conv2d', std=0.01),
                 num_convs: int = 1,
                 **kwargs) -> None:
        if num_classes != 1:
            raise ValueError(f'RPNHead has one class (objectness), got '
                             f'num_classes={num_classes}')
        train_cfg = kwargs.pop('train_cfg', None)
        if train_cfg:
            unknown = set(train_cfg) - set(TRAIN_CFG_KEYS)
            if unknown:
                raise ValueError(
                    f'plugin.RPNHead does not support train_cfg keys '
                    f'{sorted(unknown)}; it honours {list(TRAIN_CFG_KEYS)}')
        # mmdet's constructor builds the layers, losses, coder and anchor
        # generator; without a train_cfg it builds no per-image assigner
        # and sampler, whose batched counterparts are built below.
        super().__init__(
            in_channels,
            num_classes=num_classes,
            init_cfg=init_cfg,
            num_convs=num_convs,
            train_cfg=None,
            **kwargs)
        self.train_cfg = train_cfg
        if train_cfg:
            self.assigner = build_anchor_assigner(train_cfg['assigner'])
            self.sampler = build_anchor_sampler(train_cfg.get('sampler'))
        self._anchor_cache: Optional[tuple] = None

    # ------------------------------------------------------------------
    # training
    # ------------------------------------------------------------------
    def anchors(self, featmap_sizes: Sequence[Tuple[int, int]],
                device: torch.device) -> Tuple[Tensor, List[int]]:
        """All levels' anchors, (N, 4), and the number per level.

        Cached for the last map sizes: they are the same every iteration of
        a fixed-size pipeline.
        """
        key = (tuple(tuple(s) for s in featmap_sizes), str(device))
        if self._anchor_cache is None or self._anchor_cache[0] != key:
            mlvl = self.prior_generator.grid_priors(featmap_sizes,
                                                    device=device)
            self._anchor_cache = (key, torch.cat(mlvl),
                                  [len(a) for a in mlvl])
        return self._anchor_cache[1], self._anchor_cache[2]

    @torch.no_grad()
    def get_batch_targets(self,
                          featmap_sizes: Sequence[Tuple[int, int]],
                          batch_gt_instances: InstanceList,
                          batch_img_metas: List[dict],
                          batch_gt_instances_ignore: OptInstanceList = None,
                          device: torch.device = torch.device('cpu')
                          ) -> 'AnchorTargets':
        """Assign, sample and encode for the whole batch (the loss's path).

        Args:
            featmap_sizes: (H, W) of each level.
            batch_gt_instances: per image gts (``bboxes``, and ``labels``,
                which must be 0: mmdet's detectors zero them for the RPN).
            batch_img_metas: per image ``img_shape`` and ``pad_shape``.
            batch_gt_instances_ignore: per image ignore boxes, or None; used
                when the assigner's ``ignore_iof_thr`` > 0.
            device: where the anchors live.

        Returns:
            AnchorTargets: anchors, assignment, samples and box targets.
        """
        anchors, num_level_anchors = self.anchors(featmap_sizes, device)
        valid = batch_anchor_flags(
            anchors, featmap_sizes, self.prior_generator.strides,
            self.prior_generator.num_base_priors, batch_img_metas,
            self.train_cfg.get('allowed_border', -1))
        return self._targets(anchors, num_level_anchors, valid,
                             batch_gt_instances, batch_gt_instances_ignore,
                             anchor_grid(self.prior_generator, featmap_sizes))

    def _targets(self, anchors: Tensor, num_level_anchors: List[int],
                 valid: Tensor, batch_gt_instances: InstanceList,
                 batch_gt_instances_ignore: OptInstanceList,
                 grid: Optional[AnchorGrid] = None) -> 'AnchorTargets':
        """Assign, sample and encode, given the anchors and their (B, N)
        flags (and their grid layout, which allows the assigner's window
        path; mmdet's ``get_targets`` receives anchors without it)."""
        device = anchors.device
        gt = stack_batch_gt(batch_gt_instances, device,
                            num_classes=self.num_classes)
        ignore = self._stack_ignore(batch_gt_instances_ignore, device)
        assignment = self.assigner.assign(anchors, valid, gt, ignore, grid)
        samples = self.sampler.sample(assignment.gt_inds)

        gt_boxes = slot_gt_boxes(samples, assignment.gt_inds, gt.bboxes)
        if self.reg_decoded_bbox:
            targets = gt_boxes
        else:
            targets = self.bbox_coder.encode(
                anchors[samples.inds].reshape(-1, 4),
                gt_boxes.reshape(-1, 4)).reshape(gt_boxes.shape[:2] + (-1, ))
        # only positives have a target; others (padding boxes) are zeroed
        targets = torch.where(samples.pos[..., None], targets, 0.)
        return AnchorTargets(anchors, num_level_anchors, valid, assignment,
                             samples, targets)

    @staticmethod
    def _stack_ignore(batch_gt_instances_ignore: OptInstanceList,
                      device: torch.device) -> Optional[BatchGT]:
        """Pack the ignore boxes (None where an image has none)."""
        if batch_gt_instances_ignore is None or all(
                ig is None or len(ig) == 0
                for ig in batch_gt_instances_ignore):
            return None
        empty = InstanceData(
            bboxes=torch.zeros((0, 4), device=device),
            labels=torch.zeros((0, ), dtype=torch.long, device=device))
        return stack_batch_gt([
            empty if ig is None or len(ig) == 0 else InstanceData(
                bboxes=ig.bboxes,
                labels=torch.zeros(len(ig), dtype=torch.long, device=device))
            for ig in batch_gt_instances_ignore
        ], device)

    def _cls_weight(self, samples: AnchorSamples) -> Tensor:
        """(B, S) objectness weight of each slot, ``pos_weight`` applied to
        the positives (mmdet's ``label_weights``)."""
        pos_weight = self.train_cfg.get('pos_weight', -1)
        if pos_weight > 0:
            return samples.cls_weight * torch.where(samples.pos, pos_weight,
                                                    1.)
        return samples.cls_weight

    # mmdet's per-image interface, computed by the batched components ----
    @torch.no_grad()
    def get_targets(self,
                    anchor_list: List[List[Tensor]],
                    valid_flag_list: List[List[Tensor]],
                    batch_gt_instances: InstanceList,
                    batch_img_metas: List[dict],
                    batch_gt_instances_ignore: OptInstanceList = None,
                    unmap_outputs: bool = True,
                    return_sampling_results: bool = False) -> tuple:
        """mmdet's ``AnchorHead.get_targets``: the targets of each level in
        mmdet's layout, computed by the batched assigner and sampler.

        Not the loss's path (:meth:`get_batch_targets` is); this is for code
        written against mmdet's head. It reads values back to the host to
        build mmdet's variable-length index lists.

        Args:
            anchor_list (list[list[Tensor]]): per image, per level (N_l, 4)
                anchors (``get_anchors``).
            valid_flag_list (list[list[Tensor]]): per image, per level
                (N_l,) bool flags.
            batch_gt_instances (list[InstanceData]): per image gts.
            batch_img_metas (list[dict]): per image metas (``img_shape``).
            batch_gt_instances_ignore (list[InstanceData], optional): per
                image ignore boxes.
            unmap_outputs (bool): targets of every anchor (True) or of the
                anchors inside the image only.
            return_sampling_results (bool): also return mmdet's
                ``SamplingResult`` of each image.

        Returns:
            tuple: per level (B, N_l) ``labels`` (1 = background),
            ``label_weights``, (B, N_l, 4) ``bbox_targets`` and
            ``bbox_weights``, then ``avg_factor`` (int), then, if asked,
            the list of ``SamplingResult``. With ``SiamRPNSampler`` the
            weights are already normalised and ``avg_factor`` is 1.
        """
        num_imgs = len(batch_img_metas)
        assert len(anchor_list) == len(valid_flag_list) == num_imgs
        if batch_gt_instances_ignore is None:
            batch_gt_instances_ignore = [None] * num_imgs
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        shared = all(a is anchor_list[0] or all(
            x is y for x, y in zip(a, anchor_list[0])) for a in anchor_list)
        if shared:  # mmdet's get_anchors: one list for every image
            anchors = torch.cat(anchor_list[0])
            inside = torch.stack([
                self._inside_flags(anchors, torch.cat(valid), meta)
                for valid, meta in zip(valid_flag_list, batch_img_metas)
            ])
            targets = self._targets(anchors, num_level_anchors, inside,
                                    batch_gt_instances,
                                    batch_gt_instances_ignore)
            results = [
                self._mmdet_targets(targets, i, inside[i],
                                    batch_gt_instances[i], unmap_outputs)
                for i in range(num_imgs)
            ]
        else:  # anchors of their own per image: one image at a time
            results = [
                self._get_targets_single(
                    torch.cat(anchors), torch.cat(valid), gt, meta, ignore,
                    unmap_outputs=unmap_outputs)
                for anchors, valid, gt, meta, ignore in zip(
                    anchor_list, valid_flag_list, batch_gt_instances,
                    batch_img_metas, batch_gt_instances_ignore)
            ]
        (all_labels, all_label_weights, all_bbox_targets, all_bbox_weights,
         _, _, sampling_results) = map(list, zip(*results))
        # mmdet keeps them for ``get_positive_infos``
        self._raw_positive_infos.update(sampling_results=sampling_results)
        # SiamRPN's weights are normalised already: mmdet's loss divides
        # by avg_factor, so 1 keeps SiamRPN's loss
        avg_factor = 1 if isinstance(self.sampler, SiamRPNSampler) else \
            sum(r.avg_factor for r in sampling_results)
        res = (images_to_levels(all_labels, num_level_anchors),
               images_to_levels(all_label_weights, num_level_anchors),
               images_to_levels(all_bbox_targets, num_level_anchors),
               images_to_levels(all_bbox_weights, num_level_anchors),
               avg_factor)
        if return_sampling_results:
            res = res + (sampling_results, )
        return res

    @torch.no_grad()
    def _get_targets_single(self,
                            flat_anchors: Tensor,
                            valid_flags: Tensor,
                            gt_instances: InstanceData,
                            img_meta: dict,
                            gt_instances_ignore: Optional[
                                InstanceData] = None,
                            unmap_outputs: bool = True) -> tuple:
        """mmdet's ``AnchorHead._get_targets_single`` for one image (see
        :meth:`get_targets`).

        Returns:
            tuple: (N,) ``labels``, ``label_weights``, (N, 4)
            ``bbox_targets``, ``bbox_weights`` (N the inside anchors when
            not ``unmap_outputs``), then ``pos_inds``, ``neg_inds`` (into
            the inside anchors, sorted) and the ``SamplingResult``.
        """
        inside = self._inside_flags(flat_anchors, valid_flags, img_meta)
        targets = self._targets(flat_anchors, [len(flat_anchors)],
                                inside[None], [gt_instances],
                                [gt_instances_ignore])
        return self._mmdet_targets(targets, 0, inside, gt_instances,
                                   unmap_outputs)

    def _inside_flags(self, flat_anchors: Tensor, valid_flags: Tensor,
                      img_meta: dict) -> Tensor:
        """(N,) flags of the anchors that take part in one image: mmdet's
        ``anchor_inside_flags`` with the ``allowed_border`` rule."""
        return anchor_inside_flags(flat_anchors, valid_flags,
                                   img_meta['img_shape'][:2],
                                   self.train_cfg.get('allowed_border', -1))

    def _mmdet_targets(self, targets: 'AnchorTargets', i: int,
                       inside: Tensor, gt_instances: InstanceData,
                       unmap_outputs: bool) -> tuple:
        """Image ``i`` of batched targets in ``_get_targets_single``'s
        layout."""
        samples = targets.samples
        num_anchors = len(targets.anchors)
        inds = samples.inds[i]
        # Unused slots hold index 0 and zero weights: add, never overwrite.
        zeros = targets.anchors.new_zeros(num_anchors)
        is_pos = zeros.scatter_add(0, inds, samples.pos[i].float()) > 0
        is_neg = zeros.scatter_add(0, inds, samples.neg[i].float()) > 0
        label_weights = zeros.scatter_add(0, inds,
                                          self._cls_weight(samples)[i])
        labels = torch.where(is_pos, 0, self.num_classes)
        dim = targets.bbox_targets.size(-1)
        index = inds[:, None].expand(-1, dim)
        bbox_targets = targets.anchors.new_zeros(num_anchors, dim).scatter_add(
            0, index, targets.bbox_targets[i])
        bbox_weights = targets.anchors.new_zeros(num_anchors, dim).scatter_add(
            0, index, samples.reg_weight[i][:, None].expand(-1, dim))

        # mmdet's indices and sampling result refer to the inside anchors
        rank = inside.cumsum(0) - 1
        pos_inds = rank[is_pos.nonzero().view(-1)]
        neg_inds = rank[is_neg.nonzero().view(-1)]
        gt_inds = targets.assignment.gt_inds[i][inside]
        gt_labels = gt_instances.labels.to(gt_inds.device)
        assign_result = AssignResult(
            num_gts=len(gt_instances),
            gt_inds=gt_inds,
            max_overlaps=targets.assignment.max_overlaps[i][inside],
            labels=torch.where(
                gt_inds > 0, gt_labels[(gt_inds - 1).clamp(min=0)]
                if len(gt_labels) else gt_inds, -1))
        priors = targets.anchors[inside]
        sampling_result = SamplingResult(
            pos_inds=pos_inds,
            neg_inds=neg_inds,
            priors=priors,
            gt_bboxes=gt_instances.bboxes,
            assign_result=assign_result,
            gt_flags=priors.new_zeros(len(priors), dtype=torch.uint8),
            avg_factor_with_neg=not isinstance(self.sampler,
                                               BatchPseudoSampler))
        if not unmap_outputs:
            labels, label_weights = labels[inside], label_weights[inside]
            bbox_targets, bbox_weights = bbox_targets[inside], \
                bbox_weights[inside]
        return (labels, label_weights, bbox_targets, bbox_weights, pos_inds,
                neg_inds, sampling_result)

    @fp32_no_autocast
    def loss_by_feat(self,
                     cls_scores: List[Tensor],
                     bbox_preds: List[Tensor],
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None
                     ) -> dict:
        """Objectness and box losses of the sampled anchors (fp32, autocast
        off).

        Args:
            cls_scores (list[Tensor]): per level (B, A * cls_out_channels,
                H, W) logits.
            bbox_preds (list[Tensor]): per level (B, A * 4, H, W) deltas.
            batch_gt_instances (list[InstanceData]): per image gts.
            batch_img_metas (list[dict]): per image metas.
            batch_gt_instances_ignore (list[InstanceData], optional): per
                image ignore boxes.

        Returns:
            dict[str, list[Tensor]]: ``loss_rpn_cls`` and ``loss_rpn_bbox``,
            one scalar per level (the runner sums them), as mmdet.
        """
        featmap_sizes = [tuple(s.shape[-2:]) for s in cls_scores]
        targets = self.get_batch_targets(featmap_sizes, batch_gt_instances,
                                         batch_img_metas,
                                         batch_gt_instances_ignore,
                                         cls_scores[0].device)
        cls = levels_to_batch(cls_scores, self.cls_out_channels)
        reg = levels_to_batch(bbox_preds, self.bbox_coder.encode_size)
        return self._loss(cls, reg, targets)

    def _loss(self, cls: Tensor, reg: Tensor,
              targets: 'AnchorTargets') -> dict:
        """Losses on the sampled slots, split by level.

        Args:
            cls (Tensor): (B, N, cls_out_channels) logits.
            reg (Tensor): (B, N, 4) deltas.
            targets (AnchorTargets): from :meth:`get_batch_targets`.
        """
        samples = targets.samples
        inds = samples.inds
        cls = cls.gather(1, inds[..., None].expand(-1, -1, cls.size(-1)))
        reg = reg.gather(1, inds[..., None].expand(-1, -1, reg.size(-1)))
        if self.reg_decoded_bbox:
            reg = self.bbox_coder.decode(
                targets.anchors[inds].reshape(-1, 4),
                reg.reshape(-1, reg.size(-1))).reshape(reg.shape[:2] + (4, ))

        loss_cls = self._cls_loss(cls, samples.pos,
                                  self._cls_weight(samples))  # (B, S)
        loss_bbox = self._bbox_loss(reg, targets.bbox_targets,
                                    samples.reg_weight)  # (B, S)

        # per level: mmdet reports one loss per level (level of each slot
        # from Python ints: no host-to-device copy)
        ends = list(itertools.accumulate(targets.num_level_anchors))
        level = torch.zeros_like(inds)  # (B, S)
        for end in ends[:-1]:
            level += inds >= end
        one_hot = level[..., None] == torch.arange(len(ends),
                                                   device=inds.device)
        # a masked sum, not index_add: deterministic on every device
        losses = [(loss[..., None] * one_hot).sum(dim=(0, 1))
                  for loss in (loss_cls, loss_bbox)]
        if samples.avg_factor is not None:
            losses = [loss / (samples.avg_factor + AVG_EPS)
                      for loss in losses]
        return dict(
            loss_rpn_cls=list(losses[0].unbind()),
            loss_rpn_bbox=list(losses[1].unbind()))

    def _cls_loss(self, cls: Tensor, pos: Tensor, weight: Tensor) -> Tensor:
        """(B, S) weighted objectness loss of each slot."""
        loss = self.loss_cls
        elem = elementwise_loss(loss, cls, pos[..., None])
        if elem is not None:  # mmdet's sigmoid CE, fused
            return elem.squeeze(-1) * weight * loss.loss_weight
        # mmdet's labels: 0 the object, num_classes (1) the background
        labels = torch.where(pos, 0, self.num_classes)
        elem = loss(
            cls.reshape(-1, cls.size(-1)),
            labels.reshape(-1),
            weight.reshape(-1),
            reduction_override='none')
        return _per_slot(elem, pos.shape)

    def _bbox_loss(self, reg: Tensor, target: Tensor,
                   weight: Tensor) -> Tensor:
        """(B, S) weighted box loss of each slot, summed over the 4
        coordinates."""
        loss = self.loss_bbox
        elem = elementwise_loss(loss, reg, target)
        if elem is not None:  # L1, SmoothL1 (B, S, 4) or GIoU (B, S), fused
            if elem.dim() == reg.dim():
                elem = elem.sum(dim=-1)
            return elem * weight * loss.loss_weight
        elem = loss(
            reg.reshape(-1, reg.size(-1)),
            target.reshape(-1, target.size(-1)),
            weight.reshape(-1, 1).expand(-1, reg.size(-1)),
            reduction_override='none')
        return _per_slot(elem, weight.shape)

    # ------------------------------------------------------------------
    # proposals
    # ------------------------------------------------------------------
    def predict_by_feat(self,
                        cls_scores: List[Tensor],
                        bbox_preds: List[Tensor],
                        score_factors: Optional[List[Tensor]] = None,
                        batch_img_metas: Optional[List[dict]] = None,
                        cfg: Optional[ConfigDict] = None,
                        rescale: bool = False,
                        with_nms: bool = True) -> InstanceList:
        """Proposals of every image, mmdet's for the same outputs.

        Top-k per level, decoding and clipping run for the batch at once;
        mmdet's ``_bbox_post_process`` (rescaling, the size filter and NMS
        across levels with the level as the group) runs per image.

        Args:
            cls_scores (list[Tensor]): per level (B, A * C, H, W) logits.
            bbox_preds (list[Tensor]): per level (B, A * 4, H, W) deltas.
            score_factors: unused (BaseDenseHead's signature).
            batch_img_metas (list[dict]): ``img_shape`` and, with
                ``rescale``, ``scale_factor``.
            cfg (dict, optional): ``nms_pre``, ``max_per_img``, ``nms``,
                ``min_bbox_size``; defaults to ``test_cfg``.
            rescale (bool): boxes in the original image's pixels.
            with_nms (bool): must be True (as mmdet's RPNHead).

        Returns:
            list[InstanceData]: per image ``bboxes`` (k, 4), ``scores``
            (k,), ``labels`` (k,) all 0.
        """
        assert with_nms, '`with_nms` must be True in RPNHead'
        cfg = copy.deepcopy(self.test_cfg if cfg is None else cfg)
        featmap_sizes = [tuple(s.shape[-2:]) for s in cls_scores]
        device = cls_scores[0].device
        anchors, num_level_anchors = self.anchors(featmap_sizes, device)
        num_imgs = cls_scores[0].size(0)
        nms_pre = cfg.get('nms_pre', -1)

        scores, deltas, priors, level_ids = [], [], [], []
        level_anchors = anchors.split(num_level_anchors)
        for level, (cls, reg, level_anchor) in enumerate(
                zip(cls_scores, bbox_preds, level_anchors)):
            cls = levels_to_batch([cls.detach()], self.cls_out_channels)
            reg = levels_to_batch([reg.detach()], self.bbox_coder.encode_size)
            # the object's probability: channel 0 (background is last)
            score = cls.sigmoid()[..., 0] if self.use_sigmoid_cls else \
                cls.softmax(-1)[..., 0]
            if 0 < nms_pre < score.size(1):
                # sort as mmdet does (topk may order ties differently)
                score, order = score.sort(dim=1, descending=True)
                score, order = score[:, :nms_pre], order[:, :nms_pre]
                reg = reg.gather(1, order[..., None].expand(-1, -1,
                                                             reg.size(-1)))
                level_anchor = level_anchor[order]
            else:
                level_anchor = level_anchor.expand(num_imgs, -1, -1)
            scores.append(score)
            deltas.append(reg)
            priors.append(level_anchor)
            level_ids.append(
                torch.full_like(score, level, dtype=torch.long))
        scores = torch.cat(scores, dim=1)
        deltas = torch.cat(deltas, dim=1)
        priors = torch.cat(priors, dim=1)
        level_ids = torch.cat(level_ids, dim=1)

        bboxes = self.bbox_coder.decode(
            priors.reshape(-1, 4),
            deltas.reshape(-1, deltas.size(-1))).reshape(num_imgs, -1, 4)
        if getattr(self.bbox_coder, 'clip_border', True):
            bboxes = _clip_to_images(bboxes, batch_img_metas)
        # mmdet's own post-processing per image (a subclass's override
        # of _bbox_post_process applies here too)
        return [
            self._bbox_post_process(
                InstanceData(
                    bboxes=bboxes[i], scores=scores[i],
                    level_ids=level_ids[i]),
                cfg,
                rescale=rescale,
                with_nms=with_nms,
                img_meta=batch_img_metas[i]) for i in range(num_imgs)
        ]


def _per_slot(elem: Tensor, shape: torch.Size) -> Tensor:
    """An mmdet loss' 'none' output as one value per slot.

    mmdet's L1/SmoothL1/IoU modules return a scalar sum (0) instead of
    element-wise losses when no weight is positive; spread it evenly.
    """
    if elem.dim() == 0:
        return (elem / shape.numel()).expand(shape)
    return elem.reshape(shape.numel(), -1).sum(dim=-1).reshape(shape)


def _clip_to_images(bboxes: Tensor, batch_img_metas: List[dict]) -> Tensor:
    """Clip (B, K, 4) boxes to each image's ``img_shape`` (the clamp of
    mmdet's ``delta2bbox`` with ``max_shape``)."""
    size = bboxes.new_tensor([meta['img_shape'][:2]
                              for meta in batch_img_metas])  # (B, 2) h, w
    x = torch.minimum(bboxes[..., 0::2].clamp(min=0), size[:, None, 1:])
    y = torch.minimum(bboxes[..., 1::2].clamp(min=0), size[:, None, :1])
    return torch.stack([x[..., 0], y[..., 0], x[..., 1], y[..., 1]], dim=-1)
