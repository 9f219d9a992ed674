"""Load every frame of a tracking sequence into one array.

Shapes: N frames, H x W frame size.
"""
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.fileio import get

from plugin.registry import TRANSFORMS

__all__ = ['LoadSequenceFrames']


@TRANSFORMS.register_module()
class LoadSequenceFrames(BaseTransform):
    """Read ``results['frame_paths']`` into ``results['frames']``.

    Required keys: ``frame_paths`` (list of N paths). Added keys: ``frames``
    (N, H, W, 3) uint8 BGR, one array for the whole sequence (sequences
    differ in length, so mmengine's ``pseudo_collate`` keeps one array per
    sequence in a batch list); ``img_shape`` (H, W), checked against the
    annotation's when it has one.

    Args:
        backend_args: mmengine file backend arguments (None: local files).
        imdecode_backend: ``mmcv.imfrombytes`` backend ('cv2').

    Raises:
        ValueError: If the frames differ in size or from ``img_shape``.
    """

    def __init__(self,
                 backend_args: Optional[dict] = None,
                 imdecode_backend: str = 'cv2') -> None:
        self.backend_args = None if backend_args is None else dict(
            backend_args)
        self.imdecode_backend = imdecode_backend

    def transform(self, results: dict) -> dict:
        """Load the frames.

        Args:
            results: Result dict with ``frame_paths``.

        Returns:
            ``results`` with ``frames`` and ``img_shape``.
        """
        frames = [
            mmcv.imfrombytes(
                get(path, backend_args=self.backend_args),
                flag='color',
                channel_order='bgr',
                backend=self.imdecode_backend)
            for path in results['frame_paths']
        ]
        shapes = {f.shape for f in frames}
        if len(shapes) != 1:
            raise ValueError(f'frames of {results.get("seq_name")} differ in '
                             f'size: {sorted(shapes)}')
        stack = np.stack(frames)
        shape = tuple(stack.shape[1:3])
        if 'img_shape' in results and tuple(results['img_shape']) != shape:
            raise ValueError(f'frames of {results.get("seq_name")} are '
                             f'{shape} (H, W), the annotation says '
                             f'{tuple(results["img_shape"])}')
        results['frames'] = stack
        results['img_shape'] = shape
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(backend_args={self.backend_args}, '
                f'imdecode_backend={self.imdecode_backend!r})')
