"""pysot's colour augmentation of a SiamRPN crop: a random lighting shift
along the principal components of natural images' RGB values (AlexNet's
"PCA lighting", as pysot's ``Augmentation._color_aug``).

Shapes: T x T crop.
"""
import numpy as np

from plugin.registry import TRANSFORMS
from .siam_crop_aug import SiamCropAug

__all__ = ['SiamPCALighting']

# pysot's ``rgbVar``: the RGB principal components scaled by their
# standard deviations (rows mix the components into R, G and B); an offset
# rgbVar @ N(0, I) has a std of about 1 to 8 grey levels per channel.
PYSOT_RGB_VAR = np.array(
    [[-0.55919361, 0.98062831, -0.41940627],
     [1.72091413, 0.19879334, -1.82968581],
     [4.64467907, 4.73710203, 4.88324118]], dtype=np.float32)


@TRANSFORMS.register_module()
class SiamPCALighting(SiamCropAug):
    """Subtract a random lighting offset ``rgbVar @ z``, ``z ~ N(0, I_3)``
    scaled by ``strength``, from every pixel of the crop.

    pysot (``DATASET.*.COLOR`` 1.0: both crops, always) keeps the result in
    float; here it is rounded and clipped to uint8, which changes only the
    pixels the offset pushes past 0 or 255. With ``crop='both'`` the same
    offset shifts both crops (one lighting change for the pair); pysot
    draws one per crop (two entries here).

    Args:
        crop: 'template', 'search' or 'both'.
        prob: Probability per call; pysot's ``COLOR`` 1.0.
        strength: Multiplier of pysot's offsets (1: pysot's).
    """

    def __init__(self, crop: str = 'search', prob: float = 1.0,
                 strength: float = 1.0) -> None:
        super().__init__(crop, prob)
        if strength < 0:
            raise ValueError(f'strength must be >= 0, got {strength}')
        self.strength = float(strength)

    def draw_params(self) -> dict:
        # (3,) RGB offset, reversed to the crops' BGR order as pysot does
        rgb = PYSOT_RGB_VAR @ np.random.randn(3).astype(np.float32)
        return dict(offset=rgb[::-1] * self.strength)

    def augment(self, img, bbox, params):
        out = img.astype(np.float32) - params['offset']
        return np.clip(np.rint(out), 0, 255).astype(np.uint8), bbox

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', strength={self.strength})'
