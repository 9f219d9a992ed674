"""VOT's layouts (https://www.votchallenge.net), the toolkit's and the old
flat one::

    data_root/                        or    data_root/
        list.txt                                list.txt
        sequences/ (optional level)             ants1/
            ants1/                                  00000001.jpg ...
                color/00000001.jpg ...              groundtruth.txt
                groundtruth.txt                     *.tag / *.label
                occlusion.tag ...

``groundtruth.txt`` holds a region per frame: a polygon of 8 values
(x1,y1,...,x4,y4, VOT2014 on) or a rectangle x,y,w,h. The polygon is kept
(``polygons``, for VOT's overlap) and turned into the axis-aligned box
pysot initialises its trackers with (``get_axis_aligned_bbox``: the
polygon's centre, and the bounding rectangle scaled by
``sqrt(polygon area / rectangle area)``, plus pysot's 1 px), as
``[cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]``, which gives pysot's
tracker state (centre and size) exactly. A rectangle is its own box, and
its polygon the rectangle's corners. The per-frame tag files (``*.tag``,
VOT2016's ``*.label``) become attributes, padded with 0 where a file stops
early.

Shapes: N frames of a sequence.
"""
import glob
import os.path as osp
from typing import List

import numpy as np

from plugin.registry import SEQUENCE_READERS
from .base import (SequenceReader, list_frames, read_flags, read_list,
                   read_numbers, record, require, xywh_to_xyxy)


def polygon_to_box(polygons: np.ndarray) -> np.ndarray:
    """pysot's axis-aligned box of VOT polygons.

    Args:
        polygons (np.ndarray): (N, 8) x1, y1, ..., x4, y4.

    Returns:
        np.ndarray: (N, 4) float32 xyxy, centred on the corners' mean, of
        sides ``s * (x2 - x1) + 1``, ``s * (y2 - y1) + 1`` with ``s`` the
        square root of the polygon's area (two adjacent sides' product, as
        pysot) over its bounding rectangle's.
    """
    p = np.asarray(polygons, np.float64).reshape(-1, 4, 2)
    centre = p.mean(axis=1)
    lo, hi = p.min(axis=1), p.max(axis=1)
    side = np.linalg.norm(p[:, 0] - p[:, 1], axis=1) * np.linalg.norm(
        p[:, 1] - p[:, 2], axis=1)
    rect = np.prod(hi - lo, axis=1)
    with np.errstate(divide='ignore', invalid='ignore'):
        scale = np.sqrt(side / rect)
    # 1: pysot's inclusive-pixel width (x2 - x1 + 1)
    size = scale[:, None] * (hi - lo) + 1
    return np.concatenate([centre - size / 2, centre + size / 2],
                          axis=1).astype(np.float32)


def rect_to_polygon(rects: np.ndarray) -> np.ndarray:
    """(N, 4) x, y, w, h -> (N, 8) corners, clockwise from top-left."""
    x, y, w, h = np.asarray(rects, np.float64).reshape(-1, 4).T
    return np.stack([x, y, x + w, y, x + w, y + h, x, y + h], axis=1)


@SEQUENCE_READERS.register_module()
class VOTReader(SequenceReader):
    """Reads a VOT year's sequences (``list.txt``'s order)."""

    def read(self, data_root: str) -> List[dict]:
        base = data_root
        if not osp.exists(osp.join(base, 'list.txt')) and osp.exists(
                osp.join(base, 'sequences', 'list.txt')):
            base = osp.join(base, 'sequences')
        records = []
        for name in read_list(osp.join(base, 'list.txt')):
            folder = require(osp.join(base, name), 'VOT sequence folder')
            color = osp.join(folder, 'color')
            frames = list_frames(color if osp.isdir(color) else folder)
            regions = read_numbers(osp.join(folder, 'groundtruth.txt'))
            if regions.shape[1] == 4:
                polygons = rect_to_polygon(regions)
                boxes = xywh_to_xyxy(regions)
            elif regions.shape[1] == 8:
                polygons, boxes = regions, polygon_to_box(regions)
            else:
                raise ValueError(f'{folder}/groundtruth.txt: regions of '
                                 f'{regions.shape[1]} values, expected 4 '
                                 'or 8')
            tags = sorted(glob.glob(osp.join(folder, '*.tag')) +
                          glob.glob(osp.join(folder, '*.label')))
            attributes = {
                osp.splitext(osp.basename(t))[0]: read_flags(t, len(frames))
                for t in tags
            }
            records.append(record(name, frames, boxes,
                                  polygons=polygons.astype(np.float32),
                                  attributes=attributes))
        return records
