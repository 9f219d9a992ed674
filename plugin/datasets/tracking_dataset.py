"""Single-object tracking sequences: one dataset item per whole video.

Reads the ``annotations.json`` written by
:func:`plugin.datasets.shapes_tracking.make_shapes_tracking`; the frames are
loaded by ``plugin.LoadSequenceFrames`` and packed by
``plugin.PackSequenceInputs``.

Shapes: N frames of a sequence, A attributes.
"""
import os.path as osp
from typing import Dict, List, Optional

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.fileio import load

from plugin.registry import DATASETS

__all__ = ['TrackingSequenceDataset']


@DATASETS.register_module()
class TrackingSequenceDataset(BaseDataset):
    """Videos with one target box per frame (OTB-style one-pass evaluation).

    Frame paths in the annotation file are relative to
    ``data_prefix['img_path']`` (by default ``data_root``), or to the
    annotation file's folder when that is empty.

    Each item of ``load_data_list``: ``seq_name`` (str), ``frame_paths``
    (list of N absolute paths), ``gt_bboxes`` (N, 4) float32 xyxy,
    ``img_shape`` ((H, W) tuple), ``visible`` (N,) float32 and, when the file
    has them, ``occluded`` (N,) bool, ``target_class`` (str) and
    ``attributes`` (dict of A attribute names -> (N,) bool per-frame flags,
    e.g. OTB-style ``occlusion``, ``fast_motion``: any names, read from the
    sequence's optional ``"attributes": {name: [N bools]}``; the
    per-attribute success of ``tools/test_tracker.py`` uses them).

    Args:
        num_frames: Keep only the first ``num_frames`` frames of each
            sequence (None: all); for quick runs.
        max_sequences: Keep only the first ``max_sequences`` sequences
            (None: all).
        **kwargs: :class:`mmengine.dataset.BaseDataset`'s arguments
            (``ann_file``, ``data_root``, ``pipeline``, ``test_mode``,
            ``serialize_data``...).
    """

    METAINFO = dict(classes=('target', ))

    def __init__(self,
                 *args,
                 num_frames: Optional[int] = None,
                 max_sequences: Optional[int] = None,
                 **kwargs) -> None:
        # Before super().__init__: it calls load_data_list (unless lazy).
        if num_frames is not None and num_frames < 1:
            raise ValueError(f'num_frames must be >= 1, got {num_frames}')
        if max_sequences is not None and max_sequences < 0:
            raise ValueError(
                f'max_sequences must be >= 0, got {max_sequences}')
        self.num_frames = num_frames
        self.max_sequences = max_sequences
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        """One dict per sequence (see the class docstring).

        Raises:
            ValueError: If a sequence's frame and box counts differ, or an
                attribute does not have one flag per frame.
        """
        data = load(self.ann_file)
        root = self.data_prefix.get('img_path') or osp.dirname(self.ann_file)
        sequences = data['sequences']
        if self.max_sequences is not None:
            sequences = sequences[:self.max_sequences]
        data_list = []
        for seq in sequences:
            frames, boxes = seq['frames'], seq['boxes']
            if len(frames) != len(boxes):
                raise ValueError(f'sequence {seq["name"]}: {len(frames)} '
                                 f'frames but {len(boxes)} boxes')
            stop = len(frames) if self.num_frames is None else self.num_frames
            info = dict(
                seq_name=seq['name'],
                frame_paths=[
                    osp.abspath(osp.join(root, f)) for f in frames[:stop]
                ],
                gt_bboxes=np.asarray(boxes[:stop],
                                     dtype=np.float32).reshape(-1, 4),
                img_shape=tuple(int(v) for v in seq['img_shape']),
                # sequences without the field are taken as fully visible
                visible=np.asarray(
                    seq.get('visible', [1.0] * len(frames))[:stop],
                    dtype=np.float32))
            if 'occluded' in seq:
                info['occluded'] = np.asarray(seq['occluded'][:stop], bool)
            if 'target_class' in seq:
                info['target_class'] = seq['target_class']
            if 'attributes' in seq:
                info['attributes'] = self._attributes(seq, len(frames), stop)
            data_list.append(info)
        return data_list

    @staticmethod
    def _attributes(seq: dict, num_frames: int,
                    stop: int) -> Dict[str, np.ndarray]:
        """A sequence's ``attributes`` as name -> (stop,) bool arrays.

        Checked against the whole sequence before truncation, so a file
        with a wrong flag count fails whatever ``num_frames`` is.

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
                raise ValueError(f'sequence {seq["name"]}: attribute '
                                 f'{name!r} must be a list of bools, got '
                                 f'{flags!r:.60}')
            if len(flags) != num_frames:
                raise ValueError(f'sequence {seq["name"]}: attribute '
                                 f'{name!r} has {len(flags)} flags but '
                                 f'{num_frames} frames')
            out[name] = np.asarray(flags[:stop], dtype=bool)
        return out
