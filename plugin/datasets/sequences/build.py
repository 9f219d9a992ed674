"""The sequence records of a dataset: its ``reader``'s, or its
``annotations.json``'s (one helper for both sequence datasets)."""
from typing import List, Optional, Union

from plugin.registry import SEQUENCE_READERS
from .annotations_json import AnnotationsJsonReader
from .base import SequenceReader


def read_sequences(reader: Optional[Union[dict, SequenceReader]],
                   data_root: str, ann_file: str,
                   frame_root: Optional[str] = None) -> List[dict]:
    """Records from ``reader`` (a config dict or an instance) over
    ``data_root``, or, when it is None, from the ``ann_file`` that the
    dataset resolved (frame paths relative to ``frame_root`` or the file's
    folder).

    Raises:
        ValueError: If ``reader`` is given with an ``ann_file`` (one source
            of annotations per dataset).
    """
    if reader is None:
        return AnnotationsJsonReader(ann_file, frame_root).read('')
    if ann_file:
        raise ValueError(f'give either a reader or ann_file, not both '
                         f'(ann_file={ann_file!r})')
    if isinstance(reader, dict):
        reader = SEQUENCE_READERS.build(reader)
    return reader.read(data_root)
