"""Evaluate a checkpoint with the config's metric (COCO bbox mAP).

Examples:
    python tools/test.py configs/shapes/autoassign_shapes.py \
        work_dirs/autoassign_shapes/best_coco_bbox_mAP_epoch_12.pth
    python tools/test.py CONFIG CKPT --show-dir vis   # paint detections
    python tools/test.py CONFIG CKPT --out results.pkl
    bash tools/dist_test.sh CONFIG CKPT 8
"""
import argparse

from mmdet.engine.hooks.utils import trigger_visualization_hook
from mmdet.evaluation import DumpDetResults

import plugin  # noqa: F401  (registers the heads, safe checkpoint loading)
from plugin.utils.cli import (add_common_args, build_runner, load_config,
                              parse_args)


def get_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='MMDet test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='dump predictions to a pickle file for offline evaluation')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images will be saved. '
        'If specified, it will be automatically saved '
        'to the work_dir/timestamp/show_dir')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    add_common_args(parser)
    return parse_args(parser)


def main() -> None:
    args = get_args()
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)

    runner = build_runner(cfg)
    if args.out is not None:
        assert args.out.endswith(('.pkl', '.pickle')), \
            'The dump file must be a pkl file.'
        runner.test_evaluator.metrics.append(
            DumpDetResults(out_file_path=args.out))
    runner.test()


if __name__ == '__main__':
    main()
