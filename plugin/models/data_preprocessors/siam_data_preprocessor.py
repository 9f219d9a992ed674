"""Data preprocessor of the Siamese trackers: template/search pairs for
training, whole sequences for tracking.

Shapes: B pairs or sequences, Tz / Tx template / search side, N frames,
(H, W) frame size.

Training batches (``inputs = dict(template=[...], search=[...])``, uint8
(3, T, T) tensors from ``PackSiamInputs``) are stacked, moved to the
device and normalised. Tracking batches (``inputs = dict(frames=[...])``,
one uint8 (N, H, W, 3) array per sequence from ``PackSequenceInputs``)
stay on the host: the tracker crops each frame around its last position
and normalises the crops with :meth:`normalize`.
"""
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.model import BaseDataPreprocessor
from torch import Tensor

from plugin.registry import MODELS


@MODELS.register_module()
class SiamDataPreprocessor(BaseDataPreprocessor):
    """Stack, move and normalise template/search crops.

    Args:
        mean (Sequence[float], optional): per channel, in the channel order
            after ``bgr_to_rgb``; None: no normalisation.
        std (Sequence[float], optional): per channel.
        bgr_to_rgb (bool): flip the (BGR, cv2's) channels to RGB.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 bgr_to_rgb: bool = False,
                 non_blocking: bool = False) -> None:
        super().__init__(non_blocking)
        self.bgr_to_rgb = bgr_to_rgb
        self._enable_normalize = mean is not None
        if self._enable_normalize:
            if std is None or len(mean) != 3 or len(std) != 3:
                raise ValueError('mean and std need 3 values each, got '
                                 f'{mean}, {std}')
            self.register_buffer('mean',
                                 torch.tensor(mean).view(-1, 1, 1), False)
            self.register_buffer('std',
                                 torch.tensor(std).view(-1, 1, 1), False)

    def normalize(self, imgs: Union[Tensor, np.ndarray,
                                    Sequence[np.ndarray]]) -> Tensor:
        """Crops -> a normalised float batch on the model's device.

        Args:
            imgs: (B, 3, T, T) uint8 tensor, or (B, T, T, 3) / a list of
                (T, T, 3) uint8 arrays (HWC, the crops' layout).

        Returns:
            Tensor: (B, 3, T, T) float32.
        """
        if not isinstance(imgs, Tensor):
            imgs = torch.from_numpy(np.ascontiguousarray(np.stack(imgs)))
            imgs = imgs.permute(0, 3, 1, 2)
        imgs = imgs.to(self.device, non_blocking=self._non_blocking).float()
        if self.bgr_to_rgb:
            imgs = imgs.flip(1)
        if self._enable_normalize:
            imgs = (imgs - self.mean) / self.std
        return imgs

    def forward(self, data: dict, training: bool = False) -> dict:
        """Pairs: stacked and normalised ``template`` and ``search`` (B, 3,
        T, T), data samples on the device. Sequences: unchanged."""
        inputs = data['inputs']
        if 'frames' in inputs:
            return dict(inputs=inputs, data_samples=data.get('data_samples'))
        data = self.cast_data(data)
        return dict(
            inputs=dict(
                template=self.normalize(torch.stack(inputs['template'])),
                search=self.normalize(torch.stack(inputs['search']))),
            data_samples=data.get('data_samples'))
