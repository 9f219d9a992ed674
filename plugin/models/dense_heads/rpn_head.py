"""Region proposal network head (Faster R-CNN, arXiv 1506.01497), batched.

Shapes: B images, L levels, A anchors per position, N anchors of all levels
(level by level, row-major over each map, then the A anchors), G gts per
image (padded), S sample slots per image (fixed by the sampler), K the
proposals kept per level before NMS.

The convolutions, parameter names, outputs and constructor are those of
mmdet 3.3.0's ``RPNHead`` (its checkpoints load strictly, and it serves as
the ``rpn_head`` of mmdet's two-stage detectors by changing only the type);
training runs for the whole batch at once:

    anchors (mmdet's AnchorGenerator) -> flags (pad area, allowed_border)
    -> BatchMaxIoUAssigner (no grad, chunked IoU)
    -> sampler (BatchRandomSampler: 256 at 1:1; SiamRPNSampler; or keep all)
    -> deltas of the sampled positives (the config's box coder)
    -> losses on the S sampled slots only, gathered from the outputs

    predict: per level the top ``nms_pre`` scores, decode, clip, rescale,
    drop small boxes, then NMS across levels per image (mmcv's
    ``batched_nms`` with level ids, as mmdet), keep ``max_per_img``.

An mmdet ``train_cfg`` (``MaxIoUAssigner`` + ``RandomSampler`` or no
sampler) is mapped onto the batched components; see ``TRAIN_CFG_KEYS`` and
:func:`build_anchor_assigner`. No Python loop over images or gts and no host
synchronisation in training with mmdet's default losses (which run fused
here: mmdet's own L1/SmoothL1/sigmoid-CE modules read tensors back to the
host); the losses run in fp32 with autocast off.
"""
import copy
import itertools
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmcv.ops import batched_nms
from mmdet.models.dense_heads.base_dense_head import BaseDenseHead
from mmdet.models.losses import (CrossEntropyLoss, GIoULoss, L1Loss,
                                 SmoothL1Loss)
from mmdet.models.utils import multi_apply
from mmdet.structures.bbox import bbox_overlaps
from mmdet.utils import (ConfigType, InstanceList, MultiConfig,
                         OptConfigType, OptInstanceList)
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from plugin.models.task_modules.assigners import AnchorAssignment
from plugin.models.task_modules.prior_generators import batch_anchor_flags
from plugin.models.task_modules.samplers import AnchorSamples
from plugin.models.utils import BatchGT, levels_to_batch, stack_batch_gt
from plugin.registry import MODELS, TASK_UTILS

# weight_reduce_loss's guard on avg_factor (kept: same numbers as mmdet)
AVG_EPS = torch.finfo(torch.float32).eps

# The keys of an RPN train_cfg that this head honours (mmdet's, plus none
# of its own). ``debug`` is accepted and unused, as in mmdet.
TRAIN_CFG_KEYS = ('assigner', 'sampler', 'allowed_border', 'pos_weight',
                  'debug')

# mmdet's assigner and samplers, and the batched components they map to
ASSIGNERS = {'MaxIoUAssigner': 'plugin.BatchMaxIoUAssigner'}
SAMPLERS = {
    'RandomSampler': 'plugin.BatchRandomSampler',
    'PseudoSampler': 'plugin.BatchPseudoSampler',
}


def _build(cfg: dict, table: Dict[str, str], what: str):
    """Build the batched component of an mmdet component's config.

    ``plugin.*`` types pass through; mmdet's names (with or without the
    ``mmdet.`` scope) in ``table`` are mapped, with the same arguments;
    any other type, and any argument the batched component does not take,
    is refused by name.
    """
    cfg = dict(cfg)
    name = cfg['type'] if isinstance(cfg['type'], str) else \
        cfg['type'].__name__
    if not name.startswith('plugin.'):
        short = name.split('.', 1)[1] if name.startswith('mmdet.') else name
        if short not in table:
            supported = sorted(table) + sorted(set(table.values()))
            raise ValueError(
                f'plugin.RPNHead has no batched {what} for {name!r}; use one '
                f'of {supported}')
        cfg['type'] = table[short]
    try:
        return TASK_UTILS.build(cfg)
    except TypeError as e:  # an unexpected keyword
        raise ValueError(f'unsupported {what} argument in {cfg}: {e}') \
            from e


def build_anchor_assigner(cfg: dict):
    """Build the batched assigner of an RPN ``train_cfg.assigner``: mmdet's
    ``MaxIoUAssigner`` becomes :class:`BatchMaxIoUAssigner`."""
    return _build(cfg, ASSIGNERS, 'assigner')


def build_anchor_sampler(cfg: Optional[dict]):
    """Build the batched sampler of an RPN ``train_cfg.sampler``.

    No sampler (mmdet then keeps every anchor) and mmdet's ``PseudoSampler``
    keep every anchor; mmdet's ``RandomSampler`` becomes
    :class:`BatchRandomSampler` (``num``, ``pos_fraction``, ``neg_pos_ub``,
    ``add_gt_as_proposals``, which must be False).
    """
    return _build(cfg or dict(type='PseudoSampler'), SAMPLERS, 'sampler')


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
class RPNHead(BaseDenseHead):
    """RPN head with batched, memory-bounded anchor assignment and sampling.

    A drop-in replacement of mmdet's ``RPNHead``: the same arguments and
    defaults (mmdet's ``AnchorHead`` ones), the same parameters
    (``rpn_conv``, ``rpn_cls``, ``rpn_reg``), outputs ``(cls_scores,
    bbox_preds)`` per level, and losses ``loss_rpn_cls`` / ``loss_rpn_bbox``
    as per-level lists.

    Args:
        in_channels (int): channels of the input maps.
        num_classes (int): must be 1 (objectness).
        init_cfg (dict): mmdet's: normal(std 0.01) convs.
        num_convs (int): 3x3 convs before the 1x1 outputs.
        feat_channels (int): channels of the 3x3 convs.
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
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int = 1,
                 init_cfg: MultiConfig = dict(
                     type='Normal', layer='Conv2d', std=0.01),
                 num_convs: int = 1,
                 feat_channels: int = 256,
                 anchor_generator: ConfigType = dict(
                     type='AnchorGenerator',
                     scales=[8, 16, 32],
                     ratios=[0.5, 1.0, 2.0],
                     strides=[4, 8, 16, 32, 64]),
                 bbox_coder: ConfigType = dict(
                     type='DeltaXYWHBBoxCoder',
                     clip_border=True,
                     target_means=(.0, .0, .0, .0),
                     target_stds=(1.0, 1.0, 1.0, 1.0)),
                 reg_decoded_bbox: bool = False,
                 loss_cls: ConfigType = dict(
                     type='CrossEntropyLoss', use_sigmoid=True,
                     loss_weight=1.0),
                 loss_bbox: ConfigType = dict(
                     type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.0),
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_classes != 1:
            raise ValueError(f'RPNHead has one class (objectness), got '
                             f'num_classes={num_classes}')
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.feat_channels = feat_channels
        self.num_convs = num_convs
        self.use_sigmoid_cls = loss_cls.get('use_sigmoid', False)
        # softmax: a background channel after the foreground one (mmdet)
        self.cls_out_channels = num_classes if self.use_sigmoid_cls else \
            num_classes + 1
        self.reg_decoded_bbox = reg_decoded_bbox
        self.bbox_coder = TASK_UTILS.build(bbox_coder)
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.prior_generator = TASK_UTILS.build(anchor_generator)
        self.num_base_priors = self.prior_generator.num_base_priors[0]
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        if train_cfg:
            unknown = set(train_cfg) - set(TRAIN_CFG_KEYS)
            if unknown:
                raise ValueError(
                    f'plugin.RPNHead does not support train_cfg keys '
                    f'{sorted(unknown)}; it honours {list(TRAIN_CFG_KEYS)}')
            self.assigner = build_anchor_assigner(train_cfg['assigner'])
            self.sampler = build_anchor_sampler(train_cfg.get('sampler'))
        self._anchor_cache: Optional[tuple] = None
        self._init_layers()

    def _init_layers(self) -> None:
        """mmdet's layers: ``rpn_conv`` (a conv, or ``num_convs``
        ConvModules), ``rpn_cls`` and ``rpn_reg`` (1x1)."""
        if self.num_convs > 1:
            # inplace=False: mmdet's, the ReLU output is reused by autograd
            self.rpn_conv = nn.Sequential(*[
                ConvModule(
                    self.in_channels if i == 0 else self.feat_channels,
                    self.feat_channels,
                    3,
                    padding=1,
                    inplace=False) for i in range(self.num_convs)
            ])
        else:
            self.rpn_conv = nn.Conv2d(
                self.in_channels, self.feat_channels, 3, padding=1)
        self.rpn_cls = nn.Conv2d(self.feat_channels,
                                 self.num_base_priors * self.cls_out_channels,
                                 1)
        self.rpn_reg = nn.Conv2d(
            self.feat_channels,
            self.num_base_priors * self.bbox_coder.encode_size, 1)

    def forward(self, x: Tuple[Tensor, ...]) -> Tuple[List[Tensor], ...]:
        """Run the head on every level.

        Args:
            x (tuple[Tensor]): (B, in_channels, H, W) maps.

        Returns:
            tuple[list[Tensor], list[Tensor]]: per level the objectness
            logits (B, A * cls_out_channels, H, W) and deltas
            (B, A * 4, H, W).
        """
        return multi_apply(self.forward_single, x)

    def forward_single(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Logits and deltas of one level."""
        x = F.relu(self.rpn_conv(x))
        return self.rpn_cls(x), self.rpn_reg(x)

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
    def get_targets(self,
                    featmap_sizes: Sequence[Tuple[int, int]],
                    batch_gt_instances: InstanceList,
                    batch_img_metas: List[dict],
                    batch_gt_instances_ignore: OptInstanceList = None,
                    device: torch.device = torch.device('cpu')
                    ) -> AnchorTargets:
        """Assign, sample and encode for the whole batch.

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
        gt = stack_batch_gt(batch_gt_instances, device,
                            num_classes=self.num_classes)
        ignore = self._stack_ignore(batch_gt_instances_ignore, device)
        assignment = self.assigner.assign(anchors, valid, gt, ignore)
        samples = self.sampler.sample(assignment.gt_inds)

        pos_gt = (assignment.gt_inds.gather(1, samples.inds) - 1).clamp(min=0)
        gt_boxes = gt.bboxes.gather(
            1, pos_gt[..., None].expand(-1, -1, 4)) if gt.max_num_gts else \
            anchors.new_zeros(samples.inds.shape + (4, ))
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

    def loss_by_feat(self,
                     cls_scores: List[Tensor],
                     bbox_preds: List[Tensor],
                     batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None
                     ) -> Dict[str, List[Tensor]]:
        """Objectness and box losses of the sampled anchors.

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
        device = cls_scores[0].device
        targets = self.get_targets(featmap_sizes, batch_gt_instances,
                                   batch_img_metas, batch_gt_instances_ignore,
                                   device)
        # fp32, no autocast: the log-sigmoid and the sums need it
        with torch.autocast(device_type=device.type, enabled=False):
            cls = levels_to_batch(cls_scores, self.cls_out_channels).float()
            reg = levels_to_batch(bbox_preds,
                                  self.bbox_coder.encode_size).float()
            return self._loss(cls, reg, targets)

    def _loss(self, cls: Tensor, reg: Tensor,
              targets: AnchorTargets) -> Dict[str, List[Tensor]]:
        """Losses on the sampled slots, split by level.

        Args:
            cls (Tensor): (B, N, cls_out_channels) logits.
            reg (Tensor): (B, N, 4) deltas.
            targets (AnchorTargets): from :meth:`get_targets`.
        """
        samples = targets.samples
        inds = samples.inds
        cls = cls.gather(1, inds[..., None].expand(-1, -1, cls.size(-1)))
        reg = reg.gather(1, inds[..., None].expand(-1, -1, reg.size(-1)))
        if self.reg_decoded_bbox:
            reg = self.bbox_coder.decode(
                targets.anchors[inds].reshape(-1, 4),
                reg.reshape(-1, reg.size(-1))).reshape(reg.shape[:2] + (4, ))

        cls_weight = samples.cls_weight
        pos_weight = self.train_cfg.get('pos_weight', -1)
        if pos_weight > 0:
            cls_weight = cls_weight * torch.where(samples.pos, pos_weight, 1.)
        loss_cls = self._cls_loss(cls, samples.pos, cls_weight)  # (B, S)
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
        if (type(loss) is CrossEntropyLoss and loss.use_sigmoid
                and not loss.use_mask and loss.class_weight is None):
            # mmdet's binary_cross_entropy, without its host-side nonzero
            target = pos[..., None].to(cls.dtype)
            elem = F.binary_cross_entropy_with_logits(
                cls, target, reduction='none').squeeze(-1)
            return elem * weight * loss.loss_weight
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
        if type(loss) in (L1Loss, SmoothL1Loss):
            # mmdet's l1_loss / smooth_l1_loss, without the host-side
            # "any weight > 0" test of their modules
            diff = (reg - target).abs()
            if type(loss) is SmoothL1Loss:
                diff = torch.where(diff < loss.beta,
                                   0.5 * diff * diff / loss.beta,
                                   diff - 0.5 * loss.beta)
            return diff.sum(dim=-1) * weight * loss.loss_weight
        if type(loss) is GIoULoss:
            # mmdet's giou_loss on decoded boxes, without the same test
            giou = bbox_overlaps(reg, target, mode='giou', is_aligned=True,
                                 eps=loss.eps)
            return (1 - giou) * weight * loss.loss_weight
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

        Top-k per level, decoding, clipping and rescaling run for the batch
        at once; the size filter and NMS (mmcv's ``batched_nms`` across
        levels, with the level as the group, as mmdet) run per image.

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
        if rescale:
            factors = bboxes.new_tensor(
                [[1 / s for s in meta['scale_factor']] * 2
                 for meta in batch_img_metas])  # mmdet's scale_boxes
            bboxes = bboxes * factors[:, None, :]

        return [
            self._nms_single(bboxes[i], scores[i], level_ids[i], cfg)
            for i in range(num_imgs)
        ]

    @staticmethod
    def _nms_single(bboxes: Tensor, scores: Tensor, level_ids: Tensor,
                    cfg: ConfigDict) -> InstanceData:
        """mmdet's ``_bbox_post_process`` of RPNHead for one image."""
        if cfg.get('min_bbox_size', -1) >= 0:
            w = bboxes[:, 2] - bboxes[:, 0]
            h = bboxes[:, 3] - bboxes[:, 1]
            keep = (w > cfg.min_bbox_size) & (h > cfg.min_bbox_size)
            bboxes, scores, level_ids = bboxes[keep], scores[keep], \
                level_ids[keep]
        results = InstanceData()
        if bboxes.numel() > 0:
            dets, keep = batched_nms(bboxes, scores, level_ids, cfg.nms)
            keep = keep[:cfg.max_per_img]
            results.bboxes = bboxes[keep]
            # NMS variants (soft-NMS) may rescore
            results.scores = dets[:cfg.max_per_img, -1]
        else:
            results.bboxes = bboxes.new_zeros((0, 4))
            results.scores = scores.new_zeros((0, ))
        results.labels = torch.zeros(
            len(results.scores), dtype=torch.long, device=scores.device)
        return results


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
