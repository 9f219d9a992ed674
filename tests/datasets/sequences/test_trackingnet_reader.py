"""Tests for plugin.datasets.sequences.trackingnet.TrackingNetReader on a
tiny folder in TrackingNet's layout."""
import numpy as np
import pytest

from plugin.datasets.sequences import TrackingNetReader


def _video(root, chunk, name, gt_lines, frames):
    (root / chunk / 'frames' / name).mkdir(parents=True)
    (root / chunk / 'anno').mkdir(exist_ok=True)
    for t in range(frames):
        (root / chunk / 'frames' / name / f'{t}.jpg').write_bytes(b'')
    (root / chunk / 'anno' / f'{name}.txt').write_text('\n'.join(gt_lines))


@pytest.fixture
def trackingnet(tmp_path):
    # eleven frames: 10.jpg must come after 9.jpg
    _video(tmp_path, 'TRAIN_10', 'vid_b', ['1,1,1,1'] * 11, 11)
    _video(tmp_path, 'TRAIN_2', 'vid_a',
           [f'{t},0,2,2' for t in range(11)], 11)
    _video(tmp_path, 'TEST', 'vid_t', ['4,4,4,4'], 3)
    return str(tmp_path)


def test_train_chunks_in_numeric_order(trackingnet):
    a, b = TrackingNetReader().read(trackingnet)
    assert [a['name'], b['name']] == ['vid_a', 'vid_b']  # TRAIN_2, TRAIN_10
    assert [f.rsplit('/', 1)[1] for f in a['frames']][-3:] == [
        '8.jpg', '9.jpg', '10.jpg']
    assert a['boxes'][10].tolist() == [10, 0, 12, 2]


def test_test_chunk_has_frame_zero_only(trackingnet):
    (seq, ) = TrackingNetReader(chunks=['TEST']).read(trackingnet)
    assert seq['boxes'][0].tolist() == [4, 4, 8, 8]
    assert np.isnan(seq['boxes'][1:]).all()
    with pytest.raises(FileNotFoundError, match='anno folder not found'):
        TrackingNetReader(chunks=['TRAIN_0']).read(trackingnet)
