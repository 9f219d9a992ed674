"""CenterNet head (Objects as Points, arXiv 1904.07850), batched.

Shapes: B images, G gts per image (padded to the batch maximum), C classes,
H x W the single stride-4 feature map, k the detections kept per image.

A subclass of mmdet 3.3.0's ``CenterNetHead``: its convolutions, parameter
names, outputs and constructor (its checkpoints load strictly), and every
method it defines with mmdet's signature and return. Training and inference
run for the whole batch at once:

    CenterNetTarget (no grad): gaussian heatmap, wh/offset at centre cells
    -> modified focal loss (fused, dense negatives + gathered peaks)
    -> wh and offset losses on the centre cells only (gathered)

    predict: 3x3 local maxima -> top-k over classes and cells -> boxes,
    shifted by the ``border`` meta key when the pipeline provides one.

No Python loop over gts or images and no host synchronisation in training
besides the one per-batch check of the gts (``check_batch_gt``): mmdet's
L1 losses run fused (their modules test ``weight > 0`` on the host). The
losses run in fp32 with autocast off so they stay finite under AMP.
"""
from typing import Dict, List, Optional, Tuple

import torch
from mmdet.models.dense_heads import CenterNetHead as MMDetCenterNetHead
from mmdet.models.losses import GaussianFocalLoss
from mmdet.models.utils import (get_local_maximum, get_topk_from_heatmap,
                                transpose_and_gather_feat)
from mmdet.utils import (ConfigType, InstanceList, OptConfigType,
                         OptInstanceList, OptMultiConfig)
from mmengine.structures import InstanceData
from torch import Tensor

from plugin.models.losses import (AVG_EPS, gaussian_focal_loss_sum,
                                  weighted_mean_loss)
from plugin.models.task_modules.targets import CenterNetTargets
from plugin.models.utils import (connected_zero, fp32_no_autocast,
                                 mean_over_ranks, stack_batch_gt)
from plugin.registry import MODELS, TASK_UTILS


@MODELS.register_module()
class CenterNetHead(MMDetCenterNetHead):
    """CenterNet head with batched targets, fused losses and batched
    decoding that works with any test pipeline.

    A drop-in replacement of mmdet's ``CenterNetHead`` (and a subclass of
    it): same arguments and defaults, same parameters (``heatmap_head``,
    ``wh_head``, ``offset_head``), same outputs ``(center_heatmap_preds,
    wh_preds, offset_preds)``, one level each, the heatmap as
    probabilities. Every method mmdet's class defines keeps its signature
    and return; ``_build_head``, ``init_weights``, ``forward`` and
    ``_bboxes_nms`` are mmdet's own.

    Args:
        in_channels (int): channels of the input feature map.
        feat_channels (int): channels of each branch's 3x3 conv.
        num_classes (int): C.
        loss_center_heatmap (dict): the heatmap loss. mmdet's
            ``GaussianFocalLoss`` (the default: alpha 2, gamma 4) runs as the
            fused loss of :mod:`plugin.models.losses.gaussian_focal_loss`
            with its alpha, gamma, pos/neg weights and loss weight; any other
            loss is called as mmdet calls it.
        loss_wh (dict): loss of the box size at the centre cells. Defaults to
            L1 with weight 0.1. mmdet's ``L1Loss``/``SmoothL1Loss`` run fused
            (no host sync); others are called as mmdet calls them.
        loss_offset (dict): loss of the sub-cell offset at the centre cells.
            Defaults to L1 with weight 1.0; fused as ``loss_wh``.
        train_cfg (dict, optional): unused, as in mmdet.
        test_cfg (dict, optional): ``topk``, ``local_maximum_kernel``,
            ``max_per_img`` and, for ``with_nms``, ``nms``.
        init_cfg (dict, optional): as mmdet's.
        heatmap_clamp (float): clamp the predicted heatmap to
            [heatmap_clamp, 1 - heatmap_clamp] inside the heatmap loss, as the
            original CenterNet does with 1e-4 (no gradient where the clamp
            bites). 0 (the default) is mmdet's loss: no clamp, 1e-12 inside
            the logs. Inference never clamps.
        target_generator (dict): the targets' builder,
            :class:`plugin.CenterNetTarget` by default with mmdet's
            ``min_overlap`` 0.3 (the gaussian radius' IoU bound) and the
            default window budget (cells drawn at once: the memory bound);
            ``num_classes`` is filled in.
    """

    def __init__(self,
                 in_channels: int,
                 feat_channels: int,
                 num_classes: int,
                 loss_center_heatmap: ConfigType = dict(
                     type='GaussianFocalLoss', loss_weight=1.0),
                 loss_wh: ConfigType = dict(type='L1Loss', loss_weight=0.1),
                 loss_offset: ConfigType = dict(
                     type='L1Loss', loss_weight=1.0),
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None,
                 heatmap_clamp: float = 0.0,
                 target_generator: ConfigType = dict(
                     type='plugin.CenterNetTarget', min_overlap=0.3)
                 ) -> None:
        if not 0 <= heatmap_clamp < 0.5:
            raise ValueError(
                f'heatmap_clamp must lie in [0, 0.5), got {heatmap_clamp}')
        super().__init__(
            in_channels=in_channels,
            feat_channels=feat_channels,
            num_classes=num_classes,
            loss_center_heatmap=loss_center_heatmap,
            loss_wh=loss_wh,
            loss_offset=loss_offset,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            init_cfg=init_cfg)
        self.heatmap_clamp = heatmap_clamp
        self.target_generator = TASK_UTILS.build(
            target_generator, default_args=dict(num_classes=num_classes))

    def forward_single(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Heatmap (sigmoid), wh and offset of one map."""
        # The sigmoid runs in fp32 even under autocast: in fp16 it rounds to
        # exactly 1 above a logit of ~8, and the loss' gradient there (1e12
        # with mmdet's eps) would overflow fp16 on its way back.
        center_heatmap_pred = self.heatmap_head(x).float().sigmoid()
        wh_pred = self.wh_head(x)
        offset_pred = self.offset_head(x)
        return center_heatmap_pred, wh_pred, offset_pred

    @fp32_no_autocast
    def loss_by_feat(
            self,
            center_heatmap_preds: List[Tensor],
            wh_preds: List[Tensor],
            offset_preds: List[Tensor],
            batch_gt_instances: InstanceList,
            batch_img_metas: List[dict],
            batch_gt_instances_ignore: OptInstanceList = None
    ) -> Dict[str, Tensor]:
        """CenterNet's losses for a batch (fp32, autocast off: the logs of
        the focal loss need it, see
        :mod:`plugin.models.losses.gaussian_focal_loss`).

        Args:
            center_heatmap_preds (list[Tensor]): one (B, C, H, W) heatmap.
            wh_preds (list[Tensor]): one (B, 2, H, W) map.
            offset_preds (list[Tensor]): one (B, 2, H, W) map.
            batch_gt_instances (list[InstanceData]): per image ``bboxes``
                (G_i, 4) in input pixels and ``labels`` (G_i,).
            batch_img_metas (list[dict]): per image meta; the first one's
                ``batch_input_shape`` gives the input size the map covers.
            batch_gt_instances_ignore: unused, as in mmdet.

        Returns:
            dict[str, Tensor]: ``loss_center_heatmap``, ``loss_wh``,
            ``loss_offset``.
        """
        assert len(center_heatmap_preds) == len(wh_preds) == len(
            offset_preds) == 1
        heatmap, wh_pred, offset_pred = (center_heatmap_preds[0],
                                         wh_preds[0], offset_preds[0])
        targets = self.get_batch_targets(
            batch_gt_instances, heatmap.shape[-2:],
            batch_img_metas[0]['batch_input_shape'], heatmap.device)
        # mmdet's normaliser, the number of peaks (>= 1), here averaged over
        # the ranks so that every rank divides by the same number.
        avg_factor = mean_over_ranks(targets.num_peaks)

        loss_center_heatmap = self._heatmap_loss(heatmap, targets, avg_factor)
        if targets.center_index.size(1) == 0:
            # no gt in the batch: zero losses that still reach the wh and
            # offset branches, so DDP sees every parameter on every rank
            return dict(
                loss_center_heatmap=loss_center_heatmap,
                loss_wh=connected_zero(wh_pred),
                loss_offset=connected_zero(offset_pred))

        # predictions at the gts' centre cells, (B, G, 2)
        index = targets.center_index[:, None].expand(-1, 2, -1)
        wh_at = wh_pred.flatten(2).gather(2, index).transpose(1, 2)
        offset_at = offset_pred.flatten(2).gather(2, index).transpose(1, 2)
        weight = targets.reg_weight[..., None].expand(-1, -1, 2)
        # avg_factor * 2: two channels per cell, as in mmdet
        loss_wh = weighted_mean_loss(self.loss_wh, wh_at, targets.wh, weight,
                                     avg_factor * 2)
        loss_offset = weighted_mean_loss(self.loss_offset, offset_at,
                                         targets.offset, weight,
                                         avg_factor * 2)
        return dict(
            loss_center_heatmap=loss_center_heatmap,
            loss_wh=loss_wh,
            loss_offset=loss_offset)

    def _heatmap_loss(self, heatmap: Tensor, targets: CenterNetTargets,
                      avg_factor: Tensor) -> Tensor:
        """The configured heatmap loss, fused when it is mmdet's
        ``GaussianFocalLoss`` with its usual 'mean' reduction."""
        loss = self.loss_center_heatmap
        if type(loss) is GaussianFocalLoss and loss.reduction == 'mean':
            total = gaussian_focal_loss_sum(
                heatmap, targets.heatmap,
                targets.peak_index().view(-1), targets.peak.view(-1),
                loss.alpha, loss.gamma, loss.pos_weight, loss.neg_weight,
                self.heatmap_clamp)
            # mmdet's order: weight * (sum / (avg_factor + eps))
            return loss.loss_weight * (total / (avg_factor + AVG_EPS))
        if self.heatmap_clamp > 0:
            heatmap = heatmap.clamp(self.heatmap_clamp,
                                    1 - self.heatmap_clamp)
        return loss(heatmap, targets.heatmap, avg_factor=avg_factor)

    def get_batch_targets(self, batch_gt_instances: InstanceList,
                          featmap_size: Tuple[int, int],
                          img_shape: Tuple[int, int],
                          device: torch.device) -> CenterNetTargets:
        """Heatmap, wh and offset targets of a batch (no gradients, no host
        sync beyond the gts' check): the loss's path.

        Args:
            batch_gt_instances (list[InstanceData]): per image gts.
            featmap_size (tuple[int, int]): (H, W) of the heatmap.
            img_shape (tuple[int, int]): (h, w) of the batch input.
            device (torch.device): where the targets go.

        Returns:
            CenterNetTargets: see :mod:`plugin.models.task_modules.targets`.
        """
        gt = stack_batch_gt(batch_gt_instances, device,
                            num_classes=self.num_classes)
        return self.target_generator(gt, tuple(featmap_size),
                                     tuple(img_shape[:2]))

    def get_targets(self, gt_bboxes: List[Tensor], gt_labels: List[Tensor],
                    feat_shape: tuple, img_shape: tuple) -> Tuple[dict, int]:
        """mmdet's ``get_targets``: its dense target maps and normaliser,
        computed by the batched target generator.

        Not the loss's path (:meth:`get_batch_targets` is); this is for code
        written against mmdet's head. Boxes whose centre falls off the map
        get the clipped targets described in the module doc, where mmdet
        fails.

        Args:
            gt_bboxes (list[Tensor]): per image (G_i, 4) boxes.
            gt_labels (list[Tensor]): per image (G_i,) labels.
            feat_shape (tuple): (B, _, H, W) of the heatmap.
            img_shape (tuple): (h, w) of the batch input.

        Returns:
            tuple[dict, Tensor | int]: ``center_heatmap_target`` (B, C, H,
            W), ``wh_target``, ``offset_target`` and
            ``wh_offset_target_weight`` (B, 2, H, W); and
            ``max(1, number of peaks)`` as mmdet computes it (a tensor, or
            the int 1).
        """
        targets = self.get_batch_targets(
            [InstanceData(bboxes=b, labels=l)
             for b, l in zip(gt_bboxes, gt_labels)], feat_shape[2:],
            img_shape, gt_bboxes[-1].device)
        wh, offset, weight = targets.dense_regression_targets()
        target_result = dict(
            center_heatmap_target=targets.heatmap,
            wh_target=wh,
            offset_target=offset,
            wh_offset_target_weight=weight)
        return target_result, max(1, targets.num_peaks)

    def predict_by_feat(self,
                        center_heatmap_preds: List[Tensor],
                        wh_preds: List[Tensor],
                        offset_preds: List[Tensor],
                        batch_img_metas: Optional[List[dict]] = None,
                        rescale: bool = True,
                        with_nms: bool = False) -> InstanceList:
        """Detections of a batch, decoded for all images at once.

        Boxes are in input pixels, minus the crop ``border`` of
        ``RandomCenterCropPad`` when the meta has one (0 otherwise: any test
        pipeline works), divided by ``scale_factor`` when ``rescale``; with
        ``with_nms``, mmdet's ``_bboxes_nms`` per image.

        Args:
            center_heatmap_preds (list[Tensor]): one (B, C, H, W) heatmap.
            wh_preds (list[Tensor]): one (B, 2, H, W) map.
            offset_preds (list[Tensor]): one (B, 2, H, W) map.
            batch_img_metas (list[dict]): per image meta with
                ``batch_input_shape``, optionally ``border`` and
                ``scale_factor``.
            rescale (bool): map boxes back to the original image.
            with_nms (bool): class-wise NMS (``test_cfg.nms``) per image.

        Returns:
            list[InstanceData]: per image ``bboxes`` (k, 4), ``scores`` (k,),
            ``labels`` (k,), sorted by score.
        """
        assert len(center_heatmap_preds) == len(wh_preds) == len(
            offset_preds) == 1
        dets, labels = self._decode_heatmap(
            center_heatmap_preds[0], wh_preds[0], offset_preds[0],
            batch_img_metas[0]['batch_input_shape'],
            k=self.test_cfg.topk,
            kernel=self.test_cfg.local_maximum_kernel)  # (B, k, 5), (B, k)
        return self._results(dets, labels, batch_img_metas, rescale,
                             with_nms)

    def _predict_by_feat_single(self,
                                center_heatmap_pred: Tensor,
                                wh_pred: Tensor,
                                offset_pred: Tensor,
                                img_meta: dict,
                                rescale: bool = True,
                                with_nms: bool = False) -> InstanceData:
        """mmdet's detections of one image ((1, C, H, W) outputs), with the
        ``border`` meta key optional (0 without it)."""
        dets, labels = self._decode_heatmap(
            center_heatmap_pred,
            wh_pred,
            offset_pred,
            img_meta['batch_input_shape'],
            k=self.test_cfg.topk,
            kernel=self.test_cfg.local_maximum_kernel)  # (1, k, 5), (1, k)
        return self._results(dets, labels, [img_meta], rescale, with_nms)[0]

    def _results(self, dets: Tensor, labels: Tensor,
                 batch_img_metas: List[dict], rescale: bool,
                 with_nms: bool) -> InstanceList:
        """Decoded (B, k, 5) detections and (B, k) labels as mmdet's
        ``InstanceData`` per image: minus the crop ``border`` (0 without
        the key), divided by ``scale_factor`` when ``rescale``, then mmdet's
        ``_bboxes_nms`` per image when ``with_nms``."""
        boxes = dets[..., :4] - _border(dets, batch_img_metas)[:, None]
        if rescale:
            boxes = boxes / _scale(dets, batch_img_metas)[:, None]
        dets = torch.cat([boxes, dets[..., 4:]], dim=-1)
        results = []
        for img_dets, img_labels in zip(dets, labels):
            if with_nms:
                img_dets, img_labels = self._bboxes_nms(
                    img_dets, img_labels, self.test_cfg)
            results.append(
                InstanceData(
                    bboxes=img_dets[:, :4],
                    scores=img_dets[:, 4],
                    labels=img_labels))
        return results

    def _decode_heatmap(self,
                        center_heatmap_pred: Tensor,
                        wh_pred: Tensor,
                        offset_pred: Tensor,
                        img_shape: tuple,
                        k: int = 100,
                        kernel: int = 3) -> Tuple[Tensor, Tensor]:
        """mmdet's decoding: the top-k local maxima of the heatmap as boxes
        in input pixels. ``k`` is capped at C * H * W (mmdet fails on a map
        smaller than k).

        Args:
            center_heatmap_pred (Tensor): (B, C, H, W) probabilities.
            wh_pred (Tensor): (B, 2, H, W) sizes in map cells.
            offset_pred (Tensor): (B, 2, H, W) sub-cell offsets.
            img_shape (tuple): (h, w) of the batch input.
            k (int): detections per image.
            kernel (int): side of the local-maximum window.

        Returns:
            tuple[Tensor, Tensor]: (B, k, 5) boxes with their score last,
            and (B, k) labels.
        """
        num_imgs, num_classes, height, width = center_heatmap_pred.shape
        inp_h, inp_w = img_shape[:2]
        heat = get_local_maximum(center_heatmap_pred, kernel=kernel)
        scores, index, labels, ys, xs = get_topk_from_heatmap(
            heat, k=min(k, num_classes * height * width))
        wh = transpose_and_gather_feat(wh_pred, index)  # (B, k, 2)
        offset = transpose_and_gather_feat(offset_pred, index)
        xs = xs + offset[..., 0]
        ys = ys + offset[..., 1]
        # mmdet's expressions, in its order (same rounding)
        tl_x = (xs - wh[..., 0] / 2) * (inp_w / width)
        tl_y = (ys - wh[..., 1] / 2) * (inp_h / height)
        br_x = (xs + wh[..., 0] / 2) * (inp_w / width)
        br_y = (ys + wh[..., 1] / 2) * (inp_h / height)
        bboxes = torch.stack([tl_x, tl_y, br_x, br_y], dim=2)
        return torch.cat((bboxes, scores[..., None]), dim=-1), labels


def _border(like: Tensor, batch_img_metas: List[dict]) -> Tensor:
    """(B, 4) (left, top, left, top) of ``RandomCenterCropPad``'s crop,
    subtracted from the boxes; 0 without the ``border`` meta key, which
    mmdet requires. (float(): the pipeline stores it as a numpy array of
    (top, bottom, left, right).)"""
    return like.new_tensor(
        [[float(v) for v in meta.get('border', (0, 0, 0, 0))]
         for meta in batch_img_metas])[:, [2, 0, 2, 0]]


def _scale(like: Tensor, batch_img_metas: List[dict]) -> Tensor:
    """(B, 4) ``scale_factor`` (w, h, w, h) of each image, 1 without it."""
    return like.new_tensor([
        meta.get('scale_factor', (1.0, 1.0)) for meta in batch_img_metas
    ]).repeat(1, 2)
