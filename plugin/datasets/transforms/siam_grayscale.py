"""pysot's grayscale augmentation of a SiamRPN pair (``DATASET.GRAY``):
the crops lose their colour, so the network cannot rely on it alone.

Shapes: T x T crop.
"""
import cv2
import numpy as np

from plugin.registry import TRANSFORMS
from .siam_crop_aug import SiamCropAug

__all__ = ['SiamGrayscale']


@TRANSFORMS.register_module()
class SiamGrayscale(SiamCropAug):
    """Turn the crop(s) to gray, kept as 3 equal BGR channels.

    pysot draws once per pair and grays both crops (``crop='both'``, the
    default here); a template in colour with a gray search image (or the
    reverse) is also possible with ``crop='template'`` / ``'search'``.

    Args:
        crop: 'template', 'search' or 'both' (default: one draw, both).
        prob: Probability per pair; pysot's ``DATASET.GRAY`` (0 in its
            default config, 0.2 in mmtracking's SiamRPN++ recipe).
    """

    def __init__(self, crop: str = 'both', prob: float = 0.05) -> None:
        super().__init__(crop, prob)

    def augment(self, img, bbox, params):
        gray = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_BGR2GRAY)
        return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), bbox
