"""Base of the SiamRPN pair augmentations: which crop(s) one transform
changes, and one random draw per call (pysot's ``Augmentation``).

Shapes: T x T crop (Tz template, Tx search), k = 1 target box in a positive
search crop and 0 in a negative one.
"""
from typing import Tuple

import numpy as np
from mmcv.transforms import BaseTransform

__all__ = ['SiamCropAug']

# crop name -> (image key, box key) of SiamPairCrop's output
CROP_KEYS = {
    'template': ('template_img', 'template_bbox'),
    'search': ('search_img', 'search_bbox'),
}


class SiamCropAug(BaseTransform):
    """Apply an augmentation to the template crop, the search crop or both.

    pysot gives the template and the search image separate settings
    (``DATASET.TEMPLATE.*`` and ``DATASET.SEARCH.*``): one pipeline entry
    per crop does the same here, e.g. ``dict(type='plugin.SiamMotionBlur',
    crop='search', prob=0.2)``. ``crop='both'`` makes one draw for the
    pair and applies it to both crops, as pysot's ``DATASET.GRAY`` does.

    Every call draws ``np.random.random()`` for the decision (then whatever
    the augmentation needs, only when it is applied), from numpy's global
    generator, which mmengine seeds per worker.

    Subclasses implement :meth:`augment` and may override
    :meth:`draw_params` (one draw shared by the crops of a call).

    Required keys: ``template_img`` / ``search_img`` (T, T, 3) uint8 (and
    ``template_bbox`` (4,) / ``search_bbox`` (k, 4) for geometric
    augmentations). Modified keys: the same. Images stay uint8.

    Args:
        crop: 'template', 'search' or 'both'.
        prob: Probability of applying the augmentation (per call).
    """

    def __init__(self, crop: str = 'search', prob: float = 1.0) -> None:
        if crop not in ('template', 'search', 'both'):
            raise ValueError(
                f"crop must be 'template', 'search' or 'both', got {crop!r}")
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.crop = crop
        self.prob = float(prob)

    def crops(self) -> Tuple[str, ...]:
        """The crop names this transform changes."""
        return ('template', 'search') if self.crop == 'both' else (
            self.crop, )

    def draw_params(self) -> dict:
        """Random parameters of one application (shared by both crops of a
        ``'both'`` call)."""
        return {}

    def augment(self, img: np.ndarray, bbox: np.ndarray,
                params: dict) -> Tuple[np.ndarray, np.ndarray]:
        """Augment one crop.

        Args:
            img: (T, T, 3) uint8.
            bbox: The crop's box(es), (4,) or (k, 4) float32 xyxy in crop
                pixels; returned unchanged by photometric augmentations.
            params: :meth:`draw_params`' result.

        Returns:
            The new (T, T, 3) uint8 image and box(es).
        """
        raise NotImplementedError

    def transform(self, results: dict) -> dict:
        """Draw once, then augment the selected crop(s)."""
        if np.random.random() >= self.prob:
            return results
        params = self.draw_params()
        for name in self.crops():
            img_key, box_key = CROP_KEYS[name]
            bbox = results.get(box_key)
            img, bbox = self.augment(results[img_key], bbox, params)
            results[img_key] = img
            if bbox is not None:
                results[box_key] = bbox
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(crop={self.crop!r}, '
                f'prob={self.prob})')
