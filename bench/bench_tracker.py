"""SiamRPN's speed: training throughput (pairs/s) and tracking speed
(frames/s), one sequence at a time and a batch of sequences in lockstep.

    python bench/bench_tracker.py                        # CPU, shapes config
    python bench/bench_tracker.py --device cuda --batch 64
    python bench/bench_tracker.py --config configs/siamrpn/siamrpn_r50_coco.py

mmdet has no single-object tracker to compare with, so the ratios printed
are the batched paths against their per-item loops, same model, same run:

* training: one step (data preprocessing on the device, forward, loss,
  backward, AdamW) on ``--batch`` random pairs at the config's sizes, with
  the targets jittered around the centre as the pair sampler places them;
  against the same pairs' correlation computed by pysot's per-pair loop
  (``xcorr_slow``) instead of the grouped conv, forward and backward;
* tracking: ``--sequences`` random-noise sequences of ``--frames`` frames
  (320 x 240) tracked in lockstep, against the same sequences one by one;
* data (``--data``): the config's training pipeline (loading, crops,
  augmentations, packing) item by item in this one process, as the
  shapes recipe loads it (in the main process, ``num_workers=0``), against
  ``--data-baseline``'s (the still-image pairs, one frame read per pair,
  no augmentations). The pipeline's pairs/s over the training step's is
  how many steps' worth of pairs it makes in one step's time: with the
  data in the main process, loading adds 1 / that ratio to a step's
  time; with a loader worker, above 1 means the worker keeps up;
* data in a standard layout (``--data-got10k``): the recipe's video pairs
  (its first training source) read through ``plugin.GOT10kReader`` from the
  same videos exported in GOT-10k's layout (frames linked), against the
  same dataset reading ``annotations.json``: the reader's start-up and
  pairs/s.
"""
import argparse
import statistics
import sys
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmdet.structures import DetDataSample

import plugin  # noqa: F401
from plugin.models.layers import xcorr as xcorr_module
from plugin.registry import MODELS


def get_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config',
                        default='configs/siamrpn/siamrpn_shapes.py')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch', type=int, default=16, help='pairs a step')
    parser.add_argument('--sequences', type=int, default=10)
    parser.add_argument('--frames', type=int, default=30)
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--amp', action='store_true',
                        help='train steps under CUDA autocast (fp16)')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--data', action='store_true',
                        help='also time the training data pipelines')
    parser.add_argument(
        '--data-baseline',
        default='configs/siamrpn/ablation/siamrpn_shapes_still.py',
        help='config whose training pipeline is the baseline of --data')
    parser.add_argument('--data-items', type=int, default=400,
                        help='pairs timed per pipeline')
    parser.add_argument('--data-got10k', action='store_true',
                        help="time the recipe's video pairs read from a "
                        "GOT-10k-layout export against annotations.json")
    return parser.parse_args()


def sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize()


def pairs(cfg, batch: int, generator: torch.Generator) -> dict:
    """Random uint8 crops and a 0.5-template-sized target near the search
    centre (every fifth pair negative, as the sampler's 0.2)."""
    tz, tx = cfg.model.test_cfg.template_size, cfg.model.test_cfg.search_size
    samples = []
    for i in range(batch):
        ds = DetDataSample()
        n = 0 if i % 5 == 4 else 1
        c = tx / 2 + (torch.rand(2, generator=generator) - 0.5) * tx / 4
        wh = tz / 2 * (0.6 + 0.8 * torch.rand(2, generator=generator))
        box = torch.cat([c - wh / 2, c + wh / 2])[None]
        ds.gt_instances = InstanceData(
            bboxes=box[:n], labels=torch.zeros(n, dtype=torch.long))
        samples.append(ds)
    return dict(
        inputs=dict(
            template=[torch.randint(0, 256, (3, tz, tz), dtype=torch.uint8,
                                    generator=generator)
                      for _ in range(batch)],
            search=[torch.randint(0, 256, (3, tx, tx), dtype=torch.uint8,
                                  generator=generator)
                    for _ in range(batch)]),
        data_samples=samples)


def xcorr_slow_depthwise(search, kernel):
    """pysot's per-pair loop, for the depthwise correlation."""
    return torch.cat([
        torch.nn.functional.conv2d(search[i:i + 1], kernel[i][:, None],
                                   groups=kernel.size(1))
        for i in range(kernel.size(0))
    ])


def xcorr_slow_up_channel(search, kernel):
    """pysot's ``xcorr_slow``."""
    return torch.cat([
        torch.nn.functional.conv2d(search[i:i + 1], kernel[i])
        for i in range(kernel.size(0))
    ])


def train_step_time(model, optim, data, device, amp: bool) -> float:
    sync(device)
    start = time.perf_counter()
    batch = model.data_preprocessor(data, True)
    with torch.autocast(device.type, enabled=amp):
        losses = model.loss(batch['inputs'], batch['data_samples'])
    optim.zero_grad()
    sum(losses.values()).backward()
    optim.step()
    sync(device)
    return time.perf_counter() - start


def median_time(fn, runs: int) -> float:
    fn()  # warm-up
    return statistics.median(fn() for _ in range(runs))


def data_pairs_per_s(config: str, items: int) -> float:
    """Pairs/s of a config's training dataset, item by item in this
    process (its datasets generated first when absent)."""
    from plugin.datasets.check.config import prepare_datasets
    from plugin.registry import DATASETS
    cfg = Config.fromfile(config)
    prepare_datasets(cfg)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    np.random.seed(0)
    order = np.random.permutation(len(dataset))
    for i in order[:20]:  # warm-up: file caches, first allocations
        dataset[int(i)]
    start = time.perf_counter()
    for k in range(items):
        dataset[int(order[k % len(order)])]
    return items / (time.perf_counter() - start)


def got10k_against_json(config: str, items: int) -> None:
    """Prints the video-pair dataset's load time and pairs/s reading
    ``annotations.json`` and reading a GOT-10k export of the same videos."""
    import tempfile
    from plugin.datasets.check.config import prepare_datasets
    from plugin.datasets.sequences import AnnotationsJsonReader, export_got10k
    from plugin.registry import DATASETS
    cfg = Config.fromfile(config)
    prepare_datasets(cfg)
    videos = cfg.train_dataloader.dataset.datasets[0]
    with tempfile.TemporaryDirectory() as tmp:
        records = AnnotationsJsonReader(videos.ann_file).read(
            videos.data_root)
        export_got10k(records, tmp, 'train')
        for name, source in (
                ('annotations.json', {}),
                ('GOT-10k layout', dict(
                    data_root=tmp, ann_file='',
                    reader=dict(type='plugin.GOT10kReader',
                                split='train')))):
            start = time.perf_counter()
            dataset = DATASETS.build(dict(videos, **source))
            dataset.full_init()
            loaded = time.perf_counter() - start
            np.random.seed(0)
            for i in range(20):  # warm-up
                dataset[i]
            start = time.perf_counter()
            for k in range(items):
                dataset[k % len(dataset)]
            rate = items / (time.perf_counter() - start)
            print(f'video pairs from {name}: {len(records)} sequences '
                  f'loaded in {loaded * 1000:.0f} ms, {rate:.1f} pairs/s')


def main() -> None:
    args = get_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cfg = Config.fromfile(args.config)
    # speed does not depend on the weights: no pretrained download
    cfg.model.backbone.pop('init_cfg', None)
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.to(device).train()
    optim = torch.optim.AdamW(model.parameters(), lr=1e-4)
    gen = torch.Generator().manual_seed(0)
    data = pairs(cfg, args.batch, gen)

    def step():
        return train_step_time(model, optim, data, device, args.amp)

    batched = median_time(step, args.runs)
    fast = (xcorr_module.xcorr_depthwise, xcorr_module.xcorr_up_channel)
    xcorr_module.xcorr_depthwise = xcorr_slow_depthwise
    xcorr_module.xcorr_up_channel = xcorr_slow_up_channel
    try:
        looped = median_time(step, args.runs)
    finally:
        xcorr_module.xcorr_depthwise, xcorr_module.xcorr_up_channel = fast
    print(f'{args.config} on {device}, torch threads '
          f'{torch.get_num_threads()}')
    print(f'training, {args.batch} pairs a step{" (AMP)" if args.amp else ""}'
          f': {batched * 1000:.1f} ms, {args.batch / batched:.1f} pairs/s; '
          f'per-pair correlation loop {looped * 1000:.1f} ms; '
          f'batched x{looped / batched:.2f}')
    if args.data_got10k:
        got10k_against_json(args.config, args.data_items)
    if args.data:
        train_rate = args.batch / batched
        for name, config in (('recipe', args.config),
                             ('baseline', args.data_baseline)):
            rate = data_pairs_per_s(config, args.data_items)
            print(f'data pipeline, {name} ({config}): {rate:.1f} pairs/s '
                  f'in one process; x{rate / train_rate:.2f} the training '
                  'step\'s pairs/s')

    model.eval()
    rng = np.random.default_rng(0)
    seqs = [rng.integers(0, 256, (args.frames, 240, 320, 3), dtype=np.uint8)
            for _ in range(args.sequences)]
    init = np.tile(np.array([[140., 100., 180., 140.]]), (args.sequences, 1))
    tracked = args.sequences * (args.frames - 1)

    def lockstep() -> float:
        _, times = model.tracker().track_sequences(seqs, init)
        return sum(times)

    def one_by_one() -> float:
        return sum(
            sum(model.tracker().track_sequences([s], i[None])[1])
            for s, i in zip(seqs, init))

    with torch.no_grad():
        t_batch = median_time(lockstep, args.runs)
        t_single = median_time(one_by_one, args.runs)
    print(f'tracking {args.sequences} sequences x {args.frames - 1} frames: '
          f'one at a time {tracked / t_single:.1f} frames/s, in lockstep '
          f'{tracked / t_batch:.1f} frames/s; lockstep x'
          f'{t_single / t_batch:.2f}')


if __name__ == '__main__':
    sys.exit(main())
