"""Tests for plugin.datasets.sequences.got10k.GOT10kReader on a tiny
folder in GOT-10k's layout."""
import numpy as np
import pytest

from plugin.datasets.sequences import GOT10kReader
from plugin.registry import SEQUENCE_READERS


def _sequence(root, name, gt_lines, absence=None, cover=None, meta=None,
              frames=3):
    folder = root / name
    folder.mkdir(parents=True)
    for t in range(1, frames + 1):
        (folder / f'{t:08d}.jpg').write_bytes(b'')
    (folder / 'groundtruth.txt').write_text('\n'.join(gt_lines) + '\n')
    if absence is not None:
        (folder / 'absence.label').write_text('\n'.join(absence) + '\n')
        (folder / 'cover.label').write_text('\n'.join(cover) + '\n')
    if meta is not None:
        (folder / 'meta_info.ini').write_text(meta)


@pytest.fixture
def got10k(tmp_path):
    train = tmp_path / 'train'
    _sequence(train, 'GOT-10k_Train_000001',
              ['10,20,30,40', '11,21,30,40', '12,22,30,40'],
              absence=['0', '1', '0'], cover=['8', '0', '4'],
              meta='[METAINFO]\nobject_class: ferret\n'
              'resolution: (1920, 1080)\n')
    _sequence(train, 'GOT-10k_Train_000002', ['1,2,3,4'] * 3,
              absence=['0'] * 3, cover=['8', '0', '8'])
    (train / 'list.txt').write_text(
        'GOT-10k_Train_000002\nGOT-10k_Train_000001\n')
    test = tmp_path / 'test'
    _sequence(test, 'GOT-10k_Test_000001', ['5,6,7,8'], frames=4)
    (test / 'list.txt').write_text('GOT-10k_Test_000001\n')
    return str(tmp_path)


def test_train_split(got10k):
    reader = SEQUENCE_READERS.build(dict(type='GOT10kReader', split='train'))
    first, second = reader.read(got10k)
    assert [first['name'], second['name']] == [
        'GOT-10k_Train_000002', 'GOT-10k_Train_000001']  # list.txt's order
    assert [f.rsplit('/', 1)[1] for f in second['frames']] == [
        '00000001.jpg', '00000002.jpg', '00000003.jpg']
    # frame 1 is absent: NaN box; cover 4 of 8 is half visible
    assert second['boxes'][0].tolist() == [10, 20, 40, 60]
    assert np.isnan(second['boxes'][1]).all()
    assert second['boxes'][2].tolist() == [12, 22, 42, 62]
    assert second['visible'].tolist() == [1.0, 0.0, 0.5]
    assert second['target_class'] == 'ferret'
    assert second['img_shape'] == (1080, 1920)
    # cover 0 without the absence flag: fully hidden, also blanked
    assert np.isnan(first['boxes'][1]).all()
    assert 'target_class' not in first


def test_test_split_has_frame_zero_only(got10k):
    (seq, ) = GOT10kReader('test').read(got10k)
    assert seq['boxes'][0].tolist() == [5, 6, 12, 14]
    assert np.isnan(seq['boxes'][1:]).all()
    assert seq['visible'].tolist() == [1, 0, 0, 0]


def test_errors_name_the_file(got10k, tmp_path):
    with pytest.raises(ValueError, match='split must be train, val or test'):
        GOT10kReader('training')
    with pytest.raises(FileNotFoundError, match=r'list file not found: .*'
                       r'val/list.txt'):
        GOT10kReader('val').read(got10k)
    cover = tmp_path / 'train' / 'GOT-10k_Train_000002' / 'cover.label'
    cover.write_text('8\n8\n')
    with pytest.raises(ValueError, match='GOT-10k_Train_000002: 2 lines in '
                       'cover.label but 3 frames'):
        GOT10kReader('train').read(got10k)


def test_export_round_trip(tmp_path):
    """Records written in GOT-10k's layout read back the same."""
    from plugin.datasets.sequences import export_got10k
    frames = []
    for t in range(3):
        frames.append(str(tmp_path / f'f{t}.jpg'))
        (tmp_path / f'f{t}.jpg').write_bytes(b'')
    boxes = np.array([[1, 2, 4, 6], [np.nan] * 4, [2.5, 3, 5, 7.25]])
    seq = dict(name='clip', frames=frames, boxes=boxes,
               visible=np.array([1., 0., 0.5]), target_class='ring')
    root = export_got10k([seq], str(tmp_path / 'out'), split='val')
    assert root == str(tmp_path / 'out' / 'val')
    (back, ) = GOT10kReader('val').read(str(tmp_path / 'out'))
    assert back['name'] == 'clip' and back['target_class'] == 'ring'
    np.testing.assert_array_equal(back['boxes'], boxes.astype(np.float32))
    assert back['visible'].tolist() == [1.0, 0.0, 0.5]
