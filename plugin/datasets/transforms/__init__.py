"""Data pipeline transforms of the SiamRPN tracker: the pair crop, pysot's
augmentations of the crops, loading and packing (registered in the
``plugin`` scope: ``type='plugin.SiamPairCrop'``), and the crop geometry
they share with the tracker."""
from .crop import (box_from_crop, box_to_crop, context_size, crop_and_resize,
                   image_mean)
from .load_pair_frames import LoadPairFrames
from .load_sequence import LoadSequenceFrames
from .pack_sequence_inputs import PackSequenceInputs
from .pack_siam_inputs import PackSiamInputs
from .siam_crop_aug import SiamCropAug
from .siam_flip import SiamFlip
from .siam_grayscale import SiamGrayscale
from .siam_motion_blur import SiamMotionBlur
from .siam_pair_crop import SiamPairCrop
from .siam_pca_lighting import SiamPCALighting

__all__ = [
    'context_size', 'image_mean', 'crop_and_resize', 'box_to_crop',
    'box_from_crop', 'SiamPairCrop', 'PackSiamInputs', 'LoadSequenceFrames',
    'PackSequenceInputs', 'LoadPairFrames', 'SiamCropAug', 'SiamPCALighting',
    'SiamGrayscale', 'SiamMotionBlur', 'SiamFlip'
]
