"""Train a detector (mmdet's tools/train.py, with plugin's heads).

Examples:
    python tools/train.py configs/shapes/autoassign_shapes.py
    python tools/train.py CONFIG --resume            # latest in work_dir
    python tools/train.py CONFIG --amp               # GPU only (mmengine)
    bash tools/dist_train.sh CONFIG 8                # 8 GPUs, DDP
"""
import argparse

import plugin  # noqa: F401  (registers the heads, safe checkpoint loading)
from plugin.engine.resume_check import check_resume_file, latest_checkpoint
from plugin.utils.cli import (add_common_args, build_runner, load_config,
                              parse_args)


def get_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training (needs a GPU)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='enable automatically scaling LR.')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='If specify checkpoint path, resume from it, while if not '
        'specify, try to auto resume from the latest checkpoint '
        'in the work directory.')
    add_common_args(parser)
    return parse_args(parser)


def main() -> None:
    args = get_args()
    cfg = load_config(args)

    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.auto_scale_lr:
        if 'auto_scale_lr' in cfg and \
                'enable' in cfg.auto_scale_lr and \
                'base_batch_size' in cfg.auto_scale_lr:
            cfg.auto_scale_lr.enable = True
        else:
            raise RuntimeError('Can not find "auto_scale_lr" or '
                               '"auto_scale_lr.enable" or '
                               '"auto_scale_lr.base_batch_size" in your'
                               ' configuration file.')

    # resume from a given checkpoint, or the latest one of work_dir; either
    # is checked whole first (a truncated file is refused by name)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = latest_checkpoint(cfg.work_dir)
    elif args.resume is not None:
        check_resume_file(args.resume)
        cfg.resume = True
        cfg.load_from = args.resume

    build_runner(cfg).train()


if __name__ == '__main__':
    main()
