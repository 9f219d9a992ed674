"""The trivial baseline: the target never moves.

Shapes: H x W frames; boxes are float xyxy.
"""
import numpy as np

__all__ = ['StaticTracker']


class StaticTracker:
    """Returns the init box on every frame: the floor any tracker must beat
    (it scores well only on sequences where the target stays still).

    Attributes:
        name: ``'static'``.
    """
    name = 'static'

    def __init__(self) -> None:
        self._box = None

    def init(self, frame: np.ndarray, box: np.ndarray) -> None:
        """Remember the box.

        Args:
            frame: (H, W, 3) uint8 BGR, unused.
            box: (4,) xyxy.
        """
        self._box = np.asarray(box, dtype=np.float32).reshape(4).copy()

    def track(self, frame: np.ndarray) -> np.ndarray:
        """Return the init box.

        Args:
            frame: (H, W, 3) uint8 BGR, unused.

        Returns:
            (4,) float32 xyxy, a copy (callers may modify it).
        """
        if self._box is None:
            raise RuntimeError('call init() before track()')
        return self._box.copy()
