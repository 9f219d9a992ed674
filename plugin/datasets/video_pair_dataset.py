"""Template/search training pairs drawn from two frames of a video
(SiamRPN as seed 001 trains it on GOT-10k; pysot's ``SubDataset``).

Shapes: S sequences, N frames of a sequence.
"""
from typing import List, Optional

import numpy as np
from mmengine.dataset import BaseDataset

from plugin.registry import DATASETS
from .sequences.build import read_sequences

__all__ = ['SiamVideoPairDataset']


@DATASETS.register_module()
class SiamVideoPairDataset(BaseDataset):
    """Pairs of frames of one sequence, for :class:`SiamPairCrop`.

    Reads the sequences as :class:`TrackingSequenceDataset` does (the
    project's ``annotations.json``, or a standard layout through
    ``reader``: GOT-10k, LaSOT, TrackingNet, OTB, VOT). A frame is usable as a pair member when its
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

    Hard negatives (DaSiamRPN's distractor-aware training), with
    probability ``hard_neg_prob``: the search frame is a usable frame of
    *another* sequence whose target has the template's class
    (``target_class`` in the annotations; any other sequence when none has
    it or no other sequence shares it), and the item has
    ``hard_negative=True``: :class:`SiamPairCrop` centres the search crop on
    that sequence's target and labels the pair negative. The search region
    then shows an object that looks like the template but is not it, which
    is what a tracker confuses with its target; pysot's own negatives are
    random objects of other videos. ``frame_gap`` is 0 for these pairs.
    The decision is drawn only when ``hard_neg_prob > 0``, so that the
    random stream (and training) without the option is unchanged.

    Args:
        frame_range: Largest frame distance between template and search.
        num_pairs: Pairs per epoch (pysot's ``NUM_USE``); None: one per
            usable frame of all sequences.
        min_visible: A frame whose visible fraction is at most this is not a
            pair member (0: only fully hidden or absent frames are
            skipped).
        min_size: Smallest box side in pixels of a pair member (4: as
            ``SiamPairCrop``'s ``min_size``).
        hard_neg_prob: Probability of a hard negative pair (see above; 0:
            none).
        reader: a sequence reader's config (e.g. ``dict(
            type='plugin.GOT10kReader', split='train')``, see
            :mod:`plugin.datasets.sequences`) reading ``data_root``, instead
            of ``ann_file`` (None: the project's ``annotations.json``).
            Absent, fully occluded and out-of-view frames have NaN boxes
            there, so they are never pair members.
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
                 hard_neg_prob: float = 0.,
                 reader: Optional[dict] = None,
                 **kwargs) -> None:
        if frame_range < 0:
            raise ValueError(f'frame_range must be >= 0, got {frame_range}')
        if num_pairs is not None and num_pairs < 1:
            raise ValueError(f'num_pairs must be >= 1, got {num_pairs}')
        if not 0 <= min_visible < 1:
            raise ValueError(
                f'min_visible must be in [0, 1), got {min_visible}')
        if not 0 <= hard_neg_prob <= 1:
            raise ValueError(
                f'hard_neg_prob must be in [0, 1], got {hard_neg_prob}')
        self.hard_neg_prob = float(hard_neg_prob)
        self.frame_range = int(frame_range)
        self.num_pairs = num_pairs
        self.min_visible = float(min_visible)
        self.min_size = float(min_size)
        self.reader = reader
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        """One dict per sequence with usable frames: ``seq_name``,
        ``frame_paths`` (N absolute paths), ``gt_bboxes`` (N, 4) float32,
        ``usable`` (sorted frame indices).

        Raises:
            ValueError: If a sequence's frame and box counts differ, or no
                sequence has a usable frame.
        """
        records = read_sequences(self.reader, self.data_root, self.ann_file,
                                 self.data_prefix.get('img_path'))
        data_list = []
        for seq in records:
            boxes, visible = seq['boxes'], seq['visible']
            sides = boxes[:, 2:] - boxes[:, :2]
            ok = (visible > self.min_visible) & np.isfinite(boxes).all(1) & (
                sides.min(axis=1) >= self.min_size)
            usable = np.flatnonzero(ok)
            if usable.size == 0:
                continue
            data_list.append(
                dict(
                    seq_name=seq['name'],
                    frame_paths=seq['frames'],
                    gt_bboxes=boxes,
                    usable=usable,
                    target_class=seq.get('target_class')))
        if not data_list:
            raise ValueError(f'{self.ann_file or self.reader}: no sequence '
                             'has a frame usable as a pair member')
        return data_list

    def full_init(self) -> None:
        """Load the sequences, then index the hard-negative candidates."""
        if self._fully_initialized:
            return
        super().full_init()
        # sequence -> the other sequences of its target's class (all the
        # others when it has no class or is alone in it)
        classes = [
            self.get_sequence(i)['target_class']
            for i in range(super().__len__())
        ]
        everyone = np.arange(len(classes))
        self._negatives = []
        for i, name in enumerate(classes):
            same = np.array([
                j for j, other in enumerate(classes)
                if j != i and name is not None and other == name
            ], np.int64)
            self._negatives.append(same if same.size else everyone[
                everyone != i])

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
        s = idx % super().__len__()
        seq = self.get_sequence(s)
        usable = seq['usable']
        t = int(usable[np.random.randint(len(usable))])
        window = usable[np.abs(usable - t) <= self.frame_range]
        u = int(window[np.random.randint(len(window))])
        negatives = self._negatives[s]
        if self.hard_neg_prob > 0 and np.random.random() < \
                self.hard_neg_prob and negatives.size:
            # the search frame from a look-alike sequence instead
            other = self.get_sequence(
                int(negatives[np.random.randint(len(negatives))]))
            u = int(other['usable'][np.random.randint(len(other['usable']))])
            return self._pair(idx, seq, t, other, u, frame_gap=0,
                              search_seq_name=other['seq_name'],
                              hard_negative=True)
        return self._pair(idx, seq, t, seq, u, frame_gap=u - t)

    @staticmethod
    def _pair(idx: int, seq: dict, t: int, search_seq: dict, u: int,
              **extra) -> dict:
        """The item of template frame ``t`` of ``seq`` and search frame
        ``u`` of ``search_seq`` (see the class docstring), plus ``extra``."""
        return dict(
            seq_name=seq['seq_name'],
            img_path=seq['frame_paths'][t],
            search_img_path=search_seq['frame_paths'][u],
            gt_bboxes=seq['gt_bboxes'][t:t + 1].copy(),
            search_gt_bboxes=search_seq['gt_bboxes'][u:u + 1].copy(),
            template_frame=t,
            search_frame_index=u,
            sample_idx=idx,
            **extra)
