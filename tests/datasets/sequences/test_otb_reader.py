"""Tests for plugin.datasets.sequences.otb.OTBReader on a tiny folder in
OTB100's layout, with its quirks."""
import pytest

from plugin.datasets.sequences import OTBReader


def _sequence(root, name, frame_numbers, targets, digits=4):
    (root / name / 'img').mkdir(parents=True)
    for n in frame_numbers:
        (root / name / 'img' / f'{n:0{digits}d}.jpg').write_bytes(b'')
    for file, text in targets.items():
        (root / name / file).write_text(text)


@pytest.fixture
def otb(tmp_path):
    # tab-separated with one space-separated line (BlurCar1)
    _sequence(tmp_path, 'BlurCar1', [247, 248, 249],
              {'groundtruth_rect.txt': '1\t2\t3\t4\n2 3\t4\t5\n3\t4\t5\t6\n'})
    # two targets
    _sequence(tmp_path, 'Jogging', [1, 2],
              {'groundtruth_rect.1.txt': '1,1,2,2\n1,1,2,2\n',
               'groundtruth_rect.2.txt': '5,5,2,2\n6,6,2,2\n'})
    # an empty first target file: one sequence, named after the folder
    _sequence(tmp_path, 'Human4', [1, 2],
              {'groundtruth_rect.1.txt': '',
               'groundtruth_rect.2.txt': '9,9,1,1\n9,9,1,1\n'})
    # fewer boxes than frames: David's annotated range is 300-770
    _sequence(tmp_path, 'David', range(1, 772), {
        'groundtruth_rect.txt': '1,1,1,1\n' * 471})
    # five-digit frame names (Board)
    _sequence(tmp_path, 'Board', [1, 2], {
        'groundtruth_rect.txt': '0,0,1,1\n0,0,1,1\n'}, digits=5)
    return str(tmp_path)


def test_quirks(otb):
    seqs = {s['name']: s for s in OTBReader().read(otb)}
    assert sorted(seqs) == ['BlurCar1', 'Board', 'David', 'Human4',
                            'Jogging-1', 'Jogging-2']
    car = seqs['BlurCar1']
    assert [f.rsplit('/', 1)[1] for f in car['frames']] == [
        '0247.jpg', '0248.jpg', '0249.jpg']
    assert car['boxes'].tolist() == [[1, 2, 4, 6], [2, 3, 6, 8],
                                     [3, 4, 8, 10]]
    assert seqs['Jogging-2']['boxes'][1].tolist() == [6, 6, 8, 8]
    assert seqs['Jogging-1']['frames'] == seqs['Jogging-2']['frames']
    assert seqs['Human4']['boxes'][0].tolist() == [9, 9, 10, 10]
    david = seqs['David']['frames']
    assert len(david) == 471
    assert [david[0].rsplit('/', 1)[1], david[-1].rsplit('/', 1)[1]] == [
        '0300.jpg', '0770.jpg']


def test_subset_and_count_mismatch(otb, tmp_path):
    assert [s['name'] for s in OTBReader(['Board']).read(otb)] == ['Board']
    (tmp_path / 'Board' / 'groundtruth_rect.txt').write_text('0,0,1,1\n')
    with pytest.raises(ValueError, match='sequence Board: 2 frames but 1 '
                       'boxes'):
        OTBReader(['Board']).read(otb)
