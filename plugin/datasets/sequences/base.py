"""What every sequence reader returns, and the parsing the layouts share.

A reader turns a dataset folder in one benchmark's layout into a list of
*sequence records*, the form the project's own ``annotations.json`` holds
(:class:`~plugin.datasets.TrackingSequenceDataset` and
:class:`~plugin.datasets.SiamVideoPairDataset` read either):

* ``name`` (str): the sequence's name as the benchmark's toolkit spells it
  (result files are named after it);
* ``frames`` (list of N str): absolute frame paths, in time order;
* ``boxes`` (N, 4) float32: xyxy in continuous pixel coordinates
  (``[x, y, x + w, y + h]`` of the file's ``x, y, w, h``, as pysot reads
  them: no ``- 1`` for the 1-based benchmarks); NaN rows where the target is
  absent (flagged absent, fully occluded or out of view) or not annotated
  (the test splits of GOT-10k and TrackingNet give frame 0 only). NaN rows
  are never paired for training and are left out of one-pass evaluation;
* ``visible`` (N,) float32: the visible fraction where the layout gives it
  (GOT-10k's ``cover.label``), else 1 for annotated present frames and 0
  for absent ones;
* optionally ``occluded`` (N,) bool, ``attributes`` ({name: (N,) bool}),
  ``target_class`` (str), ``polygons`` (N, 8) float32 (VOT's regions, kept
  for its overlap) and ``img_shape`` ((H, W), when the layout states it).

Shapes: N frames of a sequence.
"""
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

import numpy as np

#: image file extensions a frame folder may hold (lower case)
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')


class SequenceReader:
    """Base class: ``read(data_root)`` gives the sequence records.

    Subclasses implement :meth:`read`; a missing file or a mismatched count
    raises a ``FileNotFoundError`` / ``ValueError`` naming the file.
    """

    def read(self, data_root: str) -> List[dict]:
        """The records of the dataset under ``data_root`` (see the module
        docstring)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v!r}' for k, v in vars(self).items())
        return f'{type(self).__name__}({args})'


def require(path: str, what: str) -> str:
    """``path`` if it exists, else a FileNotFoundError naming it and what it
    should be."""
    if not osp.exists(path):
        raise FileNotFoundError(f'{what} not found: {path}')
    return path


def read_numbers(path: str, columns: Optional[int] = None) -> np.ndarray:
    """A text file of numbers, one row per line: ``(L, columns)`` float64.

    Comma, tab and space separators are all accepted, mixed within one file
    (OTB's ``BlurCar1`` has a space-separated line among tab-separated
    ones); ``nan`` is read as NaN; empty lines are skipped.

    Raises:
        ValueError: If a line has another number of values than
            ``columns`` (default: the first line's), naming file and line.
    """
    rows = []
    with open(path, encoding='utf-8') as f:
        for num, line in enumerate(f, 1):
            fields = re.split(r'[,\s]+', line.strip())
            if fields == ['']:
                continue
            try:
                values = [float(v) for v in fields]
            except ValueError:
                raise ValueError(f'{path}:{num}: not numbers: '
                                 f'{line.strip()!r}') from None
            if columns is None:
                columns = len(values)
            if len(values) != columns:
                raise ValueError(f'{path}:{num}: {len(values)} values, '
                                 f'expected {columns}')
            rows.append(values)
    return np.asarray(rows, dtype=np.float64).reshape(-1, columns or 0)


def read_flags(path: str, num_frames: int) -> np.ndarray:
    """Per-frame 0/1 flags (one per line, or all on one comma-separated
    line as LaSOT writes them) as an (N,) bool array.

    A file shorter than the sequence is padded with False (VOT's tag files
    stop at the last flagged frame).

    Raises:
        ValueError: If it holds more flags than frames.
    """
    with open(path, encoding='utf-8') as f:
        fields = [v for v in re.split(r'[,\s]+', f.read()) if v]
    flags = np.zeros(num_frames, dtype=bool)
    if len(fields) > num_frames:
        raise ValueError(f'{path}: {len(fields)} flags for {num_frames} '
                         'frames')
    flags[:len(fields)] = [float(v) != 0 for v in fields]
    return flags


def xywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    """(N, 4) ``x, y, w, h`` -> float64 ``x1, y1, x2, y2``."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]],
                          axis=1)


def xyxy_to_xywh(boxes: np.ndarray) -> np.ndarray:
    """(N, 4) ``x1, y1, x2, y2`` -> float64 ``x, y, w, h`` (the inverse
    of :func:`xywh_to_xyxy`, for the result files and VOT's regions)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]],
                          axis=1)


def annotated_boxes(gt: np.ndarray, num_frames: int) -> np.ndarray:
    """(N, 4) float32 xyxy boxes of a sequence from its gt file's boxes:
    all of them, or, where the file has one line (the test splits of
    GOT-10k and TrackingNet), frame 0's and NaN after."""
    if len(gt) != 1:
        return np.asarray(gt, np.float32)
    boxes = np.full((num_frames, 4), np.nan, np.float32)
    boxes[0] = gt[0]
    return boxes


def frame_number(name: str) -> int:
    """The number a frame file is named by (``00000012.jpg`` -> 12;
    TrackingNet's ``12.jpg`` -> 12)."""
    digits = re.findall(r'\d+', osp.splitext(name)[0])
    if not digits:
        raise ValueError(f'frame file without a number: {name}')
    return int(digits[-1])


def list_frames(folder: str) -> List[str]:
    """The image files of ``folder`` as absolute paths, ordered by their
    frame number (not by name: TrackingNet's ``10.jpg`` follows ``9.jpg``).

    Raises:
        FileNotFoundError: If the folder is missing or holds no image.
    """
    require(folder, 'frame folder')
    names = [n for n in os.listdir(folder)
             if n.lower().endswith(IMAGE_EXTENSIONS)]
    if not names:
        raise FileNotFoundError(f'no frames ({"/".join(IMAGE_EXTENSIONS)}) '
                                f'in {folder}')
    names.sort(key=frame_number)
    return [osp.abspath(osp.join(folder, n)) for n in names]


def read_list(path: str) -> List[str]:
    """The non-empty lines of a list file (sequence names), stripped."""
    with open(require(path, 'list file'), encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip()]


def record(name: str, frames: Sequence[str], boxes: np.ndarray,
           absent: Optional[np.ndarray] = None,
           visible: Optional[np.ndarray] = None, **extra) -> Dict:
    """A sequence record (see the module docstring), boxes of ``absent``
    frames set to NaN and ``visible`` defaulting to 1 (0 where absent).

    Raises:
        ValueError: If frames and boxes differ in number.
    """
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    if len(frames) != len(boxes):
        raise ValueError(f'sequence {name}: {len(frames)} frames but '
                         f'{len(boxes)} boxes')
    absent = np.zeros(len(boxes), bool) if absent is None else \
        np.asarray(absent, bool)
    boxes = np.where(absent[:, None], np.float32(np.nan), boxes)
    if visible is None:
        visible = np.where(absent | ~np.isfinite(boxes).all(1), 0., 1.)
    visible = np.where(absent, 0., visible).astype(np.float32)
    return dict(name=name, frames=list(frames), boxes=boxes,
                visible=visible, **extra)
