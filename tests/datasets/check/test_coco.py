"""check_coco_file: one tiny broken annotation file per problem, each with
its message and exact count; shapes passes clean; the replay agrees with
mmdet's CocoDataset; tools/check_dataset.py's output and exit code."""
import json
import math
import os
import os.path as osp
import subprocess
import sys

import pytest

from plugin.datasets import SHAPES_CLASSES, ensure_shapes_dataset
from plugin.datasets.check.coco import check_coco_file, check_coco_json

ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CLASSES = ('a', 'b')


def _base():
    """A clean file: 2 images of 100 x 80, one box of each class on each."""
    return dict(
        images=[
            dict(id=i, file_name=f'{i}.png', width=100, height=80)
            for i in (1, 2)
        ],
        annotations=[
            dict(id=k + 1, image_id=1 + k // 2, category_id=1 + k % 2,
                 bbox=[10, 10, 20, 20], area=400, iscrowd=0)
            for k in range(4)
        ],
        categories=[dict(id=1, name='a'), dict(id=2, name='b')])


def _check(tmp_path, coco, classes=CLASSES, text=None, **kwargs):
    """Write coco (or raw text) and its image files, then check it."""
    path = tmp_path / 'ann.json'
    if text is not None:
        path.write_text(text)
    else:
        path.write_text(json.dumps(coco))  # NaN/Infinity allowed, as COCO
        for img in coco.get('images', []):
            if isinstance(img, dict) and isinstance(img.get('file_name'),
                                                    str):
                (tmp_path / img['file_name']).write_bytes(b'')
    kwargs.setdefault('training', True)
    kwargs.setdefault('img_prefix', str(tmp_path))
    return check_coco_file(str(path), classes, **kwargs)


def _one(messages, *parts):
    """The one message that contains all parts."""
    found = [m for m in messages if all(p in m for p in parts)]
    assert len(found) == 1, (parts, messages)
    return found[0]


def _ann(coco, k, **fields):
    coco['annotations'][k].update(fields)
    return coco


def test_clean_file(tmp_path):
    report = _check(tmp_path, _base())
    assert report.ok and not report.warnings, report.format()
    assert set(report.counts.values()) == {0}
    assert report.stats['boxes_kept'] == 4
    assert report.stats['images_kept'] == 2
    assert report.stats['empty_fraction'] == 0.0
    assert 'OK' in report.format()


# -- the file itself ------------------------------------------------------


def test_unreadable_file(tmp_path):
    report = check_coco_file(str(tmp_path / 'nope.json'), CLASSES)
    assert 'cannot read the file' in _one(report.errors, 'No such file')


def test_malformed_json(tmp_path):
    report = _check(tmp_path, None, text='{"images": [')
    _one(report.errors, 'not valid JSON', 'line 1')


def test_top_level_not_an_object(tmp_path):
    report = _check(tmp_path, None, text='[]')
    _one(report.errors, 'top level is a JSON list')


def test_missing_and_mistyped_keys(tmp_path):
    coco = _base()
    del coco['categories']
    coco['images'] = {}
    report = _check(tmp_path, coco)
    _one(report.errors, "no 'categories' key", "'images' is a dict")


def test_unlabelled_file_is_fine_in_test_mode_only(tmp_path):
    coco = _base()
    del coco['annotations']
    report = _check(tmp_path, coco, test_mode=True, training=False)
    assert report.ok
    _one(report.warnings, "no 'annotations'", 'format_only')
    report = _check(tmp_path, coco)
    _one(report.errors, "no 'annotations' key")


# -- categories vs classes ------------------------------------------------


def test_no_category_matches_classes(tmp_path):
    report = _check(tmp_path, _base(), classes=('A', 'cat'))
    msg = _one(report.errors, 'none of the file')
    assert "Categories in the file: ['a', 'b']" in msg
    assert "classes: ['A', 'cat']" in msg
    assert "'A' ~ 'a'" in msg  # the case-only near miss
    # and so no image has gt: training on background only
    _one(report.errors, 'none of the 2 images', 'background only')
    assert report.stats['boxes_kept'] == 0


def test_classes_partly_matched(tmp_path):
    report = _check(tmp_path, _base(), classes=('a', 'c'))
    assert report.ok
    _one(report.warnings, '1 of 2 classes have no category', "['c']")
    _one(report.warnings, '1 of 2 categories in the file are not in classes',
         'drops their 2 annotation(s)', "['b']")
    assert report.counts['unmatched_category'] == 2
    assert report.stats['boxes_kept'] == 2


def test_labels_follow_the_file_order(tmp_path):
    report = _check(tmp_path, _base(), classes=('b', 'a'))
    _one(report.warnings, "label 0 is 'a' in the data while classes[0] is "
         "'b'", "['a', 'b']")
    # a class missing in the middle shifts the labels after it
    report = _check(tmp_path, _base(), classes=('a', 'c', 'b'))
    _one(report.warnings, "label 1 is 'b' in the data while classes[1] is "
         "'c'")
    # missing at the end: labels still match
    report = _check(tmp_path, _base(), classes=('a', 'b', 'c'))
    assert not [w for w in report.warnings if 'label' in w]


def test_duplicate_category_names_and_ids(tmp_path):
    coco = _base()
    coco['categories'].append(dict(id=3, name='a'))
    report = _check(tmp_path, coco)
    _one(report.errors, "appear more than once in the file: ['a']")
    coco['categories'][2]['id'] = 2
    report = _check(tmp_path, coco)
    _one(report.errors, '1 duplicate category ids')


def test_unknown_category_id(tmp_path):
    report = _check(tmp_path, _ann(_base(), 0, category_id=7))
    _one(report.warnings, "category_id that is not in 'categories'",
         'mmdet drops them', 'category 7')
    assert report.counts['unknown_category'] == 1
    assert report.stats['boxes_kept'] == 3


# -- boxes ----------------------------------------------------------------


def test_zero_and_negative_size(tmp_path):
    coco = _ann(_base(), 0, bbox=[10, 10, 0, 20])
    _ann(coco, 1, bbox=[10, 10, 20, -3])
    report = _check(tmp_path, coco)
    assert report.ok
    _one(report.warnings, '2 annotation(s) have a zero or negative width',
         'mmdet drops them', 'ann id 1 ', 'ann id 2 ')
    assert report.counts['zero_size'] == 2
    assert report.stats['boxes_kept'] == 2


def test_under_one_pixel(tmp_path):
    report = _check(tmp_path, _ann(_base(), 2, bbox=[10, 10, 0.5, 20]))
    _one(report.warnings, 'less than 1 px', '(w < 1 or h < 1)',
         'bbox [10, 10, 0.5, 20]')
    assert report.counts['under_1px'] == 1


def test_outside_the_image(tmp_path):
    coco = _ann(_base(), 0, bbox=[100, 10, 20, 20])  # touches x = width
    _ann(coco, 1, bbox=[-30, -30, 10, 10])
    _ann(coco, 2, bbox=[90, 70, 20, 20])  # 10 px beyond both edges
    _ann(coco, 3, bbox=[80, 60, 20.5, 20.5])  # within the tolerance
    report = _check(tmp_path, coco)
    _one(report.warnings, 'entirely outside', 'mmdet drops them')
    assert report.counts['outside'] == 2
    _one(report.warnings, 'outside their image', 'keeps them unclipped',
         'Resize clips', 'ann id 3 ')
    assert report.counts['partly_outside'] == 1
    assert report.stats['boxes_kept'] == 2


def test_non_finite_boxes(tmp_path):
    coco = _ann(_base(), 0, bbox=[math.nan, 10, 20, 20])
    _ann(coco, 1, bbox=[10, 10, -math.inf, 20])
    _ann(coco, 2, bbox=[10, 10, 20, math.inf])
    report = _check(tmp_path, coco)
    _one(report.warnings, '2 annotation(s) have a NaN or infinite',
         'mmdet drops them')
    assert report.counts['non_finite'] == 2
    _one(report.errors, '1 annotation(s) have an infinite width or height '
         'that mmdet keeps', 'ann id 3 ')
    assert report.counts['non_finite_kept'] == 1


def test_area(tmp_path):
    coco = _ann(_base(), 0, area=0)
    del coco['annotations'][1]['area']  # read by mmdet: its box is inside
    del coco['annotations'][2]['area']
    coco['annotations'][2]['bbox'] = [200, 10, 5, 5]  # outside: never read
    report = _check(tmp_path, coco)
    _one(report.warnings, "'area' <= 0", 'mmdet drops them')
    assert report.counts['non_positive_area'] == 1
    _one(report.errors, "1 annotation(s) have no numeric 'area'", 'KeyError',
         'ann id 2 ')
    assert report.counts['bad_area'] == 1


def test_malformed_annotations(tmp_path):
    coco = _ann(_base(), 0, bbox=[1, 2, 3])
    _ann(coco, 1, bbox='10 10 20 20')
    del coco['annotations'][2]['image_id']  # KeyError in pycocotools
    report = _check(tmp_path, coco)
    _one(report.errors, '2 annotation(s) have a bbox that is not a list of 4')
    assert report.counts['bad_bbox'] == 2
    _one(report.errors, '1 annotation(s) lack an id, image_id or '
         'category_id key')
    assert report.counts['missing_field'] == 1


def test_null_ids_are_dropped_not_fatal(tmp_path):
    # pycocotools indexes null like any id: mmdet drops these annotations
    coco = _ann(_base(), 0, category_id=None)
    _ann(coco, 1, image_id=None)
    report = _check(tmp_path, coco)
    assert report.ok, report.errors
    assert report.counts['unknown_category'] == 1
    assert report.counts['dangling'] == 1


def test_duplicate_annotation_ids(tmp_path):
    report = _check(tmp_path, _ann(_base(), 1, id=1))
    _one(report.errors, '2 annotation(s) share their id',
         'Annotation ids ... are not unique')
    assert report.counts['duplicate_ann_id'] == 2


def test_annotation_of_a_missing_image(tmp_path):
    report = _check(tmp_path, _ann(_base(), 3, image_id=99))
    _one(report.warnings, "image_id that is not in 'images'", 'image 99')
    assert report.counts['dangling'] == 1
    assert report.stats['boxes_kept'] == 3


def test_crowd_and_ignore(tmp_path):
    coco = _ann(_base(), 0, iscrowd=1)  # image 1
    _ann(coco, 2, ignore=True)  # image 2
    report = _check(tmp_path, coco)
    assert report.ok and not report.warnings
    assert report.counts['crowd'] == 1
    assert report.counts['ignored'] == 1
    assert report.stats['boxes_kept'] == 3  # crowd: kept, as ignore region


# -- images ---------------------------------------------------------------


def test_bad_image_records(tmp_path):
    coco = _base()
    coco['images'][0]['width'] = '100'
    del coco['images'][1]['file_name']
    report = _check(tmp_path, coco)
    _one(report.errors, '2 image(s) without an id, a string file_name',
         "image id 1 '1.png' '100'x80")
    assert report.counts['bad_image'] == 2


def test_image_size_not_positive(tmp_path):
    coco = _base()
    coco['images'][1]['height'] = 0
    report = _check(tmp_path, coco)
    assert report.ok
    _one(report.warnings, '1 image(s) have a width or height <= 0',
         'mmdet drops all their boxes')
    assert report.counts['bad_image_size'] == 1
    assert report.stats['boxes_kept'] == 2


def test_duplicate_image_ids(tmp_path):
    coco = _base()
    coco['images'][1]['id'] = 1
    report = _check(tmp_path, coco)
    _one(report.errors, '1 image(s) share their id with a later image',
         'never loaded')
    assert report.counts['duplicate_image_id'] == 1


def test_missing_image_files(tmp_path):
    report = _check(tmp_path, _base())
    os.remove(tmp_path / '2.png')
    report = check_coco_file(str(tmp_path / 'ann.json'), CLASSES,
                             img_prefix=str(tmp_path))
    _one(report.errors, '1 image(s) of 2 checked have no file',
         'LoadImageFromFile raises', "'2.png'")
    assert report.counts['missing_image_file'] == 1


def test_image_files_are_sampled_unless_all_images(tmp_path):
    coco = _base()
    coco['images'] = [
        dict(id=i, file_name=f'{i}.png', width=100, height=80)
        for i in range(1, 251)
    ]
    (tmp_path / 'ann.json').write_text(json.dumps(coco))  # no image files
    path = str(tmp_path / 'ann.json')
    sample = check_coco_file(path, CLASSES, img_prefix=str(tmp_path))
    assert sample.stats['files_checked'] == 100
    assert sample.counts['missing_image_file'] == 100
    assert 'sample' in sample.format()
    every = check_coco_file(
        path, CLASSES, img_prefix=str(tmp_path), all_images=True)
    assert every.counts['missing_image_file'] == 250


# -- images without gt after filtering ------------------------------------


def test_images_without_gt(tmp_path):
    coco = _base()
    coco['images'].append(dict(id=3, file_name='3.png', width=100,
                               height=80))
    coco['images'].append(dict(id=4, file_name='4.png', width=100,
                               height=80))
    # image 3: only a dropped box; image 4: no annotation
    coco['annotations'].append(
        dict(id=5, image_id=3, category_id=1, bbox=[1, 1, 0, 0], area=1))
    report = _check(tmp_path, coco)  # no filter_cfg
    assert report.stats['images_kept'] == 4
    assert report.counts['images_without_gt'] == 2
    _one(report.warnings, '2 of the 4 images mmdet keeps (50%) have no gt')
    # filter_empty_gt looks at raw annotations: image 3 stays
    report = _check(tmp_path, coco, filter_cfg=dict(filter_empty_gt=True))
    assert report.stats['images_kept'] == 3
    assert report.counts['images_without_gt'] == 1
    assert not [w for w in report.warnings if 'have no gt' in w]
    # min_size filters images by their shorter side
    report = _check(tmp_path, coco, filter_cfg=dict(min_size=81))
    _one(report.errors, 'leaves no image')
    # test mode keeps every image and ignores filter_cfg
    report = _check(tmp_path, coco, test_mode=True, training=False,
                    filter_cfg=dict(filter_empty_gt=True, min_size=81))
    assert report.stats['images_kept'] == 4


def test_no_usable_box_is_an_error_for_training_only(tmp_path):
    coco = _base()
    for ann in coco['annotations']:
        ann['iscrowd'] = 1  # ignore regions only
    report = _check(tmp_path, coco)
    _one(report.errors, 'none of the 2 images mmdet keeps has a gt box',
         'training')
    report = _check(tmp_path, coco, training=False)
    assert report.ok
    _one(report.warnings, 'evaluation would see background only')


# -- agreement with mmdet -------------------------------------------------


@pytest.mark.parametrize('test_mode', [False, True])
def test_replay_matches_mmdet(tmp_path, test_mode):
    """Every drop rule at once: the figures equal CocoDataset's."""
    from mmdet.datasets import CocoDataset
    coco = _base()
    coco['images'] += [
        dict(id=3, file_name='3.png', width=50, height=30),
        dict(id=4, file_name='4.png', width=100, height=80),
        dict(id=5, file_name='5.png', width=100, height=80),
    ]
    boxes = [
        (3, 1, [0, 0, 50, 30], {}),  # exactly the image
        (3, 2, [45, 25, 10, 10], {}),  # partly outside: kept
        (3, 1, [math.nan, 1, 5, 5], {}),
        (3, 1, [1, 1, math.inf, 5], {}),  # kept by mmdet, inf
        (3, 2, [1, 1, 0.9, 5], {}),
        (4, 1, [-10, -10, 10, 10], {}),  # touches the corner: dropped
        (4, 2, [5, 5, 5, 5], dict(area=0)),
        (4, 1, [5, 5, 5, 5], dict(iscrowd=1)),
        (4, 7, [5, 5, 5, 5], {}),  # unknown category
        (5, 3, [5, 5, 5, 5], {}),  # category 'c', not in classes
        (99, 1, [5, 5, 5, 5], {}),  # no such image
        (2, 1, [5, 5, 5, 5], dict(ignore=True)),
    ]
    coco['categories'].append(dict(id=3, name='c'))
    for k, (img, cat, box, extra) in enumerate(boxes):
        ann = dict(id=10 + k, image_id=img, category_id=cat, bbox=box,
                   area=25, iscrowd=0)
        coco['annotations'].append({**ann, **extra})
    filter_cfg = dict(filter_empty_gt=True, min_size=40)
    report = _check(tmp_path, coco, filter_cfg=filter_cfg,
                    test_mode=test_mode)
    ds = CocoDataset(
        ann_file=str(tmp_path / 'ann.json'),
        metainfo=dict(classes=CLASSES),
        data_prefix=dict(img=str(tmp_path)),
        filter_cfg=filter_cfg,
        test_mode=test_mode,
        pipeline=[])
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    instances = [x for info in infos for x in info['instances']]
    kept = sum(len(info['instances']) for info in ds.load_data_list())
    assert report.stats['boxes_kept'] == kept
    assert report.stats['images_kept'] == len(ds)
    assert report.stats['images_without_gt'] == sum(
        not any(x['ignore_flag'] == 0 for x in info['instances'])
        for info in infos)
    assert report.stats['crowd_kept'] == sum(
        x['ignore_flag'] for x in instances)
    assert report.counts['non_finite_kept'] == 1


# -- shapes, the light check, the tool ------------------------------------


@pytest.fixture(scope='module')
def shapes_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('shapes'))
    return ensure_shapes_dataset(root, num_train=4, num_val=2, num_test=2,
                                 seed=0, min_size=96, max_size=160)


@pytest.mark.parametrize('split', ['train', 'val', 'test'])
def test_shapes_dataset_is_clean(shapes_root, split):
    report = check_coco_file(
        osp.join(shapes_root, 'annotations', f'instances_{split}.json'),
        SHAPES_CLASSES,
        img_prefix=osp.join(shapes_root, split),
        test_mode=split == 'val',
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        training=split == 'train',
        all_images=True)
    assert report.ok and not report.warnings, report.format()
    assert report.stats['images_without_gt'] == 0
    assert set(report.counts.values()) == {0}


def test_check_coco_json(tmp_path):
    (tmp_path / 'a.json').write_text(json.dumps(_base()))
    report = check_coco_json(str(tmp_path / 'a.json'), 'val_evaluator')
    assert report.ok and report.stats['annotations'] == 4
    report = check_coco_json(str(tmp_path / 'b.json'))
    _one(report.errors, 'cannot read the file')


def _tools(*arg_lists):
    """Run tools/check_dataset.py once per argument list, concurrently
    (each process spends ~2 s importing mmdet)."""
    procs = [
        subprocess.Popen(
            [sys.executable,
             osp.join(ROOT, 'tools', 'check_dataset.py'), *args],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True) for args in arg_lists
    ]
    return [(proc.communicate(timeout=120)[0], proc.returncode)
            for proc in procs]


def _shapes_options(root):
    root = root.rstrip('/') + '/'
    return [
        f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}',
        f'val_evaluator.ann_file={root}annotations/instances_val.json',
        f'test_evaluator.ann_file={root}annotations/instances_test.json',
    ]


def test_tool(shapes_root, tmp_path):
    config = osp.join(ROOT, 'configs', 'shapes', 'autoassign_shapes.py')
    coco = _ann(_base(), 0, bbox=[10, 10, 0, 20])
    (tmp_path / 'ann.json').write_text(json.dumps(coco))
    options = ['--cfg-options', *_shapes_options(shapes_root)]
    (clean, clean_rc), (broken, broken_rc) = _tools(
        [config, *options],
        [config, *options,
         f'train_dataloader.dataset.data_root={tmp_path}/',
         'train_dataloader.dataset.ann_file=ann.json'])

    assert clean_rc == 0, clean
    assert 'instances_train.json: OK' in clean
    # val selects, test reports: two files, each checked once
    assert 'val_dataloader (CocoDataset) + val_evaluator' in clean
    assert 'test_dataloader (CocoDataset) + test_evaluator' in clean
    assert '3 file(s) checked, 0 with errors' in clean

    assert broken_rc == 1, broken
    assert 'ERROR: none of the file' in broken
    assert "Categories in the file: ['a', 'b']" in broken
    assert 'WARNING: 1 annotation(s) have a zero or negative' in broken
    assert '3 file(s) checked, 1 with errors' in broken
