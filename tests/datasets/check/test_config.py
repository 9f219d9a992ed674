"""prepare_datasets: clear error without COCO, shapes generated on demand,
COCO annotation files checked (once each) before a runner is built."""
import os.path as osp

import pytest
from mmengine.config import Config

from plugin.datasets import SHAPES_METAINFO, ensure_shapes_dataset
from plugin.datasets.check.config import check_datasets, prepare_datasets
from plugin.datasets.check.report import DatasetCheckError

ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SMALL = dict(num_train=3, num_val=2, num_test=2, seed=0, min_size=96, max_size=160)


def _dataset(root, split, **kwargs):
    """A shapes CocoDataset config, as configs/_base_/shapes_detection.py."""
    return dict(
        type='CocoDataset',
        data_root=root,
        metainfo=SHAPES_METAINFO,
        ann_file=f'annotations/instances_{split}.json',
        data_prefix=dict(img=f'{split}/'),
        **kwargs)


def _config(root, **kwargs):
    """train/val/test loaders and evaluators on the shapes files."""
    val = _dataset(root, 'val', test_mode=True)
    evaluator = dict(type='CocoMetric',
                     ann_file=root + 'annotations/instances_val.json')
    cfg = dict(
        train_dataloader=dict(dataset=_dataset(
            root, 'train', filter_cfg=dict(filter_empty_gt=True,
                                           min_size=4))),
        val_dataloader=dict(dataset=val),
        test_dataloader=dict(dataset=val),
        val_evaluator=evaluator,
        test_evaluator=evaluator)
    cfg.update(kwargs)
    return Config(cfg)


@pytest.fixture(scope='module')
def shapes_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('shapes')) + '/'
    return ensure_shapes_dataset(root, **SMALL)


def test_missing_coco_names_the_offline_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data/coco here
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'autoassign_r50_fpn.py'))
    with pytest.raises(FileNotFoundError) as err:
        prepare_datasets(cfg)
    msg = str(err.value)
    assert 'data/coco/' in msg
    assert 'configs/shapes/autoassign_shapes.py' in msg


def test_shapes_dataset_is_generated_when_absent(tmp_path):
    root = str(tmp_path / 'shapes') + '/'
    cfg = _config(root, shapes_dataset=dict(out_dir=root, **SMALL))
    prepare_datasets(cfg)  # generated, then checked clean
    assert osp.exists(root + 'annotations/instances_train.json')
    assert osp.exists(root + 'annotations/instances_val.json')


def test_tracking_videos_are_generated_when_absent(tmp_path):
    root = str(tmp_path / 'track') + '/'
    tracking = dict(out_dir=root, splits=dict(test=1), num_frames=3,
                    width=64, height=64)
    cfg = Config(
        dict(
            shapes_tracking=tracking,
            test_dataloader=dict(
                dataset=dict(
                    type='plugin.TrackingSequenceDataset',
                    data_root=root + 'test/',
                    ann_file='annotations.json'))))
    prepare_datasets(cfg)  # generated before the path check
    assert osp.exists(root + 'test/annotations.json')
    assert osp.exists(root + 'test/sequences/seq_0000/000002.jpg')


def test_each_file_is_checked_once(shapes_root):
    reports = check_datasets(_config(shapes_root))
    assert [r.name for r in reports] == [
        'train_dataloader (CocoDataset)',
        'val_dataloader (CocoDataset) + test_dataloader (CocoDataset) + '
        'val_evaluator + test_evaluator'
    ]
    assert all(r.ok and not r.warnings for r in reports)
    assert reports[0].stats['files_checked'] == SMALL['num_train']


def test_mismatched_classes_stop_the_run_before_the_runner(
        shapes_root, monkeypatch):
    from plugin.utils import cli

    def no_runner(cfg):
        raise AssertionError('the runner was built')

    monkeypatch.setattr(cli.Runner, 'from_cfg', no_runner)
    cfg = _config(shapes_root)
    cfg.train_dataloader.dataset.metainfo = dict(classes=('cat', 'dog'))
    with pytest.raises(DatasetCheckError) as err:
        cli.build_runner(cfg)
    msg = str(err.value)
    assert msg.startswith('dataset check failed before training')
    assert "classes: ['cat', 'dog']" in msg
    assert "'circle'" in msg
    # the opt-out
    cfg.dataset_check = dict(enabled=False)
    prepare_datasets(cfg)


def test_wrappers_and_the_class_metainfo(shapes_root):
    """RepeatDataset/ConcatDataset are unwrapped; without metainfo the
    class's METAINFO applies (COCO's 80 classes for CocoDataset)."""
    inner = _dataset(shapes_root, 'train')
    del inner['metainfo']
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='RepeatDataset', times=2, dataset=dict(
            type='ConcatDataset', datasets=[inner, _dataset(
                shapes_root, 'val')])))))
    reports = check_datasets(cfg)
    assert len(reports) == 2
    assert "classes: ['person', 'bicycle'" in reports[0].errors[0]
    assert reports[1].ok


def test_data_prefix_without_img(shapes_root):
    cfg = _config(shapes_root)
    cfg.train_dataloader.dataset.data_prefix = dict(img_path='train/')
    report = check_datasets(cfg)[0]
    assert "data_prefix has no 'img'" in report.errors[0]


def test_evaluator_file_gets_a_light_check(shapes_root, tmp_path):
    cfg = _config(shapes_root)
    cfg.test_evaluator = dict(type='CocoMetric',
                              ann_file=str(tmp_path / 'missing.json'))
    reports = check_datasets(cfg)
    assert reports[-1].name == 'test_evaluator'
    assert 'cannot read the file' in reports[-1].errors[0]


def test_other_dataset_types_are_left_alone(shapes_root):
    cfg = _config(shapes_root, val_dataloader=None, test_dataloader=None,
                  val_evaluator=None, test_evaluator=None)
    # LVIS reads its file with its own API: not replayed
    cfg.train_dataloader.dataset.type = 'LVISV1Dataset'
    assert check_datasets(cfg) == []


def test_all_images_from_the_config(shapes_root, monkeypatch):
    monkeypatch.setattr('plugin.datasets.check.coco.SAMPLE_IMAGES', 1)
    cfg = _config(shapes_root)
    assert check_datasets(cfg)[0].stats['files_checked'] == 1
    cfg.dataset_check = dict(all_images=True)
    assert check_datasets(cfg)[0].stats['files_checked'] == 3
