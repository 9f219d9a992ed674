"""LaSOT's layout (https://cis.temple.edu/lasot)::

    data_root/
        training_set.txt, testing_set.txt   the official split lists
                                            (sequence names, e.g. airplane-1)
        airplane/
            airplane-1/
                img/00000001.jpg ...
                groundtruth.txt             x,y,w,h per frame
                full_occlusion.txt          0/1 per frame, on one line
                out_of_view.txt             0/1 per frame, on one line

Fully occluded and out-of-view frames get NaN boxes (never paired, not
scored), and both flags are kept as per-frame attributes. The category
folder names the target's class. Evaluation: LaSOT's protocol is the
one-pass one with normalised precision, as ``OPEMetric`` computes.

Shapes: N frames of a sequence.
"""
import os
import os.path as osp
from typing import List, Optional

from plugin.registry import SEQUENCE_READERS
from .base import (SequenceReader, list_frames, read_flags, read_list,
                   read_numbers, record, require, xywh_to_xyxy)

#: the split lists LaSOT's toolkit ships
SPLIT_FILES = dict(train='training_set.txt', test='testing_set.txt')


@SEQUENCE_READERS.register_module()
class LaSOTReader(SequenceReader):
    """Reads LaSOT, all of it or one official split.

    Args:
        split (str): ``train``, ``test`` (the sequences of the official
            list, ``data_root/training_set.txt`` / ``testing_set.txt``) or
            ``all`` (every sequence folder).
        split_file (str, optional): a list file of sequence names to use
            instead of the official one (relative to ``data_root``).
    """

    def __init__(self, split: str = 'test',
                 split_file: Optional[str] = None) -> None:
        if split not in ('train', 'test', 'all'):
            raise ValueError(f'split must be train, test or all, got '
                             f'{split!r}')
        self.split = split
        self.split_file = split_file

    def names(self, data_root: str) -> List[str]:
        """The sequence names to read, in the list's order (``all``: every
        ``category/category-N`` folder, sorted)."""
        if self.split_file is not None or self.split != 'all':
            path = osp.join(data_root,
                            self.split_file or SPLIT_FILES[self.split])
            return read_list(path)
        return sorted(
            seq for cat in os.listdir(data_root)
            if osp.isdir(osp.join(data_root, cat))
            for seq in os.listdir(osp.join(data_root, cat))
            if osp.isdir(osp.join(data_root, cat, seq, 'img')))

    def read(self, data_root: str) -> List[dict]:
        records = []
        for name in self.names(data_root):
            category = name.rsplit('-', 1)[0]
            folder = require(osp.join(data_root, category, name),
                             'LaSOT sequence folder')
            frames = list_frames(osp.join(folder, 'img'))
            boxes = xywh_to_xyxy(
                read_numbers(osp.join(folder, 'groundtruth.txt'), 4))
            occluded = read_flags(
                osp.join(folder, 'full_occlusion.txt'), len(frames))
            out_of_view = read_flags(
                osp.join(folder, 'out_of_view.txt'), len(frames))
            records.append(record(
                name, frames, boxes, absent=occluded | out_of_view,
                target_class=category, occluded=occluded,
                attributes=dict(full_occlusion=occluded,
                                out_of_view=out_of_view)))
        return records
