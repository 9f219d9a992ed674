"""Draw one tracked sequence: the ground truth and the tracker's boxes
(and the frame-0 box held still, for scale) on a strip of frames, and
optionally as a GIF.

Examples:
    python tools/track_demo.py configs/siamrpn/siamrpn_shapes.py CKPT
    python tools/track_demo.py CONFIG CKPT --seq 7 --frames 8 --gif demo.gif

The strip shows ``--frames`` frames evenly spaced over the sequence, each
with every tracker's IoU with the ground truth.
"""
import argparse
import os
import os.path as osp

import numpy as np
import torch
from mmengine.registry import init_default_scope

import plugin  # noqa: F401  (registers the models, safe checkpoint loading)
from plugin.analysis.track_plot import draw_track_strip, write_track_gif
from plugin.datasets.check.config import prepare_datasets
from plugin.registry import DATASETS
from plugin.tracking import StaticTracker, init_tracker_model, run_sequence
from plugin.utils.cli import add_common_args, load_config, parse_args


def get_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Draw a tracked sequence')
    parser.add_argument('config', help='tracker config file')
    parser.add_argument(
        'checkpoint', help="checkpoint file ('none': initial weights)")
    parser.add_argument('--seq', type=int, default=0,
                        help='index of the test sequence')
    parser.add_argument('--frames', type=int, default=8,
                        help='frames on the strip')
    parser.add_argument('--cols', type=int, default=4)
    parser.add_argument('--out', help='PNG of the strip (default: '
                        '<work_dir>/track_demo.png)')
    parser.add_argument('--gif', help='also write the whole sequence here')
    parser.add_argument('--work-dir', help='default place of --out')
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    add_common_args(parser)
    return parse_args(parser)


def main() -> None:
    args = get_args()
    cfg = load_config(args)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    prepare_datasets(cfg)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    item = dataset[args.seq]
    frames, sample = item['inputs']['frames'], item['data_samples']
    gt = np.asarray(sample.gt_bboxes, dtype=np.float32)

    model = init_tracker_model(cfg, args.checkpoint, args.device)
    with torch.no_grad():
        model.predict(dict(frames=[frames]), [sample])
    held, _ = run_sequence(StaticTracker(), frames, gt[0])
    preds = {'SiamRPN': sample.pred_track_bboxes, 'frame-0 box': held}

    out = args.out or osp.join(cfg.work_dir, 'track_demo.png')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    indices = np.linspace(0, len(frames) - 1, args.frames).round()
    draw_track_strip(frames, gt, preds, [int(i) for i in indices], out,
                     ncols=args.cols)
    print(f'{sample.seq_name}: {len(frames)} frames, strip in {out}')
    if args.gif:
        write_track_gif(frames, gt, preds, args.gif)
        print(f'GIF in {args.gif}')


if __name__ == '__main__':
    main()
