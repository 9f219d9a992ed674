"""Pack a whole tracking sequence into the model's inputs.

Shapes: N frames, H x W frame size, A attributes.
"""
from typing import Sequence

from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from plugin.registry import TRANSFORMS

__all__ = ['PackSequenceInputs']


@TRANSFORMS.register_module()
class PackSequenceInputs(BaseTransform):
    """Pack :class:`LoadSequenceFrames`'s output for one-pass evaluation.

    Required keys: ``frames`` (N, H, W, 3) uint8 and the required meta keys
    ``seq_name``, ``gt_bboxes`` (N, 4) float32 xyxy, ``img_shape`` and
    ``frame_paths``.

    Returns ``dict(inputs=dict(frames=the (N, H, W, 3) uint8 array, not a
    tensor: the tracker crops it frame by frame), data_samples=
    BaseDataElement)`` whose metainfo holds the meta keys present in the
    results: by default also ``visible`` (N,), ``occluded`` (N,),
    ``sample_idx`` and ``attributes`` (dict of A names -> (N,) bool
    per-frame flags, which :class:`plugin.OPEMetric` scores per attribute),
    each only when the sequence has it.

    Args:
        meta_keys: Keys copied into the data sample's metainfo; the four
            above must be present, the others are copied when present.

    Raises:
        KeyError: If ``frames`` or a required meta key is missing.
    """

    REQUIRED = ('seq_name', 'gt_bboxes', 'img_shape', 'frame_paths')

    def __init__(
        self,
        meta_keys: Sequence[str] = ('seq_name', 'gt_bboxes', 'img_shape',
                                    'frame_paths', 'visible', 'occluded',
                                    'sample_idx', 'attributes')
    ) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        """Pack the sequence.

        Args:
            results: Result dict of the pipeline.

        Returns:
            ``dict(inputs=..., data_samples=...)``.
        """
        missing = [
            k for k in ('frames', ) + self.REQUIRED if k not in results
        ]
        if missing:
            raise KeyError(f'{self.__class__.__name__} needs {missing}')
        data_sample = BaseDataElement(metainfo={
            k: results[k]
            for k in self.meta_keys if k in results
        })
        return dict(
            inputs=dict(frames=results['frames']), data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
