"""Tests for plugin.datasets.sequences.base: the parsing the layouts
share."""
import numpy as np
import pytest

from plugin.datasets.sequences.base import (list_frames, read_flags,
                                            read_numbers, record,
                                            xywh_to_xyxy)


def test_read_numbers_accepts_mixed_separators(tmp_path):
    # OTB's BlurCar1 mixes tabs and spaces; others use commas
    path = tmp_path / 'gt.txt'
    path.write_text('1,2,3,4\n5\t6\t7\t8\n9 10\t11,12\n\nnan,1,2,3\n')
    out = read_numbers(str(path), 4)
    assert out[:3].tolist() == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]
    assert np.isnan(out[3, 0]) and out[3, 1:].tolist() == [1, 2, 3]


def test_read_numbers_names_a_bad_line(tmp_path):
    path = tmp_path / 'gt.txt'
    path.write_text('1,2,3,4\n1,2,3\n')
    with pytest.raises(ValueError, match=r'gt.txt:2: 3 values, expected 4'):
        read_numbers(str(path))
    path.write_text('1,2,x,4\n')
    with pytest.raises(ValueError, match=r'gt.txt:1: not numbers'):
        read_numbers(str(path))


def test_read_flags_pads_short_files(tmp_path):
    one_line = tmp_path / 'full_occlusion.txt'
    one_line.write_text('0,1,1,0')  # LaSOT: one comma-separated line
    assert read_flags(str(one_line), 4).tolist() == [False, True, True, False]
    short = tmp_path / 'occlusion.tag'
    short.write_text('0\n1\n')  # VOT: the file stops at the last flag
    assert read_flags(str(short), 4).tolist() == [False, True, False, False]
    with pytest.raises(ValueError, match='5 flags for 4 frames'):
        one_line.write_text('0,0,0,0,1')
        read_flags(str(one_line), 4)


def test_frames_ordered_by_number_not_name(tmp_path):
    for n in (10, 9, 0, 1):
        (tmp_path / f'{n}.jpg').write_bytes(b'')
    (tmp_path / 'notes.txt').write_text('')
    names = [p.rsplit('/', 1)[1] for p in list_frames(str(tmp_path))]
    assert names == ['0.jpg', '1.jpg', '9.jpg', '10.jpg']
    with pytest.raises(FileNotFoundError, match='frame folder not found'):
        list_frames(str(tmp_path / 'missing'))


def test_record_blanks_absent_frames():
    boxes = xywh_to_xyxy([[1, 2, 3, 4], [5, 6, 7, 8], [0, 0, 0, 0]])
    assert boxes[:2].tolist() == [[1, 2, 4, 6], [5, 6, 12, 14]]
    rec = record('s', ['a', 'b', 'c'], boxes,
                 absent=np.array([False, True, False]))
    assert rec['name'] == 's'
    assert np.isnan(rec['boxes'][1]).all()
    assert rec['boxes'][2].tolist() == [0, 0, 0, 0]
    assert rec['visible'].tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match='sequence s: 2 frames but 3 boxes'):
        record('s', ['a', 'b'], boxes)
