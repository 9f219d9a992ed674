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
import os
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np

from plugin.registry import SEQUENCE_READERS
from .base import (SequenceReader, annotated_boxes, list_frames, read_list,
                   read_numbers, record, require, xywh_to_xyxy,
                   xyxy_to_xywh)

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
            boxes = annotated_boxes(xywh_to_xyxy(gt), len(frames))
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


def export_got10k(records: Sequence[dict], out_dir: str,
                  split: str = 'train') -> str:
    """Write sequence records in GOT-10k's layout (frames linked, not
    copied): e.g. the synthetic videos, for a pipeline that expects
    GOT-10k, or to time :class:`GOT10kReader` against ``annotations.json``.

    Boxes go out as ``x,y,w,h`` (4 decimals); NaN boxes as absent frames
    (``absence.label`` 1, ``cover.label`` 0, a zero box), other frames with
    ``cover`` = round(8 x visible), at least 1.

    Returns:
        str: ``out_dir/split``, which holds ``list.txt``.
    """
    root = osp.join(out_dir, split)
    names = []
    for seq in records:
        folder = osp.join(root, seq['name'])
        os.makedirs(folder, exist_ok=True)
        for t, frame in enumerate(seq['frames']):
            link = osp.join(folder,
                            f'{t + 1:08d}{osp.splitext(frame)[1]}')
            if not osp.lexists(link):
                os.symlink(osp.abspath(frame), link)
        boxes = np.asarray(seq['boxes'], np.float64)
        absent = ~np.isfinite(boxes).all(1)
        xywh = np.where(absent[:, None], 0., xyxy_to_xywh(boxes))
        cover = np.where(absent, 0, np.maximum(
            1, np.rint(_FULL_COVER * np.asarray(seq['visible'])))).astype(int)
        with open(osp.join(folder, 'groundtruth.txt'), 'w') as f:
            f.writelines(','.join(f'{v:.4f}' for v in row) + '\n'
                         for row in xywh)
        with open(osp.join(folder, 'absence.label'), 'w') as f:
            f.writelines(f'{int(a)}\n' for a in absent)
        with open(osp.join(folder, 'cover.label'), 'w') as f:
            f.writelines(f'{c}\n' for c in cover)
        if seq.get('target_class'):
            with open(osp.join(folder, 'meta_info.ini'), 'w') as f:
                f.write(f'[METAINFO]\nobject_class: {seq["target_class"]}\n')
        names.append(seq['name'])
    with open(osp.join(root, 'list.txt'), 'w') as f:
        f.writelines(n + '\n' for n in names)
    return root
