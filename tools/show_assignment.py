"""Show what a head assigns: one PNG per image and a table of positives.

    python tools/show_assignment.py CONFIG [--checkpoint CKPT] \
        [--split train|val|test] [--images N] [--out DIR]

Builds the model and the dataset of CONFIG (any config whose head is
plugin.RPNHead, plugin.AutoAssignHead or plugin.CenterNetHead), runs the
head's forward and its own assignment code on the first N images of the
split, through the config's pipeline, and writes to DIR (default:
work_dirs/<config name>/assignment/):

* ``<image>.png``: per level, what the head assigns (RPN: positive, ignored
  and sampled negative anchors; AutoAssign: centre prior, positive and
  negative weights; CenterNet: target and predicted heatmaps);
* ``assignment.json`` and ``assignment.txt``: for every gt its positives per
  level, and the gts left with no positive at all (also printed).

Without --checkpoint the model is an untrained one (as at the first
iteration); the pictures say so where weights depend on the predictions.
"""
import argparse
import copy
import json
import os
import os.path as osp
import random

import numpy as np
import torch
from mmdet.apis import init_detector
from mmdet.registry import DATASETS
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate

import plugin  # noqa: F401  (registers the heads, safe checkpoint loading)
from plugin.analysis import (collect_assignment, draw_assignment,
                             format_table, summarise)
from plugin.datasets.check import leaf_dataset_cfgs, prepare_datasets


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--checkpoint', help='weights (default: untrained)')
    parser.add_argument('--split', choices=['train', 'val', 'test'],
                        default='train',
                        help='which dataloader\'s dataset and pipeline')
    parser.add_argument('--images', type=int, default=4,
                        help='how many images (the first of the split)')
    parser.add_argument('--out', help='output directory (default: '
                        'work_dirs/<config name>/assignment)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seed', type=int, default=0,
                        help='seeds the pipeline\'s random transforms and '
                        'the RPN\'s sampler')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, as tools/train.py')
    return parser.parse_args()


def gts_in_input_pixels(dataset_cfg: Config) -> Config:
    """The dataset config with ``LoadAnnotations`` right after the image is
    loaded, so that every transform moves the boxes with the image.

    mmdet's test pipelines load the annotations after ``Resize``: their gt
    boxes stay in original pixels (they are only for evaluation), while
    the head assigns in input pixels.
    """
    dataset_cfg = copy.deepcopy(dataset_cfg)
    for inner in leaf_dataset_cfgs(dataset_cfg):  # wrappers unwrapped
        pipeline = inner.get('pipeline') or []
        names = [t['type'].split('.')[-1] for t in pipeline]
        if 'LoadAnnotations' in names and 'LoadImageFromFile' in names:
            load = pipeline.pop(names.index('LoadAnnotations'))
            names.remove('LoadAnnotations')
            pipeline.insert(names.index('LoadImageFromFile') + 1, load)
    return dataset_cfg


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    # no download of pretrained backbone weights: the checkpoint (or the
    # untrained model) decides
    if 'init_cfg' in cfg.model.get('backbone', {}):
        cfg.model.backbone.init_cfg = None
    name = osp.splitext(osp.basename(args.config))[0]
    out = args.out or osp.join('work_dirs', name, 'assignment')
    os.makedirs(out, exist_ok=True)
    prepare_datasets(cfg)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    model = init_detector(cfg, args.checkpoint, device=args.device)
    untrained = args.checkpoint is None
    if untrained:
        model.init_weights()  # the weights training starts from
    model.eval()
    # mmdet's RPN detector keeps its head as bbox_head, two-stage ones as
    # rpn_head
    head = getattr(model, 'rpn_head', None) or model.bbox_head
    dataset = DATASETS.build(gts_in_input_pixels(
        cfg[f'{args.split}_dataloader'].dataset))
    classes = dataset.metainfo['classes']

    records = []
    for i in range(min(args.images, len(dataset))):
        data = dataset[i]
        batch = model.data_preprocessor(pseudo_collate([data]), False)
        sample = batch['data_samples'][0]
        with torch.no_grad():
            outs = head(model.extract_feat(batch['inputs']))
        assignment = collect_assignment(head, outs, sample, untrained)
        image = data['inputs'].permute(1, 2, 0).numpy()[..., ::-1]  # RGB
        file = osp.basename(sample.img_path)
        stem = osp.splitext(file)[0]
        weights = 'untrained model' if untrained else \
            osp.basename(args.checkpoint)
        draw_assignment(
            assignment, np.ascontiguousarray(image), classes,
            f'{assignment.head} assignment: {file} ({args.split}, '
            f'{image.shape[1]}x{image.shape[0]} input), {name}, {weights}',
            osp.join(out, f'{stem}.png'))
        records.append(dict(image=file, img_id=sample.get('img_id', i),
                            assignment=assignment))

    summary = summarise(records, classes)
    summary.update(config=args.config, checkpoint=args.checkpoint,
                   split=args.split)
    table = format_table(summary)
    with open(osp.join(out, 'assignment.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    with open(osp.join(out, 'assignment.txt'), 'w') as f:
        f.write(table + '\n')
    print(table)
    print(f'{len(records)} pictures, assignment.json and assignment.txt '
          f'written to {out}')


if __name__ == '__main__':
    main()
