"""pysot's motion blur of a SiamRPN crop (``Augmentation._blur_aug``).

Shapes: T x T crop, K x K kernel.
"""
from typing import Tuple

import cv2
import numpy as np

from plugin.registry import TRANSFORMS
from .siam_crop_aug import SiamCropAug

__all__ = ['SiamMotionBlur', 'motion_kernel']


def motion_kernel(size: int, wx: float) -> np.ndarray:
    """pysot's blur kernel: a horizontal and a vertical line through the
    centre, weighted ``1 - wx`` and ``wx``, summing to 1.

    Args:
        size: K, odd.
        wx: Weight of the vertical line (motion along y), in [0, 1].

    Returns:
        (K, K) float32 kernel.
    """
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    kernel[:, c] += wx / size
    kernel[c, :] += (1. - wx) / size
    return kernel


@TRANSFORMS.register_module()
class SiamMotionBlur(SiamCropAug):
    """Blur the crop along x and y with :func:`motion_kernel` of a random
    odd size in ``kernel_range`` and a random mix ``wx ~ U(0, 1)``.

    Args:
        crop: 'template', 'search' or 'both'.
        prob: Probability per call; pysot: ``DATASET.SEARCH.BLUR`` 0.2 in
            its SiamRPN++ recipes, 0 for the template.
        kernel_range: Smallest and largest odd kernel side in crop pixels;
            pysot's (5, 45) belong to its 255 px search crop (scale them
            with the crop: (3, 29) at 160 px).
    """

    def __init__(self, crop: str = 'search', prob: float = 0.2,
                 kernel_range: Tuple[int, int] = (5, 45)) -> None:
        super().__init__(crop, prob)
        lo, hi = (int(k) for k in kernel_range)
        if lo < 1 or hi < lo or lo % 2 == 0 or hi % 2 == 0:
            raise ValueError('kernel_range must be two odd sizes, 1 <= lo <= '
                             f'hi, got {tuple(kernel_range)}')
        self.kernel_range = (lo, hi)

    def draw_params(self) -> dict:
        sizes = np.arange(self.kernel_range[0], self.kernel_range[1] + 1, 2)
        size = int(sizes[np.random.randint(len(sizes))])
        return dict(kernel=motion_kernel(size, float(np.random.random())))

    def augment(self, img, bbox, params):
        # the crop's border pixels repeat (cv2's reflect-101), as pysot's
        return cv2.filter2D(img, -1, params['kernel']), bbox

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + \
            f', kernel_range={self.kernel_range})'
