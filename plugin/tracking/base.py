"""The per-frame tracker interface that :func:`plugin.tracking.run_sequence`
drives.

Shapes: H x W frames; boxes are float xyxy in continuous pixel coordinates.
"""
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ['Tracker']


@runtime_checkable
class Tracker(Protocol):
    """A single-object tracker that sees one frame at a time.

    A structural type: any class with these members is a tracker, no
    inheritance needed (``isinstance`` checks the names only).

    Attributes:
        name: how plots and tables call it.
    """
    name: str

    def init(self, frame: np.ndarray, box: np.ndarray) -> None:
        """Start tracking on the first frame.

        Args:
            frame: (H, W, 3) uint8 BGR.
            box: (4,) xyxy, the target in this frame.
        """

    def track(self, frame: np.ndarray) -> np.ndarray:
        """Locate the target in the next frame.

        Args:
            frame: (H, W, 3) uint8 BGR.

        Returns:
            (4,) float32 xyxy.
        """
