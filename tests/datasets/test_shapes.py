"""Tests for the synthetic shapes dataset (plugin.datasets.shapes)."""
import json
import os
import os.path as osp

import numpy as np
import pytest

from plugin.datasets import (SHAPES_CLASSES, SHAPES_METAINFO, SHAPES_PALETTE,
                             ShapeSpec, draw_shape, ensure_shapes_dataset,
                             generate_image, make_shapes_dataset)
from plugin.datasets.shapes import CROWDED_LAYOUT, DEFAULT_LAYOUT

# Small and fast: a few images of the smallest allowed kind of sizes.
SMALL = dict(num_train=8, num_val=4, num_test=3, seed=0, min_size=96,
             max_size=160)


def _files(root):
    """Relative path -> bytes of every file under root."""
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = f.read()
    return out


def _load(root, split):
    with open(
            osp.join(root, 'annotations', f'instances_{split}.json'),
            encoding='utf-8') as f:
        return json.load(f)


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('shapes') / 'a')
    summary = make_shapes_dataset(root, **SMALL)
    return root, summary


def test_metainfo():
    assert SHAPES_CLASSES == ('circle', 'rectangle', 'triangle', 'ring',
                              'L-shape', 'crescent')
    assert len(SHAPES_PALETTE) == len(SHAPES_CLASSES)
    assert all(len(c) == 3 and all(0 <= v <= 255 for v in c)
               for c in SHAPES_PALETTE)
    assert SHAPES_METAINFO['classes'] == SHAPES_CLASSES
    assert SHAPES_METAINFO['palette'] is SHAPES_PALETTE
    # cyan, as the configs drew it before they took the palette from here
    assert SHAPES_PALETTE[SHAPES_CLASSES.index('crescent')] == (70, 240, 240)


def test_layout_and_summary(dataset):
    root, summary = dataset
    for split, num in (('train', 8), ('val', 4), ('test', 3)):
        assert summary[split]['images'] == num
        assert len(os.listdir(osp.join(root, split))) == num
        assert osp.isfile(summary[split]['ann_file'])
        assert summary[split]['objects'] == len(
            _load(root, split)['annotations'])
    # The temporary folder was renamed away, nothing else left next to it.
    assert sorted(os.listdir(osp.dirname(root))) == ['a']


def test_deterministic(dataset, tmp_path):
    root, _ = dataset
    again = str(tmp_path / 'b')
    make_shapes_dataset(again, **SMALL)
    first, second = _files(root), _files(again)
    assert first.keys() == second.keys()
    assert all(first[k] == second[k] for k in first)

    other = str(tmp_path / 'c')
    make_shapes_dataset(other, **dict(SMALL, seed=1))
    third = _files(other)
    assert third.keys() == first.keys()
    assert first['annotations/instances_train.json'] != \
        third['annotations/instances_train.json']
    assert all(first[k] != third[k] for k in first if k.endswith('.png'))


def test_splits_hold_different_images(dataset):
    files = _files(dataset[0])
    first = {split: files[f'{split}/000000.png']
             for split in ('train', 'val', 'test')}
    assert len(set(first.values())) == 3


def test_dataset_without_test_split_is_regenerated(tmp_path):
    # made before the test split existed: train and val only
    root = str(tmp_path / 'old')
    make_shapes_dataset(root, **dict(SMALL, num_test=0))
    os.remove(osp.join(root, 'annotations', 'instances_test.json'))
    before = _files(root)
    ensure_shapes_dataset(root, **SMALL)
    after = _files(root)
    assert len(_load(root, 'test')['images']) == SMALL['num_test']
    assert all(after[k] == v for k, v in before.items())


def test_crowded_layout_holds_many_small_objects():
    rng = np.random.default_rng([0, 6, 0])
    image, objects = generate_image(rng, 160, 160, CROWDED_LAYOUT)
    assert image.shape == (160, 160, 3)
    # 150-300 drawn, those hidden too much are skipped
    assert 60 <= len(objects) <= CROWDED_LAYOUT.max_objects
    # 32 px longest side, and a rotation grows the box by at most sqrt(2)
    assert max(max(o['bbox'][2:]) for o in objects) <= 32 * 2**0.5 + 1


def test_default_layout_is_the_shapes_one():
    # the same stream of draws: the shapes images did not change
    a = generate_image(np.random.default_rng(3), 96, 128)
    b = generate_image(np.random.default_rng(3), 96, 128, DEFAULT_LAYOUT)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]


def test_crowded_dataset(dataset, tmp_path):
    small = dict(SMALL, num_train=1, num_val=1, num_test=0)
    root = str(tmp_path / 'c')
    make_shapes_dataset(root, layout='crowded', **small)
    coco = _load(root, 'train')
    assert coco['info']['generator']['layout'] == 'crowded'
    assert len(coco['annotations']) >= 60
    # split seeds of its own: not the shapes dataset's image 0 re-crowded
    assert _files(root)['train/000000.png'] != \
        _files(dataset[0])['train/000000.png']
    with pytest.raises(ValueError, match='layout'):
        make_shapes_dataset(str(tmp_path / 'x'), layout='dense', **small)


def test_image_independent_of_split_size(dataset, tmp_path):
    # Per-image RNG: image i is the same whatever the number of images.
    root, _ = dataset
    fewer = str(tmp_path / 'd')
    make_shapes_dataset(fewer, **dict(SMALL, num_train=3, num_val=1))
    a, b = _files(root), _files(fewer)
    for name in ('train/000002.png', 'val/000000.png'):
        assert a[name] == b[name]


def test_schema(dataset):
    import cv2
    root, _ = dataset
    for split in ('train', 'val', 'test'):
        coco = _load(root, split)
        assert [c['id'] for c in coco['categories']] == list(range(1, 7))
        assert [c['name'] for c in coco['categories']] == list(SHAPES_CLASSES)
        img_ids = [img['id'] for img in coco['images']]
        assert len(set(img_ids)) == len(img_ids)
        ann_ids = [ann['id'] for ann in coco['annotations']]
        assert len(set(ann_ids)) == len(ann_ids)
        images = {img['id']: img for img in coco['images']}
        per_image = {i: 0 for i in images}
        for img in coco['images']:
            assert not osp.isabs(img['file_name'])
            assert '/' not in img['file_name']
            assert SMALL['min_size'] <= img['width'] <= SMALL['max_size']
            assert SMALL['min_size'] <= img['height'] <= SMALL['max_size']
            arr = cv2.imread(osp.join(root, split, img['file_name']))
            assert arr.shape == (img['height'], img['width'], 3)
        for ann in coco['annotations']:
            img = images[ann['image_id']]
            x, y, w, h = ann['bbox']
            assert all(isinstance(v, float) for v in ann['bbox'])
            assert x >= 0 and y >= 0
            assert x + w <= img['width'] and y + h <= img['height']
            assert w >= 4 and h >= 4
            assert 1 <= ann['category_id'] <= 6
            assert ann['iscrowd'] == 0
            # area = visible pixels, inside the box.
            assert 0 < ann['area'] <= w * h
            per_image[ann['image_id']] += 1
        counts = list(per_image.values())
        assert max(counts) <= 12
        # The filter can only remove objects: most images keep at least one.
        assert sum(c >= 1 for c in counts) >= 0.75 * len(counts)


@pytest.mark.parametrize('label', SHAPES_CLASSES)
def test_draw_shape_inside_and_nonempty(label):
    spec = ShapeSpec(label, cx=50.0, cy=40.0, w=40.0, h=30.0, angle=30.0)
    mask = draw_shape(spec, 80, 100)
    assert mask.dtype == bool and mask.shape == (80, 100)
    assert mask.sum() > 100
    # Nothing outside the rotated local box (radius = half the diagonal).
    ys, xs = np.nonzero(mask)
    assert np.all(np.hypot(xs - 50.0, ys - 40.0) <= 25.0 + 1.0)


@pytest.mark.parametrize('w,h', [(60.0, 60.0), (80.0, 40.0), (14.0, 20.0)])
def test_ring_hollow_centre(w, h):
    mask = draw_shape(ShapeSpec('ring', 50.3, 49.7, w, h, hole=0.45), 100,
                      100)
    ys, xs = np.nonzero(mask)
    cx = (xs.min() + xs.max()) / 2.0
    cy = (ys.min() + ys.max()) / 2.0
    assert not mask[int(round(cy)), int(round(cx))]


@pytest.mark.parametrize('label', ['L-shape', 'crescent'])
def test_mass_away_from_box_centre(label):
    for angle in (0.0, 90.0, 180.0, 270.0):
        spec = ShapeSpec(label, 60.0, 60.0, 60.0, 50.0, angle=angle,
                         hole=0.85, arm=0.35, offset=0.45)
        mask = draw_shape(spec, 120, 120)
        ys, xs = np.nonzero(mask)
        cx = int(round((xs.min() + xs.max()) / 2.0))
        cy = int(round((ys.min() + ys.max()) / 2.0))
        assert not mask[cy, cx], (label, angle)


def test_ensure_does_not_regenerate(tmp_path):
    root = str(tmp_path / 'e')
    assert ensure_shapes_dataset(root, **SMALL) == root
    ann = osp.join(root, 'annotations', 'instances_train.json')
    mtime = os.stat(ann).st_mtime_ns
    png = osp.join(root, 'train', '000000.png')
    os.remove(png)  # would come back if the dataset were regenerated
    assert ensure_shapes_dataset(root, **SMALL) == root
    assert os.stat(ann).st_mtime_ns == mtime
    assert not osp.exists(png)
    # Missing annotations (e.g. an interrupted run) trigger a regeneration.
    os.remove(ann)
    ensure_shapes_dataset(root, **SMALL)
    assert osp.isfile(ann) and osp.isfile(png)


def test_regenerate_over_existing(tmp_path):
    root = str(tmp_path / 'f')
    make_shapes_dataset(root, **SMALL)
    keep = osp.join(root, 'README.txt')
    with open(keep, 'w') as f:
        f.write('user file')
    make_shapes_dataset(root, **dict(SMALL, num_train=2))
    assert len(os.listdir(osp.join(root, 'train'))) == 2
    assert len(_load(root, 'train')['images']) == 2
    assert osp.isfile(keep)
    assert sorted(os.listdir(tmp_path)) == ['f']


def test_mmdet_and_pycocotools_load(dataset):
    from mmdet.datasets import CocoDataset
    from pycocotools.coco import COCO
    root, _ = dataset
    ds = CocoDataset(
        data_root=root,
        ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'),
        metainfo=SHAPES_METAINFO,
        pipeline=[],
        test_mode=True)
    assert len(ds) == SMALL['num_val']
    assert ds.metainfo['classes'] == SHAPES_CLASSES
    info = ds[0]
    assert osp.isfile(info['img_path'])
    coco = COCO(osp.join(root, 'annotations', 'instances_val.json'))
    assert len(coco.getImgIds()) == SMALL['num_val']
    assert len(coco.getCatIds()) == 6
    assert len(coco.getAnnIds()) == len(_load(root, 'val')['annotations'])
