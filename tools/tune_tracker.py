"""Tune SiamRPN's tracking options (``penalty_k``, ``window_influence``,
``lr`` of the config's ``model.test_cfg``) on the config's VAL videos, by
grid and/or random search, each setting scored by one-pass evaluation's
mean success AUC. The test split is never tracked: pick the options here,
then report them with tools/test_tracker.py.

Examples:
    # the default 27-setting grid around pysot's values
    python tools/tune_tracker.py configs/siamrpn/siamrpn_shapes.py CKPT
    # a grid of one's own (an option left out keeps the config's value)
    python tools/tune_tracker.py CONFIG CKPT \
        --grid penalty_k=0.1,0.2,0.3 window_influence=0.3,0.4
    # 50 random settings (ranges: plugin/tracking/tune.py DEFAULT_RANGES)
    python tools/tune_tracker.py CONFIG CKPT --trials 50 --seed 1 \
        --range lr=0.2,0.6

The config's own setting is always scored and marked ``*``. All the
(setting, video) pairs are tracked in lockstep batches of ``--batch``
sequences, the videos loaded once (see :mod:`plugin.tracking.tune`);
``--verify`` re-scores the best setting the ordinary way (the model's
``predict``, as validation runs it) and prints the difference. Prints a
ranked table and the ``test_cfg`` line to paste into the config; writes
every setting's scores to ``<work_dir>/tune_tracker.json``.
"""
import argparse
import json
import os
import os.path as osp
import time
from typing import Dict, List, Tuple

import torch
from mmengine.registry import init_default_scope

import plugin  # noqa: F401  (registers the models, safe checkpoint loading)
from plugin.datasets.check.config import prepare_datasets
from plugin.registry import DATASETS
from plugin.tracking import init_tracker_model
from plugin.tracking.tune import (DEFAULT_GRID, OPTIONS, config_line,
                                  evaluate_settings, evaluate_single,
                                  format_table, grid_settings, load_videos,
                                  random_settings, rank,
                                  reuse_freed_memory, same_setting,
                                  unique_settings)
from plugin.utils.cli import add_common_args, load_config, parse_args


def _assignments(items: List[str], parser: argparse.ArgumentParser,
                 flag: str) -> Dict[str, List[float]]:
    """``['name=v1,v2', ...]`` -> ``{name: [v1, v2]}``; a bad item is a
    usage error."""
    out = {}
    for item in items or []:
        name, sep, values = item.partition('=')
        try:
            if not sep or name not in OPTIONS:
                raise ValueError
            out[name] = [float(v) for v in values.split(',')]
        except ValueError:
            parser.error(f'{flag} {item!r}: expected OPTION=V1,V2,... with '
                         f'OPTION one of {", ".join(OPTIONS)}')
    return out


def get_args() -> Tuple[argparse.Namespace, argparse.ArgumentParser]:
    parser = argparse.ArgumentParser(
        description='Tune the tracking options on the val videos')
    parser.add_argument('config', help='tracker config file')
    parser.add_argument(
        'checkpoint', help="checkpoint file ('none': initial weights)")
    parser.add_argument(
        '--work-dir', help='where tune_tracker.json goes (default: the '
        "config's work_dir)")
    parser.add_argument(
        '--grid',
        nargs='+',
        metavar='OPTION=V1,V2',
        help='values per option, every combination scored (default, '
        'without --trials: a 3 x 3 x 3 grid around pysot\'s values)')
    parser.add_argument(
        '--trials', type=int, default=0, help='random settings to score')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the random settings')
    parser.add_argument(
        '--range',
        nargs='+',
        metavar='OPTION=LOW,HIGH',
        help='uniform range of an option for --trials')
    parser.add_argument(
        '--batch',
        type=int,
        default=40,
        help='sequences ((setting, video) pairs) tracked in lockstep (40: '
        'the fastest on 2 CPU cores; more on a GPU)')
    parser.add_argument(
        '--top', type=int, default=10, help='rows of the ranked table')
    parser.add_argument(
        '--verify',
        action='store_true',
        help="re-score the best setting with the model's predict")
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='device of the model')
    add_common_args(parser)
    return parse_args(parser), parser


def main() -> None:
    args, parser = get_args()
    grid = _assignments(args.grid, parser, '--grid')
    ranges = _assignments(args.range, parser, '--range')
    if any(len(v) != 2 for v in ranges.values()):
        parser.error('--range takes OPTION=LOW,HIGH')
    if args.trials < 0 or args.batch < 1 or args.top < 1:
        parser.error('--trials must be >= 0, --batch and --top >= 1')

    # each step's large tensors reused rather than page-faulted in anew
    reuse_freed_memory()
    cfg = load_config(args)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    prepare_datasets(cfg)
    torch.manual_seed(0)  # checkpoint 'none': the same weights every run
    model = init_tracker_model(cfg, args.checkpoint, args.device)
    current = {name: float(model.test_cfg[name]) for name in OPTIONS}

    settings = []
    if args.grid or not args.trials:
        settings += grid_settings(grid or DEFAULT_GRID, current)
    settings += random_settings(args.trials, args.seed, current, ranges)
    # the config's own setting, for comparison
    settings = unique_settings(settings + [current])

    # the val split only: the options are chosen on it
    dataset_cfg = cfg.val_dataloader.dataset
    start = time.perf_counter()
    videos = load_videos(DATASETS.build(dataset_cfg))
    load_s = time.perf_counter() - start
    print(f'{len(videos)} val videos ({dataset_cfg.get("data_root")}) '
          f'loaded in {load_s:.1f} s; {len(settings)} settings, '
          f'{len(settings) * len(videos)} sequences in batches of '
          f'{args.batch}', flush=True)

    start = time.perf_counter()
    results = evaluate_settings(model, settings, videos, args.batch,
                                log=lambda line: print(line, flush=True))
    search_s = time.perf_counter() - start
    ranked = rank(results)
    best = ranked[0]
    own = next(r for r in ranked if same_setting(r, current))

    print(format_table(ranked, current, args.top))
    print(f'search: {search_s:.1f} s for {len(settings)} settings x '
          f'{len(videos)} videos ({search_s / len(settings):.2f} s a '
          'setting)')

    verify = None
    if args.verify:
        batch = cfg.val_dataloader.get('batch_size', 1)
        start = time.perf_counter()
        single = evaluate_single(model, best, videos, batch)
        verify = dict(
            single, seconds=time.perf_counter() - start,
            success_diff=abs(single['success'] - best['success']),
            precision_diff=abs(single['precision'] - best['precision']))
        print(f'verify: the best setting scored by predict ({batch} videos '
              f'a batch) in {verify["seconds"]:.1f} s: success '
              f'{single["success"]:.6f} (|diff| '
              f'{verify["success_diff"]:.1e}), precision '
              f'{single["precision"]:.6f} (|diff| '
              f'{verify["precision_diff"]:.1e})')

    line = config_line(best, best['success'])
    print(f'\nbest on val: success {best["success"]:.4f} (the config\'s '
          f'options: {own["success"]:.4f}, rank {own["rank"]}); paste into '
          f'{args.config}:\n{line}')

    os.makedirs(cfg.work_dir, exist_ok=True)
    out_file = osp.join(cfg.work_dir, 'tune_tracker.json')
    with open(out_file, 'w') as f:
        json.dump(
            dict(config=args.config, checkpoint=args.checkpoint,
                 data_root=dataset_cfg.get('data_root'),
                 videos=videos.names, batch=args.batch,
                 device=args.device, load_seconds=load_s,
                 search_seconds=search_s, current=own, best=best,
                 config_line=line, verify=verify, results=ranked),
            f, indent=1)
    print(f'every setting\'s scores: {out_file}')


if __name__ == '__main__':
    main()
