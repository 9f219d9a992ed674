"""CenterNet head (Objects as Points, arXiv 1904.07850), batched.

Shapes: B images, G gts per image (padded to the batch maximum), C classes,
H x W the single stride-4 feature map, k the detections kept per image.

The convolutions, parameter names, outputs and constructor are those of
mmdet 3.3.0's ``CenterNetHead`` (its checkpoints load strictly); training
and inference run for the whole batch at once:

    CenterNetTarget (no grad): gaussian heatmap, wh/offset at centre cells
    -> modified focal loss (fused, dense negatives + gathered peaks)
    -> wh and offset losses on the centre cells only (gathered)

    predict: 3x3 local maxima -> top-k over classes and cells -> boxes,
    shifted by the ``border`` meta key when the pipeline provides one.

No Python loop over gts or images, no host synchronisation; the losses run
in fp32 with autocast off so they stay finite under AMP.
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmcv.ops import batched_nms
from mmdet.models.dense_heads.base_dense_head import BaseDenseHead
from mmdet.models.losses import GaussianFocalLoss
from mmdet.models.utils import (get_local_maximum, get_topk_from_heatmap,
                                multi_apply, transpose_and_gather_feat)
from mmdet.utils import (ConfigType, InstanceList, OptConfigType,
                         OptInstanceList, OptMultiConfig)
from mmengine.model import bias_init_with_prob, normal_init
from mmengine.structures import InstanceData
from torch import Tensor

from plugin.models.losses import gaussian_focal_loss_sum
from plugin.models.task_modules.targets import CenterNetTargets
from plugin.models.utils import (connected_zero, mean_over_ranks,
                                  stack_batch_gt)
from plugin.registry import MODELS, TASK_UTILS

# weight_reduce_loss's guard on avg_factor (kept: same numbers as mmdet)
AVG_EPS = torch.finfo(torch.float32).eps


@MODELS.register_module()
class CenterNetHead(BaseDenseHead):
    """CenterNet head with batched targets, a fused focal loss and batched
    decoding that works with any test pipeline.

    A drop-in replacement of mmdet's ``CenterNetHead``: same arguments and
    defaults, same parameters (``heatmap_head``, ``wh_head``,
    ``offset_head``), same outputs ``(center_heatmap_preds, wh_preds,
    offset_preds)``, one level each, the heatmap as probabilities.

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
            L1 with weight 0.1.
        loss_offset (dict): loss of the sub-cell offset at the centre cells.
            Defaults to L1 with weight 1.0.
        heatmap_clamp (float): clamp the predicted heatmap to
            [heatmap_clamp, 1 - heatmap_clamp] inside the heatmap loss, as the
            original CenterNet does with 1e-4 (no gradient where the clamp
            bites). 0 (the default) is mmdet's loss: no clamp, 1e-12 inside
            the logs. Inference never clamps.
        train_cfg (dict, optional): unused, as in mmdet.
        test_cfg (dict, optional): ``topk``, ``local_maximum_kernel``,
            ``max_per_img`` and, for ``with_nms``, ``nms``.
        init_cfg (dict, optional): as mmdet's.
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
                 heatmap_clamp: float = 0.0,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not 0 <= heatmap_clamp < 0.5:
            raise ValueError(
                f'heatmap_clamp must lie in [0, 0.5), got {heatmap_clamp}')
        self.num_classes = num_classes
        self.heatmap_head = self._build_head(in_channels, feat_channels,
                                             num_classes)
        self.wh_head = self._build_head(in_channels, feat_channels, 2)
        self.offset_head = self._build_head(in_channels, feat_channels, 2)

        self.loss_center_heatmap = MODELS.build(loss_center_heatmap)
        self.loss_wh = MODELS.build(loss_wh)
        self.loss_offset = MODELS.build(loss_offset)
        self.heatmap_clamp = heatmap_clamp
        self.target_generator = TASK_UTILS.build(
            dict(type='plugin.CenterNetTarget', num_classes=num_classes))

        self.train_cfg = train_cfg
        self.test_cfg = test_cfg

    @staticmethod
    def _build_head(in_channels: int, feat_channels: int,
                    out_channels: int) -> nn.Sequential:
        """3x3 conv, ReLU, 1x1 conv (mmdet's layout and names)."""
        return nn.Sequential(
            nn.Conv2d(in_channels, feat_channels, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(feat_channels, out_channels, kernel_size=1))

    def init_weights(self) -> None:
        """mmdet's init: a 0.1 prior probability on the heatmap; std 0.001
        on the wh and offset convs."""
        self.heatmap_head[-1].bias.data.fill_(bias_init_with_prob(0.1))
        for head in [self.wh_head, self.offset_head]:
            for m in head.modules():
                if isinstance(m, nn.Conv2d):
                    normal_init(m, std=0.001)

    def forward(self, x: Tuple[Tensor, ...]) -> Tuple[List[Tensor], ...]:
        """Run the head on each input map (CenterNet has one).

        Args:
            x (tuple[Tensor]): (B, in_channels, H, W) maps.

        Returns:
            tuple[list[Tensor], list[Tensor], list[Tensor]]: per map, the
            heatmap probabilities (B, C, H, W), wh (B, 2, H, W) and offset
            (B, 2, H, W).
        """
        return multi_apply(self.forward_single, x)

    def forward_single(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Heatmap (sigmoid), wh and offset of one map."""
        # The sigmoid runs in fp32 even under autocast: in fp16 it rounds to
        # exactly 1 above a logit of ~8, and the loss' gradient there (1e12
        # with mmdet's eps) would overflow fp16 on its way back.
        center_heatmap_pred = self.heatmap_head(x).float().sigmoid()
        wh_pred = self.wh_head(x)
        offset_pred = self.offset_head(x)
        return center_heatmap_pred, wh_pred, offset_pred

    def loss_by_feat(
            self,
            center_heatmap_preds: List[Tensor],
            wh_preds: List[Tensor],
            offset_preds: List[Tensor],
            batch_gt_instances: InstanceList,
            batch_img_metas: List[dict],
            batch_gt_instances_ignore: OptInstanceList = None
    ) -> Dict[str, Tensor]:
        """CenterNet's losses for a batch.

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
        heatmap = center_heatmap_preds[0]
        # fp32, no autocast: the logs of the focal loss need it (see
        # plugin.models.losses.gaussian_focal_loss)
        with torch.autocast(device_type=heatmap.device.type, enabled=False):
            return self._loss(heatmap.float(), wh_preds[0].float(),
                              offset_preds[0].float(), batch_gt_instances,
                              batch_img_metas[0]['batch_input_shape'])

    def _loss(self, heatmap: Tensor, wh_pred: Tensor, offset_pred: Tensor,
              batch_gt_instances: InstanceList,
              img_shape: Tuple[int, int]) -> Dict[str, Tensor]:
        """fp32 body of :meth:`loss_by_feat`."""
        targets = self.get_targets(batch_gt_instances, heatmap.shape[-2:],
                                   img_shape, heatmap.device)
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
        loss_wh = self.loss_wh(
            wh_at, targets.wh, weight, avg_factor=avg_factor * 2)
        loss_offset = self.loss_offset(
            offset_at, targets.offset, weight, avg_factor=avg_factor * 2)
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

    def get_targets(self, batch_gt_instances: InstanceList,
                    featmap_size: Tuple[int, int], img_shape: Tuple[int, int],
                    device: torch.device) -> CenterNetTargets:
        """Heatmap, wh and offset targets of a batch (no gradients).

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
        pipeline works), divided by ``scale_factor`` when ``rescale``.

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
        bboxes, scores, labels = self._decode_heatmap(
            center_heatmap_preds[0], wh_preds[0], offset_preds[0],
            batch_img_metas[0]['batch_input_shape'],
            k=self.test_cfg.topk,
            kernel=self.test_cfg.local_maximum_kernel)  # (B, k, 4), (B, k)

        # (left, top) of the crop, 0 without RandomCenterCropPad's border
        # (top, bottom, left, right); mmdet requires the key.
        # (float(): the pipeline stores it as a numpy array)
        border = bboxes.new_tensor(
            [[float(v) for v in meta.get('border', (0, 0, 0, 0))]
             for meta in batch_img_metas])[:, None, [2, 0, 2, 0]]
        bboxes = bboxes - border
        if rescale:
            scale = bboxes.new_tensor([
                meta.get('scale_factor', (1.0, 1.0))
                for meta in batch_img_metas
            ]).repeat(1, 2)
            bboxes = bboxes / scale[:, None]

        results = []
        for img_bboxes, img_scores, img_labels in zip(bboxes, scores, labels):
            if with_nms:
                img_bboxes, img_scores, img_labels = self._bboxes_nms(
                    img_bboxes, img_scores, img_labels)
            results.append(
                InstanceData(
                    bboxes=img_bboxes, scores=img_scores, labels=img_labels))
        return results

    @staticmethod
    def _decode_heatmap(center_heatmap_pred: Tensor,
                        wh_pred: Tensor,
                        offset_pred: Tensor,
                        img_shape: Tuple[int, int],
                        k: int = 100,
                        kernel: int = 3) -> Tuple[Tensor, Tensor, Tensor]:
        """Top-k local maxima of the heatmap as boxes in input pixels.

        Args:
            center_heatmap_pred (Tensor): (B, C, H, W) probabilities.
            wh_pred (Tensor): (B, 2, H, W) sizes in map cells.
            offset_pred (Tensor): (B, 2, H, W) sub-cell offsets.
            img_shape (tuple[int, int]): (h, w) of the batch input.
            k (int): detections per image (at most C * H * W).
            kernel (int): side of the local-maximum window.

        Returns:
            tuple[Tensor, Tensor, Tensor]: boxes (B, k, 4), scores (B, k),
            labels (B, k).
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
        return torch.stack([tl_x, tl_y, br_x, br_y], dim=2), scores, labels

    def _bboxes_nms(self, bboxes: Tensor, scores: Tensor,
                    labels: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Class-wise NMS of one image, keeping ``max_per_img``."""
        if labels.numel() == 0:
            return bboxes, scores, labels
        dets, keep = batched_nms(bboxes, scores.contiguous(), labels,
                                 self.test_cfg.nms)
        max_num = self.test_cfg.max_per_img
        if max_num > 0:
            dets, keep = dets[:max_num], keep[:max_num]
        return dets[:, :4], dets[:, 4], labels[keep]
