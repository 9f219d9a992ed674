"""Tests for plugin.datasets.sequences.vot.VOTReader on tiny folders in
VOT's two layouts, and the polygon-to-box rule against pysot's."""
import numpy as np
import pytest

from plugin.datasets.sequences import VOTReader, polygon_to_box


def pysot_axis_aligned_bbox(region):
    """pysot's ``get_axis_aligned_bbox`` (pysot/utils/bbox.py), for an
    8-value region, returning (cx, cy, w, h): the oracle."""
    region = np.array(region, dtype=np.float64)
    cx, cy = np.mean(region[0::2]), np.mean(region[1::2])
    x1, x2 = min(region[0::2]), max(region[0::2])
    y1, y2 = min(region[1::2]), max(region[1::2])
    a1 = np.linalg.norm(region[0:2] - region[2:4]) * \
        np.linalg.norm(region[2:4] - region[4:6])
    a2 = (x2 - x1) * (y2 - y1)
    s = np.sqrt(a1 / a2)
    return cx, cy, s * (x2 - x1) + 1, s * (y2 - y1) + 1


def test_polygon_to_box_matches_pysot():
    # an axis-aligned square and a square rotated by 45 degrees
    polygons = np.array([[10, 10, 20, 10, 20, 20, 10, 20],
                         [15, 5, 25, 15, 15, 25, 5, 15]], float)
    boxes = polygon_to_box(polygons)
    # square: centre 15, side 10 + 1
    assert boxes[0].tolist() == [9.5, 9.5, 20.5, 20.5]
    for box, poly in zip(boxes, polygons):
        cx, cy, w, h = pysot_axis_aligned_bbox(poly)
        np.testing.assert_allclose(
            box, [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], rtol=1e-6)
    # rotated: area 200 over the 20 x 20 rectangle's 400: s = sqrt(1/2)
    np.testing.assert_allclose(boxes[1, 2] - boxes[1, 0],
                               20 * np.sqrt(0.5) + 1, rtol=1e-6)


def _sequence(folder, regions, tags=None, color=True):
    frames = folder / 'color' if color else folder
    frames.mkdir(parents=True)
    for t in range(1, len(regions) + 1):
        (frames / f'{t:08d}.jpg').write_bytes(b'')
    (folder / 'groundtruth.txt').write_text('\n'.join(regions))
    for name, text in (tags or {}).items():
        (folder / name).write_text(text)


def test_toolkit_layout_with_polygons_and_tags(tmp_path):
    seqs = tmp_path / 'sequences'
    _sequence(seqs / 'ants1', ['10,10,20,10,20,20,10,20'] * 3,
              tags={'occlusion.tag': '0\n1\n'})
    (seqs / 'list.txt').write_text('ants1\n')
    (seq, ) = VOTReader().read(str(tmp_path))
    assert seq['name'] == 'ants1'
    assert seq['frames'][0].endswith('ants1/color/00000001.jpg')
    assert seq['boxes'][2].tolist() == [9.5, 9.5, 20.5, 20.5]
    assert seq['polygons'][0].tolist() == [10, 10, 20, 10, 20, 20, 10, 20]
    assert seq['attributes']['occlusion'].tolist() == [False, True, False]


def test_flat_layout_with_rectangles(tmp_path):
    _sequence(tmp_path / 'ball', ['1,2,3,4', '2,3,4,5'], color=False)
    (tmp_path / 'list.txt').write_text('ball\n')
    (seq, ) = VOTReader().read(str(tmp_path))
    assert seq['boxes'].tolist() == [[1, 2, 4, 6], [2, 3, 6, 8]]
    assert seq['polygons'][0].tolist() == [1, 2, 4, 2, 4, 6, 1, 6]
    (tmp_path / 'ball' / 'groundtruth.txt').write_text('1,2,3,4,5,6\n' * 2)
    with pytest.raises(ValueError, match='regions of 6 values'):
        VOTReader().read(str(tmp_path))
