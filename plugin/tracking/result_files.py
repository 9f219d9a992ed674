"""Tracking results in the layouts the benchmarks' toolkits and servers
read, one writer per layout (``tools/test_tracker.py --format``).

* ``otb`` / ``lasot`` / ``trackingnet``: ``out/<name>.txt``, one
  ``x,y,w,h`` line per frame (pysot's and the toolkits' reader; zip the
  TrackingNet folder for its server);
* ``got10k``: ``out/<name>/<name>_001.txt`` (``x,y,w,h`` per frame; ``001``
  is the run, GOT-10k asks for 3 runs of a stochastic tracker, 1 of a
  deterministic one) and ``out/<name>/<name>_time.txt`` (seconds per frame),
  the folder its evaluation server takes zipped;
* ``vot``: ``out/baseline/<name>/<name>_001.txt``, VOT's supervised
  experiment as pysot writes it: ``1`` at an initialisation, ``2`` at a
  failure, ``0`` for the skipped frames, else ``x,y,w,h``.

One-pass boxes come in as xyxy (continuous pixels) and go out as ``x, y,
w, h`` with ``w = x2 - x1`` (:func:`plugin.datasets.sequences.base.
xyxy_to_xywh`); VOT's trajectories hold ``x, y, w, h`` regions already
(:func:`plugin.evaluation.vot.supervised_trajectory`) and go out as they
are. Values are written with 4 decimals.

Shapes: N frames of a sequence.
"""
import os
import os.path as osp
from typing import Callable, Dict, Optional, Sequence, Union

import numpy as np

from plugin.datasets.sequences.base import xyxy_to_xywh

Marker = int  # VOT's 1 (init), 2 (failure) or 0 (skipped)


def _xywh_lines(xywh: np.ndarray) -> str:
    """(N, 4) ``x, y, w, h`` -> ``x,y,w,h`` lines."""
    return ''.join(','.join(f'{v:.4f}' for v in row) + '\n'
                   for row in np.asarray(xywh, np.float64).reshape(-1, 4))


def _write(path: str, text: str) -> str:
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path


def write_otb(out_dir: str, name: str, boxes: np.ndarray,
              times: Optional[np.ndarray] = None) -> str:
    """OTB's, LaSOT's and TrackingNet's ``<name>.txt`` (``times`` unused:
    those toolkits take no timing); returns the file's path."""
    return _write(osp.join(out_dir, f'{name}.txt'),
                  _xywh_lines(xyxy_to_xywh(boxes)))


def write_got10k(out_dir: str, name: str, boxes: np.ndarray,
                 times: Optional[np.ndarray] = None) -> str:
    """GOT-10k's ``<name>/<name>_001.txt`` and, with ``times`` ((N,)
    seconds per frame), ``<name>/<name>_time.txt``; returns the boxes
    file's path."""
    folder = osp.join(out_dir, name)
    if times is not None:
        _write(osp.join(folder, f'{name}_time.txt'),
               ''.join(f'{t:.6f}\n' for t in np.asarray(times, float)))
    return _write(osp.join(folder, f'{name}_001.txt'),
                  _xywh_lines(xyxy_to_xywh(boxes)))


def write_vot(out_dir: str, name: str,
              trajectory: Sequence[Union[Marker, np.ndarray]]) -> str:
    """VOT's supervised-experiment file: per frame a marker (1, 2, 0) or an
    ``x, y, w, h`` region, as the trajectory holds them; returns its
    path."""
    lines = []
    for entry in trajectory:
        if np.ndim(entry) == 0:
            lines.append(f'{int(entry)}\n')
        else:
            lines.append(_xywh_lines(entry))
    return _write(osp.join(out_dir, 'baseline', name, f'{name}_001.txt'),
                  ''.join(lines))


#: the one-pass layouts by ``--format`` name
OPE_WRITERS: Dict[str, Callable] = dict(
    otb=write_otb, lasot=write_otb, trackingnet=write_otb,
    got10k=write_got10k)


def per_frame_times(total: Optional[float], num_frames: int) -> np.ndarray:
    """(N,) seconds per frame from a sequence's tracking time over frames
    1..N-1 (what the runners measure): spread evenly, frame 0 (the
    initialisation, not timed) given the same share."""
    share = (total or 0.) / max(num_frames - 1, 1)
    return np.full(num_frames, share)
