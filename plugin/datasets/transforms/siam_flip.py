"""pysot's horizontal flip of a SiamRPN crop (``Augmentation._flip_aug``),
with its box.

Shapes: T x T crop, k target boxes (1 or 0) in the search crop.
"""
import numpy as np

from plugin.registry import TRANSFORMS
from .siam_crop_aug import SiamCropAug

__all__ = ['SiamFlip', 'flip_boxes']


def flip_boxes(boxes: np.ndarray, width: int) -> np.ndarray:
    """Mirror xyxy boxes in continuous pixel coordinates: x -> W - x.

    (pysot's ``W - 1 - x`` is the same mirror for its pixel-index corners.)

    Args:
        boxes: (4,) or (k, 4) xyxy.
        width: W, the image width.

    Returns:
        Float32 boxes of the same shape.
    """
    boxes = np.asarray(boxes, np.float32)
    out = boxes.copy()
    out[..., 0] = width - boxes[..., 2]
    out[..., 2] = width - boxes[..., 0]
    return out


@TRANSFORMS.register_module()
class SiamFlip(SiamCropAug):
    """Mirror the crop left-right and its box with it.

    One crop mirrored (pysot: ``DATASET.TEMPLATE.FLIP`` and
    ``DATASET.SEARCH.FLIP``, drawn apart) shows the target mirrored between
    template and search; ``crop='both'`` mirrors the whole pair (the same
    target, a mirrored scene).

    Args:
        crop: 'template', 'search' or 'both'.
        prob: Probability per call (pysot's default configs: 0).
    """

    def __init__(self, crop: str = 'both', prob: float = 0.5) -> None:
        super().__init__(crop, prob)

    def augment(self, img, bbox, params):
        img = np.ascontiguousarray(img[:, ::-1])
        if bbox is not None:
            bbox = flip_boxes(bbox, img.shape[1])
        return img, bbox
