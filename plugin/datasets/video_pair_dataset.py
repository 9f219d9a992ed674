"""Template/search training pairs drawn from two frames of a video
(SiamRPN as seed 001 trains it on GOT-10k; pysot's ``SubDataset``).

Shapes: S sequences, N frames of a sequence.
"""
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.fileio import load

from plugin.registry import DATASETS

__all__ = ['SiamVideoPairDataset']


@DATASETS.register_module()
class SiamVideoPairDataset(BaseDataset):
    """Pairs of frames of one sequence, for :class:`SiamPairCrop`.

    Reads the sequence format of :class:`TrackingSequenceDataset`
    (``annotations.json``: per sequence ``frames``, ``boxes`` and,
    optionally, ``visible``). A frame is usable as a pair member when its
    target is visible (``visible`` above ``min_visible``; a sequence
    without the field counts as fully visible) and its box sides are at
    least ``min_size``. Sequences with no usable frame are dropped.

    Item ``i`` of an epoch takes sequence ``i mod S`` (so ``num_pairs``
    spreads the pairs evenly over the sequences, as pysot's ``pick`` list
    does), a usable template frame ``t`` uniformly, then a usable search
    frame ``u`` with ``|u - t| <= frame_range`` uniformly (pysot's
    ``FRAME_RANGE``; 0 gives ``u = t``: the still-image pairs). The draws
    use numpy's global generator, which mmengine seeds per worker, so each
    visit of an index gives another pair.

    Each item (before the pipeline) has ``img_path`` (template frame),
    ``search_img_path``, ``gt_bboxes`` (1, 4) float32 xyxy (the template
    frame's box), ``search_gt_bboxes`` (1, 4), ``frame_gap`` (``u - t``),
    ``seq_name``, ``template_frame`` and ``search_frame_index``.
    ``plugin.LoadPairFrames`` then reads both frames.

    Args:
        frame_range: Largest frame distance between template and search.
        num_pairs: Pairs per epoch (pysot's ``NUM_USE``); None: one per
            usable frame of all sequences.
        min_visible: A frame whose visible fraction is at most this is not a
            pair member (0: only fully hidden or absent frames are
            skipped).
        min_size: Smallest box side in pixels of a pair member (4: as
            ``SiamPairCrop``'s ``min_size``).
        **kwargs: :class:`mmengine.dataset.BaseDataset`'s arguments
            (``ann_file``, ``data_root``, ``pipeline``...). Frame paths are
            relative to ``data_prefix['img_path']``, or to the annotation
            file's folder when that is empty.
    """

    METAINFO = dict(classes=('target', ))

    def __init__(self,
                 *args,
                 frame_range: int = 100,
                 num_pairs: Optional[int] = None,
                 min_visible: float = 0.,
                 min_size: float = 4.,
                 **kwargs) -> None:
        if frame_range < 0:
            raise ValueError(f'frame_range must be >= 0, got {frame_range}')
        if num_pairs is not None and num_pairs < 1:
            raise ValueError(f'num_pairs must be >= 1, got {num_pairs}')
        if not 0 <= min_visible < 1:
            raise ValueError(
                f'min_visible must be in [0, 1), got {min_visible}')
        self.frame_range = int(frame_range)
        self.num_pairs = num_pairs
        self.min_visible = float(min_visible)
        self.min_size = float(min_size)
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        """One dict per sequence with usable frames: ``seq_name``,
        ``frame_paths`` (N absolute paths), ``gt_bboxes`` (N, 4) float32,
        ``usable`` (sorted frame indices).

        Raises:
            ValueError: If a sequence's frame and box counts differ, or no
                sequence has a usable frame.
        """
        data = load(self.ann_file)
        root = self.data_prefix.get('img_path') or osp.dirname(self.ann_file)
        data_list = []
        for seq in data['sequences']:
            frames, boxes = seq['frames'], seq['boxes']
            if len(frames) != len(boxes):
                raise ValueError(f'sequence {seq["name"]}: {len(frames)} '
                                 f'frames but {len(boxes)} boxes')
            boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
            visible = np.asarray(seq.get('visible', [1.] * len(frames)),
                                 np.float64)
            sides = boxes[:, 2:] - boxes[:, :2]
            ok = (visible > self.min_visible) & np.isfinite(boxes).all(1) & (
                sides.min(axis=1) >= self.min_size)
            usable = np.flatnonzero(ok)
            if usable.size == 0:
                continue
            data_list.append(
                dict(
                    seq_name=seq['name'],
                    frame_paths=[osp.abspath(osp.join(root, f))
                                 for f in frames],
                    gt_bboxes=boxes,
                    usable=usable))
        if not data_list:
            raise ValueError(f'{self.ann_file}: no sequence has a frame '
                             'usable as a pair member')
        return data_list

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        if self.num_pairs is not None:
            return self.num_pairs
        return int(sum(len(self.get_sequence(i)['usable'])
                       for i in range(super().__len__())))

    def get_sequence(self, idx: int) -> dict:
        """Sequence ``idx`` as :meth:`load_data_list` gives it."""
        return super().get_data_info(idx)

    def get_data_info(self, idx: int) -> dict:
        """A fresh random pair from sequence ``idx mod S`` (see the class
        docstring)."""
        seq = self.get_sequence(idx % super().__len__())
        usable = seq['usable']
        t = int(usable[np.random.randint(len(usable))])
        window = usable[np.abs(usable - t) <= self.frame_range]
        u = int(window[np.random.randint(len(window))])
        boxes = seq['gt_bboxes']
        return dict(
            seq_name=seq['seq_name'],
            img_path=seq['frame_paths'][t],
            search_img_path=seq['frame_paths'][u],
            gt_bboxes=boxes[t:t + 1].copy(),
            search_gt_bboxes=boxes[u:u + 1].copy(),
            template_frame=t,
            search_frame_index=u,
            frame_gap=u - t,
            sample_idx=idx)
