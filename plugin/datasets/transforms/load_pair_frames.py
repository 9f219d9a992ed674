"""Load the two frames of a video pair (``SiamVideoPairDataset``).

Shapes: H x W frame size.
"""
from typing import Optional

import mmcv
from mmcv.transforms import BaseTransform
from mmengine.fileio import get

from plugin.registry import TRANSFORMS

__all__ = ['LoadPairFrames']


@TRANSFORMS.register_module()
class LoadPairFrames(BaseTransform):
    """Read ``img_path`` into ``img`` and ``search_img_path`` into
    ``search_frame`` (the same array when both name one frame).

    Required keys: ``img_path``, ``search_img_path``. Added keys: ``img``
    and ``search_frame`` (H, W, 3) uint8 BGR, ``img_shape`` (H, W).

    Args:
        backend_args: mmengine file backend arguments (None: local files).
        imdecode_backend: ``mmcv.imfrombytes`` backend ('cv2').
    """

    def __init__(self,
                 backend_args: Optional[dict] = None,
                 imdecode_backend: str = 'cv2') -> None:
        self.backend_args = None if backend_args is None else dict(
            backend_args)
        self.imdecode_backend = imdecode_backend

    def _read(self, path: str):
        return mmcv.imfrombytes(
            get(path, backend_args=self.backend_args),
            flag='color',
            channel_order='bgr',
            backend=self.imdecode_backend)

    def transform(self, results: dict) -> dict:
        """Load both frames."""
        img = self._read(results['img_path'])
        same = results['search_img_path'] == results['img_path']
        results['img'] = img
        results['search_frame'] = img if same else self._read(
            results['search_img_path'])
        results['img_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(backend_args={self.backend_args}, '
                f'imdecode_backend={self.imdecode_backend!r})')
