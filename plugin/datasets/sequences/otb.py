"""OTB100's layout (OTB2015, http://cvlab.hanyang.ac.kr/tracker_benchmark)::

    data_root/
        Basketball/
            img/0001.jpg ...
            groundtruth_rect.txt      x,y,w,h per frame; comma, tab or
                                      space separated (mixed in BlurCar1)
        Jogging/
            img/...
            groundtruth_rect.1.txt    two targets: sequences Jogging-1 and
            groundtruth_rect.2.txt    Jogging-2 (Skating2 likewise)

Quirks handled (pysot's and the got10k toolkit's lists agree on them):

* five sequences have fewer boxes than frames, the annotated frames being
  a range (:data:`FRAME_RANGES`: David is frames 300-770);
* some start late (BlurCar1 at 0247.jpg, BlurCar3, BlurCar4, and Board's
  five-digit names): frames are taken as numbered, whatever the first;
* a target file may be empty (Human4's ``groundtruth_rect.1.txt``): only
  the non-empty ones count, and a single one names the sequence after its
  folder.

Shapes: N frames of a sequence.
"""
import glob
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from plugin.registry import SEQUENCE_READERS
from .base import (SequenceReader, frame_number, list_frames, read_numbers,
                   record, require, xywh_to_xyxy)

#: the annotated frame numbers (first, last; inclusive) of the sequences
#: whose boxes cover part of their frames (OTB's sequence table)
FRAME_RANGES: Dict[str, Tuple[int, int]] = {
    'David': (300, 770),
    'Diving': (1, 215),
    'Football1': (1, 74),
    'Freeman3': (1, 460),
    'Freeman4': (1, 283),
}


@SEQUENCE_READERS.register_module()
class OTBReader(SequenceReader):
    """Reads OTB100 (or any subset, e.g. OTB50's names).

    Args:
        sequences (Sequence[str], optional): the folders to read (None:
            every folder with an ``img/`` sub-folder, sorted).
    """

    def __init__(self, sequences: Optional[Sequence[str]] = None) -> None:
        self.sequences = None if sequences is None else list(sequences)

    def read(self, data_root: str) -> List[dict]:
        folders = self.sequences
        if folders is None:
            folders = sorted(
                d for d in os.listdir(require(data_root, 'OTB root'))
                if osp.isdir(osp.join(data_root, d, 'img')))
        records = []
        for folder in folders:
            path = require(osp.join(data_root, folder), 'OTB sequence folder')
            frames = list_frames(osp.join(path, 'img'))
            if folder in FRAME_RANGES:
                first, last = FRAME_RANGES[folder]
                frames = [f for f in frames
                          if first <= frame_number(osp.basename(f)) <= last]
            targets = [f for f in sorted(
                glob.glob(osp.join(path, 'groundtruth_rect*.txt')))
                if osp.getsize(f) > 0]
            if not targets:
                raise FileNotFoundError(
                    f'no non-empty groundtruth_rect*.txt in {path}')
            for k, file in enumerate(targets):
                name = folder if len(targets) == 1 else f'{folder}-{k + 1}'
                boxes = xywh_to_xyxy(read_numbers(file, 4))
                records.append(record(name, frames, boxes))
        return records
