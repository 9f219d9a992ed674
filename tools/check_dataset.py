"""Check a config's COCO datasets the way tools/train.py does before a run.

Prints one report per annotation file that the config's train/val/test
loaders and evaluators read (each file once), with the figures mmdet's
CocoDataset will end up with, and exits with 1 when any report has an error.
Unlike tools/train.py it runs even with ``dataset_check.enabled=False`` and
never generates the shapes dataset. See :mod:`plugin.datasets.check` for
the checks.

Examples:
    python tools/check_dataset.py configs/shapes/autoassign_shapes.py
    python tools/check_dataset.py CONFIG --all-images   # every image file
    python tools/check_dataset.py CONFIG \
        --cfg-options train_dataloader.dataset.ann_file=my_train.json
"""
import argparse
import sys

from plugin.datasets.check import check_datasets
from plugin.utils.cli import add_common_args, load_config, parse_args


def get_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Check a config's COCO annotation files")
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--all-images',
        action='store_true',
        help='check that every image file exists (default: a sample of '
        '100 spread over each file)')
    # --cfg-options as in train.py (--launcher/--local-rank come along and
    # are ignored); load_config reads work_dir, unused here.
    add_common_args(parser)
    parser.set_defaults(work_dir=None)
    return parse_args(parser)


def main() -> int:
    args = get_args()
    cfg = load_config(args)
    reports = check_datasets(cfg, all_images=args.all_images)
    if not reports:
        print(f'{args.config}: no COCO annotation file to check')
    for report in reports:
        print(report.format(), end='\n\n')
    failed = sum(1 for report in reports if report.errors)
    print(f'{len(reports)} file(s) checked, {failed} with errors')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
