"""Single-object tracking sequences: one dataset item per whole video.

Reads the ``annotations.json`` written by
:func:`plugin.datasets.shapes_tracking.make_shapes_tracking`, or a standard
benchmark's folder through a ``reader`` (:mod:`plugin.datasets.sequences`:
GOT-10k, LaSOT, TrackingNet, OTB, VOT); the frames are
loaded by ``plugin.LoadSequenceFrames`` and packed by
``plugin.PackSequenceInputs``.

Shapes: N frames of a sequence, A attributes.
"""
from typing import List, Optional

from mmengine.dataset import BaseDataset

from plugin.registry import DATASETS
from .sequences.build import read_sequences

__all__ = ['TrackingSequenceDataset']


@DATASETS.register_module()
class TrackingSequenceDataset(BaseDataset):
    """Videos with one target box per frame (OTB-style one-pass evaluation).

    Frame paths in the annotation file are relative to
    ``data_prefix['img_path']`` (by default ``data_root``), or to the
    annotation file's folder when that is empty.

    Each item of ``load_data_list``: ``seq_name`` (str), ``frame_paths``
    (list of N absolute paths), ``gt_bboxes`` (N, 4) float32 xyxy,
    ``visible`` (N,) float32 and, when the source has them, ``img_shape``
    ((H, W) tuple), ``occluded`` (N,) bool, ``polygons`` (N, 8) float32
    (VOT's regions), ``target_class`` (str) and
    ``attributes`` (dict of A attribute names -> (N,) bool per-frame flags,
    e.g. OTB-style ``occlusion``, ``fast_motion``: any names, read from the
    sequence's optional ``"attributes": {name: [N bools]}``; the
    per-attribute success of ``tools/test_tracker.py`` uses them).

    Args:
        num_frames: Keep only the first ``num_frames`` frames of each
            sequence (None: all); for quick runs.
        max_sequences: Keep only the first ``max_sequences`` sequences
            (None: all).
        reader: a sequence reader's config for a standard layout under
            ``data_root`` (``dict(type='plugin.GOT10kReader',
            split='val')``, see :mod:`plugin.datasets.sequences`), instead
            of ``ann_file`` (None: the project's ``annotations.json``).
        **kwargs: :class:`mmengine.dataset.BaseDataset`'s arguments
            (``ann_file``, ``data_root``, ``pipeline``, ``test_mode``,
            ``serialize_data``...).
    """

    METAINFO = dict(classes=('target', ))

    def __init__(self,
                 *args,
                 num_frames: Optional[int] = None,
                 max_sequences: Optional[int] = None,
                 reader: Optional[dict] = None,
                 **kwargs) -> None:
        # Before super().__init__: it calls load_data_list (unless lazy).
        if num_frames is not None and num_frames < 1:
            raise ValueError(f'num_frames must be >= 1, got {num_frames}')
        if max_sequences is not None and max_sequences < 0:
            raise ValueError(
                f'max_sequences must be >= 0, got {max_sequences}')
        self.num_frames = num_frames
        self.max_sequences = max_sequences
        self.reader = reader
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        """One dict per sequence (see the class docstring).

        Raises:
            ValueError: If a sequence's frame and box counts differ, or an
                attribute does not have one flag per frame.
        """
        records = read_sequences(self.reader, self.data_root, self.ann_file,
                                 self.data_prefix.get('img_path'))
        if self.max_sequences is not None:
            records = records[:self.max_sequences]
        data_list = []
        for seq in records:
            stop = len(seq['frames']) if self.num_frames is None else \
                self.num_frames
            info = dict(
                seq_name=seq['name'],
                frame_paths=seq['frames'][:stop],
                gt_bboxes=seq['boxes'][:stop],
                visible=seq['visible'][:stop])
            if 'img_shape' in seq:
                info['img_shape'] = seq['img_shape']
            for key in ('occluded', 'polygons'):
                if key in seq:
                    info[key] = seq[key][:stop]
            if 'target_class' in seq:
                info['target_class'] = seq['target_class']
            if 'attributes' in seq:
                info['attributes'] = {
                    k: v[:stop] for k, v in seq['attributes'].items()}
            data_list.append(info)
        return data_list
