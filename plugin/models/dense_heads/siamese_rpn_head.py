"""Siamese RPN head: kernels from the template, cross-correlated with the
search features, scores and box deltas for SiamRPN's anchors; SiamRPN's
labels and losses (seed 000, pysot's ``AnchorTarget`` and losses).

Shapes: B pairs, L feature levels, K anchor shapes, S x S score map, A = K
* S * S anchors (order ``k * S * S + y * S + x``, see
:class:`SiamRPNAnchorGenerator`), G gts per pair (0 or 1: one target per
pair, none for a negative pair), T sample slots per pair (16 + 48).

Output layout (pysot's): scores (B, 2K, S, S) with channel ``c * K + k``
(c = 0 background, 1 target), deltas (B, 4K, S, S) with channel ``j * K +
k`` (j = dx, dy, dw, dh).

Labels, for all pairs at once with the package's batched components:

* ``BatchMaxIoUAssigner`` with IoU > 0.6 positive (strict), < 0.3
  negative, no best-anchor rule;
* ``SiamRPNSampler``: at most 16 positives and 48 negatives per pair;
  classification 0.5 x the batch positives' mean CE + 0.5 x the
  negatives'; regression L1 summed over the 4 deltas, 1 / positives of the
  pair, averaged over pairs (seed 000's ``delta_weight``);
* a pair without a target (a negative pair: template and search of
  different objects) has only negatives, drawn from the anchors within
  ``neg_radius`` cells of the centre (pysot: 3, a 7 x 7 window), where the
  search crop's distractor is, and no regression.
"""
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import torch
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor, nn

from plugin.models.layers import build_xcorr
from plugin.models.losses.fused import elementwise_loss
from plugin.models.task_modules.builder import (build_anchor_assigner,
                                                build_anchor_sampler)
from plugin.models.task_modules.samplers import (AnchorSamples,
                                                 slot_gt_boxes)
from plugin.models.utils import fp32_no_autocast, stack_batch_gt
from plugin.registry import MODELS, TASK_UTILS

Kernels = List[Tuple[Tensor, Tensor]]


class SiamTargets(NamedTuple):
    """Labels of a batch of pairs.

    Attributes:
        anchors (Tensor): (A, 4) xyxy in search-crop pixels.
        gt_inds (Tensor): (B, A) -1 ignored, 0 negative, 1 positive.
        samples (AnchorSamples): the (B, T) drawn slots and their weights.
        bbox_targets (Tensor): (B, T, 4) deltas (0 unless positive).
    """
    anchors: Tensor
    gt_inds: Tensor
    samples: AnchorSamples
    bbox_targets: Tensor


@MODELS.register_module()
class SiameseRPNHead(BaseModule):
    """Siamese RPN head, SiamRPN's up-channel or SiamRPN++'s depthwise
    correlation, on one or several feature levels.

    Args:
        in_channels (int | Sequence[int]): channels of each level's
            features (one int: one level).
        feat_channels (int | Sequence[int]): hidden channels of the
            depthwise branches (a sequence: one per level, as pysot's
            ``MultiRPN``, whose level l has ``in_channels[l]``).
        corr (str): ``'depthwise'`` (SiamRPN++) or ``'up_channel'``
            (SiamRPN, seed 001).
        weighted (bool): with several levels, fuse them by learned softmax
            weights (pysot's ``MultiRPN(weighted=True)``); else average.
        anchor_generator (dict): a :class:`SiamRPNAnchorGenerator`.
        bbox_coder (dict): deltas (mmdet's ``DeltaXYWHBBoxCoder`` with
            means 0 and stds 1 is seed 000's ``(tcx - cx) / w, ..., log(th
            / h)``).
        loss_cls (dict): a 2-class softmax loss (mmdet's CrossEntropyLoss).
        loss_bbox (dict): the deltas' loss (L1 with weight 1.2: pysot's
            LOC_WEIGHT).
        train_cfg (dict): ``assigner``, ``sampler``, ``neg_radius``.
        test_cfg (dict): unused by the head (the tracker's options live in
            the model's ``test_cfg``).
        init_cfg (dict): mmengine's initialisation.
    """

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 feat_channels: Union[int, Sequence[int]] = 256,
                 corr: str = 'depthwise',
                 weighted: bool = True,
                 anchor_generator: ConfigType = dict(
                     type='plugin.SiamRPNAnchorGenerator',
                     stride=8,
                     ratios=(0.33, 0.5, 1., 2., 3.),
                     scales=(8., )),
                 bbox_coder: ConfigType = dict(
                     type='DeltaXYWHBBoxCoder',
                     target_means=(.0, .0, .0, .0),
                     target_stds=(1.0, 1.0, 1.0, 1.0)),
                 loss_cls: ConfigType = dict(
                     type='CrossEntropyLoss', use_sigmoid=False,
                     loss_weight=1.0),
                 loss_bbox: ConfigType = dict(type='L1Loss', loss_weight=1.2),
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(in_channels, int):
            in_channels = [in_channels]
        self.num_levels = len(in_channels)
        if isinstance(feat_channels, int):
            feat_channels = [feat_channels] * self.num_levels
        if len(feat_channels) != self.num_levels:
            raise ValueError(f'{len(feat_channels)} feat_channels for '
                             f'{self.num_levels} levels')
        self.prior_generator = TASK_UTILS.build(anchor_generator)
        k = self.prior_generator.num_base_anchors
        self.num_base_anchors = k
        self.cls_branches = nn.ModuleList(
            build_xcorr(corr, c, f, 2 * k, adjust=False)
            for c, f in zip(in_channels, feat_channels))
        self.reg_branches = nn.ModuleList(
            build_xcorr(corr, c, f, 4 * k, adjust=True)
            for c, f in zip(in_channels, feat_channels))
        self.weighted = weighted and self.num_levels > 1
        if self.weighted:
            self.cls_weight = nn.Parameter(torch.ones(self.num_levels))
            self.reg_weight = nn.Parameter(torch.ones(self.num_levels))
        self.bbox_coder = TASK_UTILS.build(bbox_coder)
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        if train_cfg:
            self.assigner = build_anchor_assigner(train_cfg['assigner'])
            self.sampler = build_anchor_sampler(train_cfg['sampler'])
            # 3: pysot's window (7 x 7 cells) for negative pairs
            self.neg_radius: Optional[int] = train_cfg.get('neg_radius', 3)
        self._anchor_cache: Optional[tuple] = None

    # ------------------------------------------------------------------
    # network
    # ------------------------------------------------------------------
    def template(self, z_feats: Sequence[Tensor]) -> Kernels:
        """The template's kernels, once per target when tracking.

        Args:
            z_feats: per level (B, C_l, hz, wz) template features.

        Returns:
            list[tuple[Tensor, Tensor]]: per level (score kernels, delta
            kernels).
        """
        return [(cls.template(z), reg.template(z)) for z, cls, reg in zip(
            z_feats, self.cls_branches, self.reg_branches)]

    def forward_search(self, kernels: Kernels,
                       x_feats: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Correlate search features with the template's kernels.

        Args:
            kernels: from :meth:`template`, B pairs.
            x_feats: per level (B, C_l, H, W) search features.

        Returns:
            tuple[Tensor, Tensor]: (B, 2K, S, S) scores, (B, 4K, S, S)
            deltas.
        """
        cls = [br(kc, x) for (kc, _), x, br in zip(kernels, x_feats,
                                                   self.cls_branches)]
        reg = [br(kr, x) for (_, kr), x, br in zip(kernels, x_feats,
                                                   self.reg_branches)]
        if self.num_levels == 1:
            return cls[0], reg[0]
        if self.weighted:
            wc = self.cls_weight.softmax(0)
            wr = self.reg_weight.softmax(0)
            return (sum(w * c for w, c in zip(wc, cls)),
                    sum(w * r for w, r in zip(wr, reg)))
        return sum(cls) / len(cls), sum(reg) / len(reg)

    def forward(self, z_feats: Sequence[Tensor],
                x_feats: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Scores and deltas of B (template, search) pairs."""
        return self.forward_search(self.template(z_feats), x_feats)

    # ------------------------------------------------------------------
    # layout
    # ------------------------------------------------------------------
    def flatten(self, cls: Tensor, reg: Tensor) -> Tuple[Tensor, Tensor]:
        """(B, 2K, S, S), (B, 4K, S, S) -> (B, A, 2) logits, (B, A, 4)
        deltas in anchor order."""
        b, _, h, w = cls.shape
        k = self.num_base_anchors
        cls = cls.reshape(b, 2, k, h, w).permute(0, 2, 3, 4, 1)
        reg = reg.reshape(b, 4, k, h, w).permute(0, 2, 3, 4, 1)
        return cls.reshape(b, -1, 2), reg.reshape(b, -1, 4)

    def anchors(self, score_size: int, search_size: float,
                device: torch.device) -> Tensor:
        """(A, 4) anchors, cached per (S, search size, device)."""
        key = (score_size, float(search_size), device)
        if self._anchor_cache is None or self._anchor_cache[0] != key:
            self._anchor_cache = (key,
                                  self.prior_generator.grid_anchors(
                                      score_size, search_size, device))
        return self._anchor_cache[1]

    def decode(self, cls: Tensor, reg: Tensor,
               search_size: float) -> Tuple[Tensor, Tensor]:
        """Target probability and box of every anchor.

        Args:
            cls (Tensor): (B, 2K, S, S) scores.
            reg (Tensor): (B, 4K, S, S) deltas.
            search_size (float): side of the search crop.

        Returns:
            tuple[Tensor, Tensor]: (B, A) softmax probability of the
            target, (B, A, 4) xyxy boxes in search-crop pixels.
        """
        logits, deltas = self.flatten(cls, reg)
        anchors = self.anchors(cls.size(-1), search_size, cls.device)
        boxes = self.bbox_coder.decode(
            anchors.repeat(deltas.size(0), 1),
            deltas.reshape(-1, 4)).reshape(deltas.shape)
        return logits.float().softmax(-1)[..., 1], boxes

    # ------------------------------------------------------------------
    # training
    # ------------------------------------------------------------------
    @torch.no_grad()
    def get_batch_targets(self, score_size: int, search_size: float,
                          batch_gt_instances: List[InstanceData],
                          device: torch.device) -> SiamTargets:
        """Assign, sample and encode every pair at once.

        Args:
            score_size (int): S.
            search_size (float): side of the search crops.
            batch_gt_instances: per pair the target (``bboxes`` (1, 4) in
                search-crop pixels, ``labels`` (1,) zeros) or nothing.
            device: where the anchors live.

        Returns:
            SiamTargets: anchors, (B, A) labels, samples and deltas.
        """
        anchors = self.anchors(score_size, search_size, device)
        num_pairs, num_anchors = len(batch_gt_instances), anchors.size(0)
        gt = stack_batch_gt(batch_gt_instances, device, num_classes=1)
        # pairs without a target take part only near the centre (host ints:
        # the gt counts are known without a sync)
        no_target = torch.tensor([n == 0 for n in gt.num_gts],
                                 device=device)
        valid = torch.ones((num_pairs, num_anchors), dtype=torch.bool,
                           device=device)
        if self.neg_radius is not None:
            centre = torch.as_tensor(
                self.prior_generator.centre_cells(score_size,
                                                  self.neg_radius),
                device=device)
            valid = valid & (centre | ~no_target[:, None])
        assignment = self.assigner.assign(anchors, valid, gt)
        gt_inds = assignment.gt_inds
        samples = self.sampler.sample(gt_inds)

        if gt.max_num_gts:
            gt_boxes = slot_gt_boxes(samples, gt_inds, gt.bboxes)
            targets = self.bbox_coder.encode(
                anchors[samples.inds].reshape(-1, 4),
                gt_boxes.reshape(-1, 4)).reshape(gt_boxes.shape)
            targets = torch.where(samples.pos[..., None], targets, 0.)
        else:  # no target in the batch: nothing to encode
            targets = anchors.new_zeros(samples.inds.shape + (4, ))
        return SiamTargets(anchors, gt_inds, samples, targets)

    @fp32_no_autocast
    def loss_by_feat(self, cls: Tensor, reg: Tensor,
                     batch_gt_instances: List[InstanceData],
                     search_size: float) -> Dict[str, Tensor]:
        """SiamRPN's losses of a batch of pairs (fp32, autocast off).

        Args:
            cls (Tensor): (B, 2K, S, S) scores.
            reg (Tensor): (B, 4K, S, S) deltas.
            batch_gt_instances: per pair its target or nothing.
            search_size (float): side of the search crops.

        Returns:
            dict[str, Tensor]: ``loss_cls`` and ``loss_bbox``, scalars.
        """
        targets = self.get_batch_targets(cls.size(-1), search_size,
                                         batch_gt_instances, cls.device)
        samples = targets.samples
        logits, deltas = self.flatten(cls, reg)
        inds = samples.inds
        logits = logits.gather(1, inds[..., None].expand(-1, -1, 2))
        deltas = deltas.gather(1, inds[..., None].expand(-1, -1, 4))

        # 1 the target, 0 the background (pysot's labels)
        labels = samples.pos.long()
        loss_cls = self.loss_cls(
            logits.reshape(-1, 2),
            labels.reshape(-1),
            samples.cls_weight.reshape(-1),
            reduction_override='none').sum()
        elem = elementwise_loss(self.loss_bbox, deltas, targets.bbox_targets)
        if elem is None:
            elem = self.loss_bbox(
                deltas, targets.bbox_targets, reduction_override='none')
        else:
            elem = elem * self.loss_bbox.loss_weight
        loss_bbox = (elem.sum(-1) * samples.reg_weight).sum()
        return dict(loss_cls=loss_cls, loss_bbox=loss_bbox)
