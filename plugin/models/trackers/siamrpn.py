"""SiamRPN / SiamRPN++: a Siamese single-object tracker as an mmengine
model, trained on template/search pairs through mmengine's runner and
evaluated by tracking whole sequences.

Shapes: B pairs (training) or sequences (tracking), Tz / Tx template /
search side, L feature levels, N frames.

* ``loss``: one backbone (and neck) for both crops, the head's
  correlation, SiamRPN's labels and losses (:class:`SiameseRPNHead`).
* ``predict``: the batch's sequences tracked in lockstep by
  :class:`SiamRPNTracker` from the first frame's ground-truth box (OTB's
  one-pass evaluation); each data sample gets ``pred_track_bboxes`` (N, 4)
  and ``track_time`` (seconds on frames 1..N - 1).
"""
from typing import Dict, List, Optional, Tuple, Union

import numpy as np
import torch
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.model import BaseModel
from torch import Tensor

from plugin.registry import MODELS
from .pysot_crop import PysotCropTracker
from .siamrpn_tracker import SiamRPNTracker
from .track_inputs import as_bgr_frames, check_init_box

# test_cfg.crop -> the tracker class that cuts crops that way
TRACKERS_BY_CROP = dict(exact=SiamRPNTracker, pysot=PysotCropTracker)

# pysot's SiamRPN (AlexNet) tracking options; the configs set their own
TRACK_DEFAULTS = dict(
    context_amount=0.5, penalty_k=0.16, window_influence=0.40, lr=0.30,
    min_size=10.)


@MODELS.register_module()
class SiamRPN(BaseModel):
    """Siamese RPN tracker.

    Args:
        backbone (dict): shared by the template and the search crops.
        head (dict): a :class:`SiameseRPNHead`.
        neck (dict, optional): e.g. :class:`SiamAdjust` (SiamRPN++).
        train_cfg (dict, optional): the head's ``assigner``, ``sampler``,
            ``neg_radius``.
        test_cfg (dict): the tracker's ``template_size`` and
            ``search_size`` (required), ``context_amount``, ``penalty_k``,
            ``window_influence``, ``lr``, ``min_size`` (see
            :class:`SiamRPNTracker`).
        data_preprocessor (dict): a :class:`SiamDataPreprocessor`.
        init_cfg (dict, optional): mmengine's initialisation.
    """

    def __init__(self,
                 backbone: ConfigType,
                 head: ConfigType,
                 neck: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = dict(
                     type='plugin.SiamDataPreprocessor'),
                 init_cfg: OptMultiConfig = None) -> None:
        # built here, through plugin's registry: mmengine's BaseModel builds
        # from its root registry, which finds plugin.* types only under
        # mmdet's default scope
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        head = dict(head, train_cfg=train_cfg, test_cfg=test_cfg)
        self.head = MODELS.build(head)
        self.train_cfg = train_cfg
        self.test_cfg = dict(TRACK_DEFAULTS, **(test_cfg or {}))

    def extract_feat(self, img: Tensor) -> Tuple[Tensor, ...]:
        """(B, 3, T, T) crops -> per level (B, C_l, h, w) features."""
        feats = self.backbone(img)
        if self.neck is not None:
            feats = self.neck(feats)
        return tuple(feats)

    def forward(self,
                inputs: dict,
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], list,
                                               Tuple[Tensor, Tensor]]:
        """mmengine's entry: ``'loss'`` (pairs), ``'predict'``
        (sequences), ``'tensor'`` (pairs: the head's raw scores and
        deltas)."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')

    def _forward(self, inputs: dict) -> Tuple[Tensor, Tensor]:
        """(B, 2K, S, S) scores and (B, 4K, S, S) deltas of the pairs."""
        return self.head(
            self.extract_feat(inputs['template']),
            self.extract_feat(inputs['search']))

    def loss(self, inputs: dict, data_samples: list) -> Dict[str, Tensor]:
        """SiamRPN's losses of B pairs.

        Args:
            inputs (dict): ``template`` (B, 3, Tz, Tz), ``search`` (B, 3,
                Tx, Tx), normalised.
            data_samples (list): per pair ``gt_instances`` with the target
                box in search-crop pixels (none for a negative pair).
        """
        cls, reg = self._forward(inputs)
        losses = self.head.loss_by_feat(
            cls, reg, [ds.gt_instances for ds in data_samples],
            inputs['search'].size(-1))
        # Video pairs record their frame distance; logged (mmengine sums
        # only the keys with 'loss' in their names), for the logs' view of
        # what the batch trained on. Still-image pairs count as 0.
        gaps = [abs(ds.metainfo.get('frame_gap', 0)) for ds in data_samples]
        losses['frame_gap'] = torch.tensor(
            gaps, dtype=torch.float32, device=cls.device).mean()
        return losses

    def tracker(self, **options) -> SiamRPNTracker:
        """A tracker over this model with the ``test_cfg`` options, and
        ``options`` over them.

        ``crop`` (an option, not a tracker argument) picks how crops are
        cut: ``'exact'`` (default: the continuous window, training's
        geometry, :class:`SiamRPNTracker`) or ``'pysot'`` (pysot's rounded
        windows and edge padding, :class:`PysotCropTracker`: pysot's boxes
        from converted pysot weights, see ``configs/siamrpn/pysot/``).
        """
        options = dict(self.test_cfg, **options)
        crop = options.pop('crop', 'exact')
        if crop not in TRACKERS_BY_CROP:
            raise ValueError(f"test_cfg.crop must be one of "
                             f"{sorted(TRACKERS_BY_CROP)}, got {crop!r}")
        return TRACKERS_BY_CROP[crop](self, **options)

    def predict(self, inputs: dict, data_samples: list) -> list:
        """Track each sequence of the batch from its first gt box.

        Args:
            inputs (dict): ``frames``, per sequence (N, H, W, 3) uint8 BGR
                (grayscale and BGRA are converted, see
                :mod:`.track_inputs`).
            data_samples (list): per sequence metainfo ``gt_bboxes`` (N, 4)
                xyxy (only frame 0's is used).

        Returns:
            list: the data samples with ``pred_track_bboxes`` (N, 4)
            float32 and ``track_time`` (float, seconds).

        Raises:
            ValueError: If a frame or a frame-0 box is invalid (named in the
                message).
        """
        # checked here to name the inputs by where the pipeline put them
        frames: List[List[np.ndarray]] = [
            as_bgr_frames(seq, f"inputs['frames'][{b}]")
            for b, seq in enumerate(inputs['frames'])]
        init = np.stack([
            check_init_box(
                np.asarray(ds.gt_bboxes, dtype=np.float64)[0],
                f'data_samples[{b}].gt_bboxes[0]')
            for b, ds in enumerate(data_samples)])
        preds, times = self.tracker().track_sequences(frames, init)
        for ds, pred, seconds in zip(data_samples, preds, times):
            ds.pred_track_bboxes = pred
            ds.track_time = seconds
        return data_samples
