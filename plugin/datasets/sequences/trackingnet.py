"""TrackingNet's layout (https://tracking-net.org)::

    data_root/
        TRAIN_0/ ... TRAIN_11/ (and TEST/)
            frames/<video>/0.jpg 1.jpg ...   numbered from 0, unpadded
            anno/<video>.txt                 x,y,w,h per frame (TEST: frame
                                             0 only)

Frames are ordered by number (``10.jpg`` after ``9.jpg``). The TEST
chunk's other frames have no box: its figures come from TrackingNet's
evaluation server only.

Shapes: N frames of a sequence.
"""
import os
import os.path as osp
import re
from typing import List, Optional, Sequence

from plugin.registry import SEQUENCE_READERS
from .base import (SequenceReader, annotated_boxes, list_frames,
                   read_numbers, record, require, xywh_to_xyxy)


@SEQUENCE_READERS.register_module()
class TrackingNetReader(SequenceReader):
    """Reads chunks of TrackingNet.

    Args:
        chunks (Sequence[str], optional): chunk folders, e.g.
            ``['TRAIN_0', 'TRAIN_1']`` or ``['TEST']`` (None: every
            ``TRAIN_k`` folder present, in k's order).
    """

    def __init__(self, chunks: Optional[Sequence[str]] = None) -> None:
        self.chunks = None if chunks is None else list(chunks)

    def read(self, data_root: str) -> List[dict]:
        chunks = self.chunks
        if chunks is None:
            chunks = sorted(
                (c for c in os.listdir(require(data_root, 'TrackingNet root'))
                 if re.fullmatch(r'TRAIN_\d+', c)),
                key=lambda c: int(c.split('_')[1]))
            if not chunks:
                raise FileNotFoundError(f'no TRAIN_k chunk in {data_root}')
        records = []
        for chunk in chunks:
            anno_dir = require(osp.join(data_root, chunk, 'anno'),
                               'TrackingNet anno folder')
            for file in sorted(os.listdir(anno_dir)):
                if not file.endswith('.txt'):
                    continue
                name = file[:-len('.txt')]
                frames = list_frames(osp.join(data_root, chunk, 'frames',
                                              name))
                gt = xywh_to_xyxy(read_numbers(osp.join(anno_dir, file), 4))
                records.append(record(name, frames,
                                      annotated_boxes(gt, len(frames))))
        return records
