"""Generate the synthetic shapes detection dataset (COCO format).

Usage (from the repository root)::

    python tools/make_shapes_dataset.py --out data/shapes
    python tools/make_shapes_dataset.py --out data/shapes --force  # redo
    python tools/make_shapes_dataset.py --out data/shapes_crowded \
        --layout crowded --num-train 200 --num-val 16 --num-test 16 \
        --min-size 288    # the crowded configs' data (they make it too)

Without ``--force`` nothing is done when the annotation files already exist.
See :mod:`plugin.datasets.shapes` for what the images contain.
"""
import argparse
import json
import os.path as osp

from plugin.datasets import make_shapes_dataset
from plugin.datasets.shapes import DETECTION_SPLITS, LAYOUTS


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Generate the synthetic shapes dataset (COCO format).')
    parser.add_argument(
        '--out', default='data/shapes', help='output folder (data/shapes)')
    parser.add_argument(
        '--num-train', type=int, default=600, help='training images (600)')
    parser.add_argument(
        '--num-val', type=int, default=100, help='validation images (100)')
    parser.add_argument(
        '--num-test', type=int, default=100, help='test images (100)')
    parser.add_argument('--seed', type=int, default=0, help='base seed (0)')
    parser.add_argument(
        '--min-size',
        type=int,
        default=192,
        help='smallest image width/height in pixels (192)')
    parser.add_argument(
        '--max-size',
        type=int,
        default=320,
        help='largest image width/height in pixels (320)')
    parser.add_argument(
        '--layout',
        choices=sorted(LAYOUTS),
        default='default',
        help="'default' (1-12 objects an image) or 'crowded' (150-300 "
        'small ones; use e.g. --out data/shapes_crowded --min-size 288)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='regenerate even if the annotation files exist')
    return parser.parse_args()


def main() -> None:
    """Generate the dataset (unless present) and print a summary."""
    args = parse_args()
    ann_files = [
        osp.join(args.out, 'annotations', f'instances_{split}.json')
        for split in DETECTION_SPLITS
    ]
    if args.force or not all(osp.isfile(f) for f in ann_files):
        summary = make_shapes_dataset(
            args.out,
            num_train=args.num_train,
            num_val=args.num_val,
            num_test=args.num_test,
            seed=args.seed,
            min_size=args.min_size,
            max_size=args.max_size,
            layout=args.layout)
        print(json.dumps(summary, indent=2))
        return
    print(f'{args.out} already exists (annotation files found); '
          'use --force to regenerate. Contents:')
    for split, ann_file in zip(DETECTION_SPLITS, ann_files):
        with open(ann_file, encoding='utf-8') as f:
            coco = json.load(f)
        print(f'  {split}: {len(coco["images"])} images, '
              f'{len(coco["annotations"])} objects')


if __name__ == '__main__':
    main()
