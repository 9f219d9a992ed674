"""Tests for plugin.datasets.sequences.lasot.LaSOTReader on a tiny folder
in LaSOT's layout."""
import numpy as np
import pytest

from plugin.datasets.sequences import LaSOTReader


@pytest.fixture
def lasot(tmp_path):
    for name, gts in (('cat-1', ['1,2,3,4', '0,0,0,0', '2,3,4,5',
                                 '3,4,5,6']),
                      ('cat-2', ['1,1,2,2'] * 4), ('dog-3', ['5,5,5,5'] * 4)):
        folder = tmp_path / name.split('-')[0] / name
        (folder / 'img').mkdir(parents=True)
        for t in range(1, 5):
            (folder / 'img' / f'{t:08d}.jpg').write_bytes(b'')
        (folder / 'groundtruth.txt').write_text('\n'.join(gts))
        (folder / 'full_occlusion.txt').write_text('0,1,0,0')
        (folder / 'out_of_view.txt').write_text('0,0,0,1')
    (tmp_path / 'testing_set.txt').write_text('dog-3\ncat-1\n')
    (tmp_path / 'training_set.txt').write_text('cat-2\n')
    return str(tmp_path)


def test_official_test_split(lasot):
    dog, cat = LaSOTReader('test').read(lasot)
    assert [dog['name'], cat['name']] == ['dog-3', 'cat-1']
    assert cat['target_class'] == 'cat'
    # frame 1 fully occluded (gt 0,0,0,0), frame 3 out of view: NaN boxes
    assert cat['boxes'][0].tolist() == [1, 2, 4, 6]
    assert cat['boxes'][2].tolist() == [2, 3, 6, 8]
    assert np.isnan(cat['boxes'][[1, 3]]).all()
    assert cat['visible'].tolist() == [1, 0, 1, 0]
    assert cat['occluded'].tolist() == [False, True, False, False]
    assert cat['attributes']['out_of_view'].tolist() == [
        False, False, False, True]


def test_train_all_and_own_split_file(lasot, tmp_path):
    assert [s['name'] for s in LaSOTReader('train').read(lasot)] == ['cat-2']
    assert [s['name'] for s in LaSOTReader('all').read(lasot)] == [
        'cat-1', 'cat-2', 'dog-3']
    (tmp_path / 'mine.txt').write_text('cat-2\ndog-3\n')
    assert [s['name'] for s in LaSOTReader(
        'all', split_file='mine.txt').read(lasot)] == ['cat-2', 'dog-3']
    (tmp_path / 'testing_set.txt').write_text('cat-9\n')
    with pytest.raises(FileNotFoundError, match='LaSOT sequence folder not '
                       r'found: .*cat/cat-9'):
        LaSOTReader('test').read(lasot)
