"""Generate the synthetic shapes tracking videos (one-pass evaluation set).

Usage (from the repository root)::

    python tools/make_shapes_tracking.py --out data/shapes_tracking
    python tools/make_shapes_tracking.py --out data/shapes_tracking --force

Without ``--force`` nothing is done when ``annotations.json`` already
exists. See :mod:`plugin.datasets.shapes_tracking` for what the videos
contain.
"""
import argparse
import json
import os.path as osp

from plugin.datasets import make_shapes_tracking


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Generate the synthetic shapes tracking videos.')
    parser.add_argument(
        '--out',
        default='data/shapes_tracking',
        help='output folder (data/shapes_tracking)')
    parser.add_argument(
        '--num-sequences', type=int, default=30, help='videos (30)')
    parser.add_argument(
        '--num-frames', type=int, default=100, help='frames per video (100)')
    parser.add_argument(
        '--width', type=int, default=320, help='frame width in pixels (320)')
    parser.add_argument(
        '--height', type=int, default=240, help='frame height in pixels (240)')
    parser.add_argument('--seed', type=int, default=0, help='base seed (0)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='regenerate even if annotations.json exists')
    return parser.parse_args()


def main() -> None:
    """Generate the videos (unless present) and print a summary."""
    args = parse_args()
    ann_file = osp.join(args.out, 'annotations.json')
    if args.force or not osp.isfile(ann_file):
        summary = make_shapes_tracking(
            args.out,
            num_sequences=args.num_sequences,
            num_frames=args.num_frames,
            width=args.width,
            height=args.height,
            seed=args.seed)
        print(json.dumps(summary, indent=2))
        return
    with open(ann_file, encoding='utf-8') as f:
        sequences = json.load(f)['sequences']
    print(f'{args.out} already exists (annotations.json found); use --force '
          f'to regenerate. Contents: {len(sequences)} sequences, '
          f'{sum(len(s["frames"]) for s in sequences)} frames')


if __name__ == '__main__':
    main()
