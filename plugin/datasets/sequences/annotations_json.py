"""The project's own sequence format: one ``annotations.json`` per split
(written by :func:`plugin.datasets.shapes_tracking.make_shapes_tracking`),
``{"sequences": [{"name", "frames" (paths relative to the file's folder),
"boxes" (N x xyxy), "visible", "occluded", "attributes", "img_shape",
"target_class"}, ...]}``; every field after ``boxes`` is optional.

Shapes: N frames of a sequence.
"""
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.fileio import load

from plugin.registry import SEQUENCE_READERS
from .base import SequenceReader, record, require

#: the optional per-sequence fields passed through as they are
_PASSED = ('target_class', 'num_distractors')


@SEQUENCE_READERS.register_module()
class AnnotationsJsonReader(SequenceReader):
    """Reads ``data_root/ann_file``.

    Args:
        ann_file (str): the file, relative to ``data_root`` (or absolute).
        frame_root (str, optional): where the frame paths are relative to
            (default: the annotation file's folder).
    """

    def __init__(self, ann_file: str = 'annotations.json',
                 frame_root: Optional[str] = None) -> None:
        self.ann_file = ann_file
        self.frame_root = frame_root

    def read(self, data_root: str) -> List[dict]:
        """The file's sequences as records.

        Raises:
            FileNotFoundError: If the file is missing.
            ValueError: If a sequence's frame and box counts differ, or an
                attribute does not have one flag per frame.
        """
        path = require(osp.join(data_root, self.ann_file), 'annotation file')
        root = self.frame_root or osp.dirname(path)
        records = []
        for seq in load(path)['sequences']:
            name, frames = seq['name'], seq['frames']
            boxes = np.asarray(seq['boxes'], np.float32).reshape(-1, 4)
            extra = {k: seq[k] for k in _PASSED if k in seq}
            if 'img_shape' in seq:
                extra['img_shape'] = tuple(int(v) for v in seq['img_shape'])
            if 'occluded' in seq:
                extra['occluded'] = np.asarray(seq['occluded'], bool)
            if 'attributes' in seq:
                extra['attributes'] = _attributes(seq, len(frames))
            visible = seq.get('visible')
            records.append(record(
                name, [osp.abspath(osp.join(root, f)) for f in frames], boxes,
                visible=None if visible is None else np.asarray(
                    visible, np.float32), **extra))
        return records


def _attributes(seq: dict, num_frames: int) -> dict:
    """A sequence's ``attributes`` as name -> (N,) bool arrays.

    Raises:
        ValueError: If the field is not a dict of lists of N bools.
    """
    attributes = seq['attributes']
    if not isinstance(attributes, dict):
        raise ValueError(f'sequence {seq["name"]}: "attributes" must map '
                         f'names to per-frame flags, got '
                         f'{type(attributes).__name__}')
    out = {}
    for name, flags in attributes.items():
        if not isinstance(flags, list) or not all(
                isinstance(f, (bool, int)) for f in flags):
            raise ValueError(f'sequence {seq["name"]}: attribute {name!r} '
                             f'must be a list of bools, got {flags!r:.60}')
        if len(flags) != num_frames:
            raise ValueError(f'sequence {seq["name"]}: attribute {name!r} '
                             f'has {len(flags)} flags but {num_frames} '
                             'frames')
        out[name] = np.asarray(flags, dtype=bool)
    return out
