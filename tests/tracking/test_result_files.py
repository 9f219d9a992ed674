"""Tests for plugin.tracking.result_files: the toolkits' layouts."""
import numpy as np

from plugin.tracking.result_files import (OPE_WRITERS, per_frame_times,
                                          write_got10k, write_otb, write_vot)

BOXES = np.array([[10., 20., 40., 60.], [11.5, 20., 41.5, 61.25]])


def test_otb_lasot_trackingnet(tmp_path):
    path = write_otb(str(tmp_path), 'Basketball', BOXES)
    assert path == str(tmp_path / 'Basketball.txt')
    assert (tmp_path / 'Basketball.txt').read_text() == (
        '10.0000,20.0000,30.0000,40.0000\n'
        '11.5000,20.0000,30.0000,41.2500\n')
    assert OPE_WRITERS['lasot'] is OPE_WRITERS['trackingnet'] is write_otb


def test_got10k(tmp_path):
    write_got10k(str(tmp_path), 'GOT-10k_Test_000001', BOXES,
                 per_frame_times(0.5, 2))
    folder = tmp_path / 'GOT-10k_Test_000001'
    assert sorted(p.name for p in folder.iterdir()) == [
        'GOT-10k_Test_000001_001.txt', 'GOT-10k_Test_000001_time.txt']
    assert (folder / 'GOT-10k_Test_000001_001.txt').read_text().startswith(
        '10.0000,20.0000,30.0000,40.0000\n')
    assert (folder / 'GOT-10k_Test_000001_time.txt').read_text() == \
        '0.500000\n0.500000\n'


def test_vot_markers(tmp_path):
    # the trajectory's regions are x, y, w, h (BOXES[1] as such)
    write_vot(str(tmp_path), 'ants1',
              [1, (11.5, 20., 30., 41.25), 2, 0, 0, 0, 0, 1])
    text = (tmp_path / 'baseline' / 'ants1' / 'ants1_001.txt').read_text()
    assert text.splitlines() == [
        '1', '11.5000,20.0000,30.0000,41.2500', '2', '0', '0', '0', '0', '1']


def test_per_frame_times():
    assert per_frame_times(3.0, 4).tolist() == [1.0, 1.0, 1.0, 1.0]
    assert per_frame_times(None, 1).tolist() == [0.0]
