"""GOT-10k's layout (http://got-10k.aitestunion.com)::

    data_root/
        train/ (or val/, test/)
            list.txt                    sequence folder names, one a line
            GOT-10k_Train_000001/
                00000001.jpg ...
                groundtruth.txt         x,y,w,h per frame (test: frame 0 only)
                absence.label           0/1 per frame (train, val)
                cover.label             0-8 per frame: visible share in
                                        eighths, 0 fully hidden (train, val)
                meta_info.ini           object_class, resolution, ...

Absent or fully covered frames get NaN boxes (never paired, not scored);
``visible`` is ``cover / 8``. The test split's other frames have no box:
its figures come from GOT-10k's evaluation server only (write the results
with ``tools/test_tracker.py --format got10k``).

Shapes: N frames of a sequence.
"""
import os.path as osp
from typing import Dict, List

import numpy as np

from plugin.registry import SEQUENCE_READERS
from .base import (SequenceReader, list_frames, read_list, read_numbers,
                   record, require, xywh_to_xyxy)

#: cover.label's top value: the whole target visible (8 eighths)
_FULL_COVER = 8.0


def read_meta(path: str) -> Dict[str, str]:
    """``meta_info.ini``'s ``key: value`` lines as a dict (no sections)."""
    meta = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            key, sep, value = line.partition(':')
            if sep:
                meta[key.strip()] = value.strip()
    return meta


@SEQUENCE_READERS.register_module()
class GOT10kReader(SequenceReader):
    """Reads one split of GOT-10k.

    Args:
        split (str): ``train``, ``val`` or ``test``: the sub-folder.
    """

    def __init__(self, split: str = 'train') -> None:
        if split not in ('train', 'val', 'test'):
            raise ValueError(f'split must be train, val or test, got '
                             f'{split!r}')
        self.split = split

    def read(self, data_root: str) -> List[dict]:
        root = osp.join(data_root, self.split)
        records = []
        for name in read_list(osp.join(root, 'list.txt')):
            folder = osp.join(root, name)
            frames = list_frames(folder)
            gt = read_numbers(
                require(osp.join(folder, 'groundtruth.txt'), 'groundtruth'),
                4)
            boxes = np.full((len(frames), 4), np.nan, np.float32)
            if len(gt) == 1:  # the test split: frame 0 only
                boxes[0] = xywh_to_xyxy(gt)[0]
            else:
                boxes = xywh_to_xyxy(gt)
            absent = visible = None
            if osp.exists(osp.join(folder, 'absence.label')):
                absence = read_numbers(osp.join(folder, 'absence.label'),
                                       1)[:, 0]
                cover = read_numbers(
                    require(osp.join(folder, 'cover.label'), 'cover.label'),
                    1)[:, 0]
                _check_count(name, 'absence.label', absence, frames)
                _check_count(name, 'cover.label', cover, frames)
                absent = (absence != 0) | (cover == 0)
                visible = cover / _FULL_COVER
            extra = {}
            meta_file = osp.join(folder, 'meta_info.ini')
            if osp.exists(meta_file):
                meta = read_meta(meta_file)
                if meta.get('object_class'):
                    extra['target_class'] = meta['object_class']
                size = [int(v) for v in meta.get('resolution', '').strip(
                    '()').split(',') if v.strip()]
                if len(size) == 2:
                    extra['img_shape'] = (size[1], size[0])  # (W, H) there
            records.append(record(name, frames, boxes, absent, visible,
                                  **extra))
        return records


def _check_count(name: str, what: str, values: np.ndarray,
                 frames: List[str]) -> None:
    if len(values) != len(frames):
        raise ValueError(f'sequence {name}: {len(values)} lines in {what} '
                         f'but {len(frames)} frames')
