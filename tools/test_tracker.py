"""One-pass evaluation (OTB's protocol) of a Siamese tracker and baselines
on a config's test sequences: success AUC, precision at 20 px, normalised
precision and frames per second, per sequence and mean, a success /
precision plot, and (when the annotations flag frames with attributes, as
the synthetic videos' ``occlusion``, ``distractor``, ``fast_motion`` and
``scale_change`` do) the success AUC per attribute, OTB's attribute plots:
the flagged frames of all sequences pooled, see
:func:`plugin.evaluation.ope.attribute_success`.

Examples:
    python tools/test_tracker.py configs/siamrpn/siamrpn_shapes.py \
        work_dirs/siamrpn_shapes/best_ope_success_epoch_6.pth
    python tools/test_tracker.py CONFIG CKPT --baselines static mil untrained
    python tools/test_tracker.py CONFIG CKPT --batch 1   # one at a time
    bash tools/install_opencv_contrib.sh   # once, for csrt and kcf
    python tools/test_tracker.py CONFIG CKPT --baselines csrt kcf
    # a standard benchmark's folder instead of the config's test split,
    # the results also written in its toolkit's layout
    python tools/test_tracker.py CONFIG CKPT --dataset otb \
        --data-root data/OTB100 --format otb
    python tools/test_tracker.py CONFIG CKPT --dataset got10k \
        --data-root data/GOT-10k --split test   # results for its server

The model tracks ``--batch`` sequences in lockstep (default: the test
dataloader's batch size); fps counts frames 1..N-1 over the time spent
tracking them (frame loading excluded). Baselines: ``static`` (the frame-0
box held still), ``mil`` (OpenCV's TrackerMIL), ``csrt`` and ``kcf``
(OpenCV's TrackerCSRT and TrackerKCF), ``untrained`` (the model with its
initial weights). CSRT and KCF are in opencv-contrib, which cannot share
the venv with opencv-python (mmcv's): ``tools/install_opencv_contrib.sh``
installs it into ``--opencv-contrib`` (``.venv/opencv-contrib``), and
they run in a child process that imports cv2 from there, one child per
batch of sequences, which reads the frames from their files again (see
:mod:`plugin.tracking.contrib_tracker`; its seconds of start-up are not
in the fps). Everything goes to ``--work-dir``
(``work_dirs/<config>/test_tracker`` by default): ``ope.json`` (every
tracker's means, per-sequence figures, curves, per-frame IoUs and flags;
under ``attributes`` the frame count of each attribute and every tracker's
AUC on it), ``success.png`` and ``attributes.png`` (grouped bars: one group
per attribute, one bar per tracker), and with ``--format`` every tracker's
per-sequence results in that toolkit's layout under
``results/<format>/<tracker>/`` (:mod:`plugin.tracking.result_files`).

``--dataset`` reads a benchmark's folder (``--data-root``) with its reader
(:mod:`plugin.datasets.sequences`), one video at a time by default (each
is loaded whole: ``--batch`` for more in lockstep where memory allows),
and scores it one-pass, as OTB, LaSOT,
GOT-10k's val split and TrackingNet's train chunks are scored. GOT-10k's
test split and TrackingNet's TEST chunk give only frame 0's box: no
figures are printed for them, the results (``--format``, by default the
dataset's own) go to their evaluation servers.

``--protocol vot`` (the default with ``--dataset vot``, possible on any
sequence dataset, the synthetic videos included) runs the model through
VOT's supervised protocol instead, one sequence at a time
(:mod:`plugin.tracking.supervised`): re-initialised 5 frames after each
failure; accuracy (10-frame burn-in), robustness, failures and EAO over
``--eao-range`` (VOT2018's 100-356 by default) are printed and written to
``vot.json``, and ``--format vot`` writes VOT's marker files.

Shapes: S sequences, N frames each, A attributes.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Callable, Dict, List, Optional

import numpy as np
import torch
from mmengine.registry import init_default_scope

import plugin  # noqa: F401  (registers the models, safe checkpoint loading)
from plugin.analysis.track_plot import plot_attributes, plot_success
from plugin.datasets.check.config import prepare_datasets
from plugin.evaluation.ope import PRECISION_THRESHOLDS, SUCCESS_THRESHOLDS
from plugin.evaluation.ope_metric import OPEMetric, jsonable
from plugin.registry import DATASETS
from plugin.tracking import (OpenCVTracker, StaticTracker,
                             init_tracker_model, run_sequence)
from plugin.tracking.contrib_tracker import (check_contrib_dir,
                                             run_contrib_tracker)
from plugin.evaluation.vot import ar_benchmark, expected_average_overlap
from plugin.tracking.result_files import (OPE_WRITERS, per_frame_times,
                                          write_vot)
from plugin.tracking.supervised import gt_regions, track_supervised
from plugin.utils.cli import add_common_args, load_config, parse_args

BASELINES = ('static', 'mil', 'csrt', 'kcf', 'untrained')
# --dataset: each benchmark's reader, its default split and its result
# layout (--split fills the reader's split argument: TrackingNet's is a
# chunk, TEST or TRAIN_k)
STANDARD_DATASETS = dict(
    got10k=(dict(type='plugin.GOT10kReader'), 'split', 'val'),
    lasot=(dict(type='plugin.LaSOTReader'), 'split', 'test'),
    trackingnet=(dict(type='plugin.TrackingNetReader'), 'chunks', 'TEST'),
    otb=(dict(type='plugin.OTBReader'), None, None),
    vot=(dict(type='plugin.VOTReader'), None, None))
# the baselines that need opencv-contrib -> their cv2.Tracker<kind>
CONTRIB_BASELINES = dict(csrt='CSRT', kcf='KCF')


def get_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='One-pass evaluation of a tracker and baselines')
    parser.add_argument('config', help='tracker config file')
    parser.add_argument(
        'checkpoint', help="checkpoint file ('none': initial weights)")
    parser.add_argument('--work-dir', help='where ope.json and the plot go')
    parser.add_argument(
        '--baselines',
        nargs='*',
        default=[],
        choices=BASELINES,
        help='baseline trackers measured on the same sequences')
    parser.add_argument(
        '--opencv-contrib',
        default='.venv/opencv-contrib',
        metavar='DIR',
        help='where tools/install_opencv_contrib.sh put opencv-contrib '
        '(for csrt and kcf)')
    parser.add_argument(
        '--batch', type=int, help='sequences tracked together by the model')
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='device of the model')
    parser.add_argument(
        '--per-sequence',
        action='store_true',
        help='print a table of every sequence')
    parser.add_argument(
        '--dataset',
        choices=sorted(STANDARD_DATASETS),
        help="a benchmark's folder (--data-root) instead of the config's "
        'test split')
    parser.add_argument('--data-root', help="the benchmark's folder")
    parser.add_argument(
        '--split',
        help='GOT-10k: train, val (default) or test; LaSOT: test (default), '
        'train or all; TrackingNet: TEST (default) or TRAIN_k')
    parser.add_argument(
        '--format',
        choices=sorted(OPE_WRITERS) + ['vot'],
        help="also write the results in this toolkit's layout (vot: with "
        '--protocol vot)')
    parser.add_argument(
        '--protocol',
        choices=['ope', 'vot'],
        help="one-pass (default) or VOT's supervised protocol (the default "
        'with --dataset vot)')
    parser.add_argument(
        '--eao-range',
        nargs=2,
        type=int,
        default=[100, 356],
        metavar=('LOW', 'HIGH'),
        help="EAO's sequence-length range (VOT2018's 100 356)")
    add_common_args(parser)
    args = parse_args(parser)
    if (args.dataset is None) != (args.data_root is None):
        parser.error('--dataset and --data-root go together')
    if args.split is not None and (
            args.dataset is None or STANDARD_DATASETS[args.dataset][1] is None):
        parser.error('--split needs --dataset got10k, lasot or trackingnet')
    if args.protocol is None:
        args.protocol = 'vot' if args.dataset == 'vot' else 'ope'
    if (args.format == 'vot') != (args.protocol == 'vot') and \
            args.format is not None:
        parser.error('--format vot goes with --protocol vot, and only it')
    return args


def run_vot(model, dataset, work_dir: str, eao_range, write: bool) -> None:
    """The model through VOT's supervised protocol on every sequence;
    prints and writes ``vot.json`` (and VOT's files when ``write``)."""
    trajectories, regions, bounds = [], [], []
    for i in range(len(dataset)):
        frames = dataset[i]['inputs']['frames']
        info = dataset.get_data_info(i)
        regions.append(gt_regions(info))
        trajectories.append(
            track_supervised(model.tracker(), frames, regions[-1]))
        bounds.append((frames.shape[2], frames.shape[1]))
        if write:
            write_vot(osp.join(work_dir, 'results', 'vot', 'SiamRPN'),
                      info['seq_name'], trajectories[-1])
    ar = ar_benchmark(trajectories, regions, bounds=bounds)
    # EAO clips with (W - 1, H - 1), as pysot's EAOBenchmark does
    eao = expected_average_overlap(
        trajectories, regions, *eao_range,
        bounds=[(w - 1, h - 1) for w, h in bounds])
    print(f'VOT supervised protocol, {len(dataset)} sequences: accuracy '
          f'{ar.accuracy:.3f}, robustness {ar.robustness:.3f} (failures '
          f'per 100 frames), {ar.lost_number} failures, EAO {eao:.3f} '
          f'(lengths {eao_range[0]}-{eao_range[1]})')
    with open(osp.join(work_dir, 'vot.json'), 'w') as f:
        json.dump(dict(accuracy=ar.accuracy, robustness=ar.robustness,
                       lost_number=ar.lost_number, eao=eao,
                       eao_range=list(eao_range)), f, indent=1)


def standard_dataset(cfg_dataset: dict, name: str, data_root: str,
                     split: Optional[str]) -> dict:
    """The config's test dataset reading a benchmark's folder instead."""
    reader, key, default = STANDARD_DATASETS[name]
    reader = dict(reader)
    if key is not None:
        value = split or default
        reader[key] = [value] if key == 'chunks' else value
    return dict(cfg_dataset, data_root=data_root, ann_file='', reader=reader)


def server_only(dataset) -> bool:
    """Whether no sequence has a box after frame 0 (GOT-10k's test split,
    TrackingNet's TEST chunk): figures only from the benchmark's server."""
    return all(
        not np.isfinite(dataset.get_data_info(i)['gt_bboxes'][1:]).any()
        for i in range(len(dataset)))


def results_saver(writer: Callable,
                  results_dir: str) -> Callable[[str, list], None]:
    """``save(tracker name, samples)`` writing a batch's results with
    ``writer`` under ``results_dir/<tracker name>/``."""

    def save(name: str, samples: list) -> None:
        out_dir = osp.join(results_dir, name.replace(' ', '_'))
        for sample in samples:
            boxes = np.asarray(sample.pred_track_bboxes)
            writer(out_dir, str(sample.seq_name), boxes,
                   per_frame_times(sample.track_time, len(boxes)))

    return save


def track_all(dataset, batch: int, trackers: Dict[str, Callable],
              per_sequence: bool,
              save: Optional[Callable[[str, list], None]] = None
              ) -> Dict[str, OPEMetric]:
    """Track every sequence with every tracker and score it.

    Each batch of sequences is loaded once and given to every tracker in
    turn; ``track(frames list, samples)`` sets ``pred_track_bboxes`` and
    ``track_time``, which the tracker's metric reads at once (and
    ``save(tracker name, samples)``, when given, writes to files).
    """
    metrics = {name: OPEMetric(per_sequence=per_sequence) for name in trackers}
    for start in range(0, len(dataset), batch):
        stop = min(start + batch, len(dataset))
        items = [dataset[i] for i in range(start, stop)]
        frames = [item['inputs']['frames'] for item in items]
        samples = [item['data_samples'] for item in items]
        for name, track in trackers.items():
            print(f'sequences {start}..{stop - 1} of {len(dataset)}: {name}',
                  flush=True)
            track(frames, samples)
            if save is not None:
                save(name, samples)
            metrics[name].process(None, samples)
    return metrics


def summarise(metric: OPEMetric) -> dict:
    """Means, per-sequence figures and mean curves, for ope.json, and the
    success AUC per attribute (``attributes``: ``success`` and
    ``num_frames``, both attribute name -> value; empty dicts when no
    sequence has flags)."""
    means = metric.compute_metrics(metric.results)
    curves = dict(
        success=np.mean([r['success_curve'] for r in metric.results], 0),
        precision=np.mean([r['precision_curve'] for r in metric.results], 0))
    success, num_frames = metric.attribute_scores()
    return dict(
        means=means,
        sequences=[
            jsonable(r)
            for r in sorted(metric.results, key=lambda r: r['seq_name'])
        ],
        curves={k: v.tolist()
                for k, v in curves.items()},
        attributes=dict(success=success, num_frames=num_frames))


def attribute_table(results: Dict[str, dict]) -> Optional[dict]:
    """Every tracker's success AUC per attribute, for ope.json.

    Args:
        results: tracker name -> what :func:`summarise` returned.

    Returns:
        ``dict(num_frames={attribute: frames}, success={tracker:
        {attribute: AUC}})``, or None when no sequence has flags. The frame
        counts (flagged frames with a gt) are the same for every tracker,
        which all ran on the same sequences.
    """
    first = next(iter(results.values()))['attributes']
    if not first['num_frames']:
        return None
    return dict(
        num_frames=first['num_frames'],
        success={n: r['attributes']['success']
                 for n, r in results.items()})


def format_attribute_table(table: dict) -> str:
    """Rows: trackers; columns: attributes, 'name (frames)' in the header.
    """
    heads = [f'{a} ({n})' for a, n in table['num_frames'].items()]
    widths = [max(len(h), 6) for h in heads]
    header = f'{"tracker":<20} ' + ' '.join(
        f'{h:>{w}}' for h, w in zip(heads, widths))
    rows = [header, '-' * len(header)]
    for name, success in table['success'].items():
        rows.append(f'{name:<20} ' + ' '.join(
            f'{success[a]:>{w}.3f}'
            for a, w in zip(table['num_frames'], widths)))
    return '\n'.join(rows)


def model_track(model):
    """The model's lockstep tracking over a batch of sequences."""

    def track(frames: List[np.ndarray], samples: list) -> None:
        with torch.no_grad():
            model.predict(dict(frames=frames), samples)

    return track


def per_frame_track(make):
    """A per-frame baseline tracker run sequence by sequence."""

    def track(frames: List[np.ndarray], samples: list) -> None:
        for seq, sample in zip(frames, samples):
            pred, seconds = run_sequence(make(), seq, sample.gt_bboxes[0])
            sample.pred_track_bboxes = pred
            sample.track_time = seconds

    return track


def contrib_track(kind: str, contrib_dir: str):
    """An OpenCV contrib baseline (``'CSRT'``, ``'KCF'``), run a batch of
    sequences at a time in a child process that reads the frames from the
    samples' ``frame_paths`` (the arrays are not passed: the child would
    need them on disk anyway)."""

    def track(frames: List[np.ndarray], samples: list) -> None:
        results = run_contrib_tracker(
            kind, [(s.frame_paths, s.gt_bboxes[0]) for s in samples],
            contrib_dir)
        for sample, (pred, seconds) in zip(samples, results):
            sample.pred_track_bboxes = pred
            sample.track_time = seconds

    return track


def main() -> None:
    args = get_args()
    if any(b in CONTRIB_BASELINES for b in args.baselines):
        # before the model and the data: a missing install is found at once
        try:
            check_contrib_dir(args.opencv_contrib)
        except FileNotFoundError as err:
            sys.exit(f'error: {err}')
    cfg = load_config(args)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    prepare_datasets(cfg)
    work_dir = args.work_dir or osp.join(cfg.work_dir, 'test_tracker')
    os.makedirs(work_dir, exist_ok=True)
    dataset_cfg = cfg.test_dataloader.dataset
    if args.dataset is not None:
        dataset_cfg = standard_dataset(dataset_cfg, args.dataset,
                                       args.data_root, args.split)
    dataset = DATASETS.build(dataset_cfg)
    # a benchmark's videos are loaded whole (hundreds to thousands of
    # frames): one at a time unless --batch says otherwise
    batch = args.batch or (1 if args.dataset else
                           cfg.test_dataloader.get('batch_size', 1))
    if args.protocol == 'vot':
        run_vot(init_tracker_model(cfg, args.checkpoint, args.device),
                dataset, work_dir, args.eao_range, args.format == 'vot')
        return
    scored = not server_only(dataset)
    fmt = args.format
    if fmt is None and not scored:
        fmt = args.dataset  # the server needs the files
    results_dir = osp.join(work_dir, 'results', str(fmt))
    save = None if fmt is None else results_saver(OPE_WRITERS[fmt],
                                                  results_dir)

    trackers = {
        'SiamRPN': model_track(
            init_tracker_model(cfg, args.checkpoint, args.device))
    }
    if 'untrained' in args.baselines:
        torch.manual_seed(0)  # the same initial weights on every run
        trackers['SiamRPN untrained'] = model_track(
            init_tracker_model(cfg, 'none', args.device))
    if 'static' in args.baselines:
        trackers['frame-0 box'] = per_frame_track(StaticTracker)
    if 'mil' in args.baselines:
        trackers['OpenCV MIL'] = per_frame_track(
            lambda: OpenCVTracker('MIL'))
    for baseline, kind in CONTRIB_BASELINES.items():
        if baseline in args.baselines:
            trackers[f'OpenCV {kind}'] = contrib_track(
                kind, args.opencv_contrib)

    metrics = track_all(dataset, batch, trackers, args.per_sequence, save)
    if save is not None:
        print(f'{fmt} results, one folder per tracker: {results_dir}')
    if not scored:
        print(f'{args.dataset} {args.split or "test"}: only frame 0 is '
              'annotated, so no figures here; submit the results to the '
              "benchmark's evaluation server")
        return
    results = {name: summarise(m) for name, m in metrics.items()}

    header = f'{"tracker":<20} {"success":>8} {"prec@20":>8} ' \
             f'{"norm prec":>9} {"fps":>8}'
    print(header + '\n' + '-' * len(header))
    for name, r in results.items():
        m = r['means']
        print(f'{name:<20} {m["success"]:>8.3f} {m["precision"]:>8.3f} '
              f'{m["norm_precision"]:>9.3f} {m["fps"]:>8.1f}')
    attributes = attribute_table(results)
    if attributes is None:
        print('no per-frame attribute flags in the annotations: no '
              'per-attribute success')
    else:
        print('\nsuccess AUC per attribute (flagged frames of all '
              'sequences):\n' + format_attribute_table(attributes))
    with open(osp.join(work_dir, 'ope.json'), 'w') as f:
        json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                       batch=batch, device=args.device, trackers=results,
                       attributes=attributes),
                  f, indent=1)
    title = f'{len(dataset)} sequences of {osp.basename(args.config)}'
    plot = osp.join(work_dir, 'success.png')
    plot_success(
        {n: (SUCCESS_THRESHOLDS, np.asarray(r['curves']['success']))
         for n, r in results.items()},
        plot,
        title=title,
        precision={
            n: (PRECISION_THRESHOLDS, np.asarray(r['curves']['precision']))
            for n, r in results.items()
        })
    print(f'per-sequence figures and curves: {osp.join(work_dir, "ope.json")}'
          f'\nsuccess and precision plots: {plot}')
    if attributes is not None:
        bars = osp.join(work_dir, 'attributes.png')
        plot_attributes(attributes['success'], attributes['num_frames'],
                        bars, title=title)
        print(f'success per attribute: {bars}')


if __name__ == '__main__':
    main()
