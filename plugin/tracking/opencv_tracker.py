"""Baseline trackers from OpenCV (``cv2.Tracker<kind>_create``).

Shapes: H x W frames; boxes are float xyxy in continuous pixel coordinates,
OpenCV's rects integer (x, y, w, h) covering pixels x..x+w-1, i.e. the
continuous box [x, x + w) x [y, y + h).

With opencv-python (what this package installs) the kinds are MIL and the
DNN trackers (DaSiamRPN, Nano, Vit: these need their model files, passed as
``params``). KCF and CSRT are in opencv-contrib-python, which cannot be
installed beside opencv-python.
"""
from typing import Any, List, Optional

import cv2
import numpy as np

__all__ = ['OpenCVTracker', 'available_kinds']


def available_kinds() -> List[str]:
    """The ``kind`` values this cv2 build offers, e.g. ``['MIL', ...]``."""
    return sorted(name[len('Tracker'):-len('_create')] for name in dir(cv2)
                  if name.startswith('Tracker') and name.endswith('_create'))


def _round(v: float) -> int:
    """Round half up (Python's round() goes to even)."""
    return int(np.floor(v + 0.5))


class OpenCVTracker:
    """Wraps an OpenCV tracker in the :class:`plugin.tracking.Tracker`
    interface.

    Args:
        kind: the ``<kind>`` of ``cv2.Tracker<kind>_create``: ``'MIL'`` by
            default; see :func:`available_kinds`.
        params: passed to the factory when given (e.g. a
            ``cv2.TrackerNano_Params`` naming its model files).

    Attributes:
        name: ``'opencv-<kind>'``.
        ok: whether the last update succeeded; on a failure the tracker keeps
            returning its last box.
    """

    def __init__(self, kind: str = 'MIL', params: Optional[Any] = None):
        self._factory = getattr(cv2, f'Tracker{kind}_create', None)
        if self._factory is None:
            raise ValueError(
                f'cv2 {cv2.__version__} has no Tracker{kind}_create; this '
                f'build offers kinds {available_kinds()} (KCF and CSRT need '
                'opencv-contrib-python, which conflicts with opencv-python)')
        self.kind = kind
        self.params = params
        self.name = f'opencv-{kind}'
        self.ok = True
        self._tracker = None
        self._box = None

    def init(self, frame: np.ndarray, box: np.ndarray) -> None:
        """Create a fresh OpenCV tracker on the frame and box.

        Args:
            frame: (H, W, 3) uint8 BGR.
            box: (4,) xyxy; rounded to whole pixels (OpenCV takes ints),
                at least 1 px wide and high.
        """
        x1, y1, x2, y2 = (float(v) for v in np.asarray(box).reshape(4))
        x, y = _round(x1), _round(y1)
        rect = (x, y, max(_round(x2) - x, 1), max(_round(y2) - y, 1))
        self._tracker = (self._factory() if self.params is None else
                         self._factory(self.params))
        # OpenCV needs a contiguous uint8 image
        self._tracker.init(np.ascontiguousarray(frame), rect)
        self._box = np.asarray(box, dtype=np.float32).reshape(4).copy()
        self.ok = True

    def track(self, frame: np.ndarray) -> np.ndarray:
        """Update on the next frame.

        Args:
            frame: (H, W, 3) uint8 BGR.

        Returns:
            (4,) float32 xyxy; the last box again if the update failed.
        """
        if self._tracker is None:
            raise RuntimeError('call init() before track()')
        self.ok, (x, y, w, h) = self._tracker.update(
            np.ascontiguousarray(frame))
        if self.ok:
            self._box = np.array([x, y, x + w, y + h], dtype=np.float32)
        return self._box.copy()
