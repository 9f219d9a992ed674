"""OpenCV contrib trackers (CSRT, KCF) run in a child process.

``cv2.TrackerCSRT_create`` and ``cv2.TrackerKCF_create`` exist only in
opencv-contrib-python, whose ``cv2`` package would replace the
opencv-python that mmcv depends on. ``bash tools/install_opencv_contrib.sh``
therefore installs opencv-contrib-python-headless into a folder of its own
(:data:`DEFAULT_CONTRIB_DIR`, ``.venv/opencv-contrib``), and
:func:`run_contrib_tracker` runs the tracker in a child process (the same
interpreter) whose ``sys.path`` starts with that folder, so that the child
alone imports the contrib ``cv2``. The child reads the frames itself
(``cv2.imread``, as :class:`plugin.LoadSequenceFrames` reads them) and runs
:class:`plugin.tracking.OpenCVTracker` through
:func:`plugin.tracking.run_sequence`, so the boxes and timings are the same
as an in-process baseline's (frame loading is not timed).

Each call starts one child, which spends some seconds importing the package
(mmdet); give it many sequences at once.

Shapes: S sequences of N frames each (N may differ between sequences);
boxes are float xyxy.

Example::

    from plugin.tracking.contrib_tracker import run_contrib_tracker
    [(boxes, seconds)] = run_contrib_tracker(
        'CSRT', [(frame_paths, init_box)])
"""
import json
import os.path as osp
import subprocess
import sys
import tempfile
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .opencv_tracker import OpenCVTracker
from .run import run_sequence

__all__ = [
    'CONTRIB_KINDS', 'DEFAULT_CONTRIB_DIR', 'INSTALL_SCRIPT',
    'check_contrib_dir', 'run_contrib_tracker'
]

#: The repository root (holds ``plugin/``), put on the child's ``sys.path``
#: so it imports this very package even where it is not pip-installed.
_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: Where ``tools/install_opencv_contrib.sh`` installs the contrib build.
DEFAULT_CONTRIB_DIR = osp.join(_ROOT, '.venv', 'opencv-contrib')
INSTALL_SCRIPT = 'tools/install_opencv_contrib.sh'
#: The contrib kinds this module is meant for (any ``cv2.Tracker<kind>``
#: of the contrib build works).
CONTRIB_KINDS = ('CSRT', 'KCF')

# The child's program. `python -m` cannot be used: it imports the package
# `plugin` (whose models import cv2) before the module's code could put the
# contrib folder first on sys.path. argv: contrib dir, job file, out file.
_CHILD = f"""
import sys
sys.path[:0] = [sys.argv[1], {_ROOT!r}]
from plugin.tracking.contrib_tracker import _worker
_worker(*sys.argv[1:4])
"""


def check_contrib_dir(contrib_dir: str = DEFAULT_CONTRIB_DIR) -> str:
    """Check that ``contrib_dir`` holds a ``cv2`` package.

    Only the folder is checked (cheaply, in this process); the child checks
    that its ``cv2`` is imported from there and has the tracker.

    Args:
        contrib_dir: The folder opencv-contrib-python-headless was installed
            into with ``pip install --target``.

    Returns:
        ``contrib_dir`` as an absolute path.

    Raises:
        FileNotFoundError: If ``contrib_dir/cv2`` is missing; the message
            names the install script.
    """
    path = osp.abspath(contrib_dir)
    if not osp.isdir(osp.join(path, 'cv2')):
        raise FileNotFoundError(
            f'no OpenCV contrib build in {path} (CSRT and KCF need one): '
            f'run `bash {INSTALL_SCRIPT}`, which installs '
            f'opencv-contrib-python-headless into {DEFAULT_CONTRIB_DIR} '
            'outside the venv\'s site-packages, or pass the folder you '
            'installed it into')
    return path


def run_contrib_tracker(
    kind: str,
    sequences: Sequence[Tuple[Sequence[str], np.ndarray]],
    contrib_dir: str = DEFAULT_CONTRIB_DIR,
    timeout: Optional[float] = None,
) -> List[Tuple[np.ndarray, float]]:
    """One-pass run of ``cv2.Tracker<kind>`` on sequences, in a child.

    Args:
        kind: The tracker, e.g. ``'CSRT'`` or ``'KCF'`` (see
            :data:`CONTRIB_KINDS`).
        sequences: S ``(frame_paths, init_box)`` pairs: N image paths (any
            format ``cv2.imread`` reads; read as 3-channel BGR) and the (4,)
            xyxy target in frame 0.
        contrib_dir: The folder holding the contrib ``cv2``
            (``tools/install_opencv_contrib.sh`` installs it into
            :data:`DEFAULT_CONTRIB_DIR`).
        timeout: Seconds the child may run (None: no limit).

    Returns:
        S ``(pred_boxes, seconds)`` pairs, as
        :func:`plugin.tracking.run_sequence` returns them: (N, 4) float32
        xyxy, row 0 the init box, and the wall time of the ``track`` calls
        on frames 1..N-1.

    Raises:
        FileNotFoundError: If the contrib build or a frame is missing (the
            frames are checked before the child starts).
        ValueError: If a sequence has no frames or its box is not 4 numbers.
        RuntimeError: If the child fails (e.g. an unknown ``kind``, a frame
            cv2 cannot read); the message ends with its stderr's tail.
        subprocess.TimeoutExpired: If the child runs past ``timeout``.
    """
    contrib = check_contrib_dir(contrib_dir)
    jobs = []
    for i, (paths, box) in enumerate(sequences):
        paths = [osp.abspath(p) for p in paths]
        if not paths:
            raise ValueError(f'sequence {i} has no frames')
        missing = [p for p in paths if not osp.isfile(p)]
        if missing:
            raise FileNotFoundError(
                f'sequence {i}: {len(missing)} of {len(paths)} frames are '
                f'missing, e.g. {missing[0]}')
        box = np.asarray(box, dtype=np.float64)
        if box.size != 4:
            raise ValueError(f'sequence {i}: init box must be 4 numbers '
                             f'(xyxy), got shape {box.shape}')
        jobs.append(dict(frame_paths=paths, init_box=box.ravel().tolist()))
    if not jobs:
        return []
    with tempfile.TemporaryDirectory(prefix='contrib_tracker_') as tmp:
        job_file = osp.join(tmp, 'job.json')
        out_file = osp.join(tmp, 'out.npz')
        with open(job_file, 'w') as f:
            json.dump(dict(kind=kind, sequences=jobs), f)
        proc = subprocess.run(
            [sys.executable, '-c', _CHILD, contrib, job_file, out_file],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout)
        if proc.returncode != 0 or not osp.isfile(out_file):
            # the tail holds the traceback's last frames and the error
            raise RuntimeError(
                f'the OpenCV {kind} child process (cv2 from {contrib}) '
                f'failed with exit status {proc.returncode}:\n'
                f'{proc.stdout[-3000:]}')
        if proc.stdout:
            # warnings of the child's imports, passed on
            sys.stderr.write(proc.stdout)
        with np.load(out_file) as out:
            seconds = out['seconds']
            results = [(out[f'boxes_{i}'], float(seconds[i]))
                       for i in range(len(jobs))]
    for i, (pred, _) in enumerate(results):
        # one box per frame, or the scores would silently misalign
        if pred.shape != (len(jobs[i]['frame_paths']), 4):
            raise RuntimeError(f'the {kind} child returned boxes of shape '
                               f'{pred.shape} for sequence {i}')
    return results


def _read_frame(path: str) -> np.ndarray:
    """(H, W, 3) uint8 BGR, as ``LoadSequenceFrames`` reads a frame.

    Raises:
        ValueError: If cv2 cannot decode the file.
    """
    frame = cv2.imread(path, cv2.IMREAD_COLOR)
    if frame is None:
        raise ValueError(f'cv2.imread cannot read {path}')
    return frame


def _worker(contrib_dir: str, job_file: str, out_file: str) -> None:
    """The child's work: track the job's sequences, write the npz.

    Args:
        contrib_dir: The folder ``cv2`` must have been imported from.
        job_file: JSON ``{"kind": str, "sequences": [{"frame_paths": [N
            paths], "init_box": [4 floats]}, ...]}``.
        out_file: Where to write ``boxes_<i>`` (N, 4) float32 per sequence
            and ``seconds`` (S,) float64.

    Raises:
        RuntimeError: If ``cv2`` was not imported from ``contrib_dir``
            (something imported it before ``sys.path`` was set).
        ValueError: If this cv2 has no ``Tracker<kind>_create`` or a frame
            cannot be read.
    """
    here = osp.realpath(cv2.__file__)
    if not here.startswith(osp.realpath(contrib_dir) + osp.sep):
        raise RuntimeError(f'cv2 was imported from {cv2.__file__}, not from '
                           f'{contrib_dir}')
    with open(job_file) as f:
        job = json.load(f)
    # fails at once on a kind this build lacks, before reading frames
    OpenCVTracker(job['kind'])
    out = {}
    seconds = []
    for i, seq in enumerate(job['sequences']):
        # one sequence in memory at a time
        frames = [_read_frame(p) for p in seq['frame_paths']]
        pred, secs = run_sequence(
            OpenCVTracker(job['kind']), frames,
            np.asarray(seq['init_box'], dtype=np.float32))
        out[f'boxes_{i}'] = pred
        seconds.append(secs)
    np.savez(out_file, seconds=np.asarray(seconds, dtype=np.float64), **out)
