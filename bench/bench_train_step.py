"""The whole training step of a config's detector: plugin's head vs mmdet's.

Builds the config's detector twice: with plugin's head, as the config says
(e.g. ``type='plugin.AutoAssignHead'``), and with mmdet 3.3.0's (the same
config, the ``plugin.`` prefix removed from the head's type), on the same
weights (mmdet's detector is initialised, its state dict loaded strictly
into plugin's). Then runs training steps of the two alternately (plugin,
mmdet, plugin, ...), on random images and random gts that are the same for
both at each step, and prints the median step time of each, the median of
the per-step ratios mmdet / plugin (> 1: plugin is faster) and the peak
memory of each, above what was held before the step.

A step is one iteration of mmengine's runner, ``model.train_step(data,
optim_wrapper)``: the data preprocessor (to the device, normalise, pad),
backbone, neck, head, loss (label assignment included), backward, gradient
clipping when the config's ``optim_wrapper`` has it, an SGD step and
``zero_grad``. No dataset and no dataloader: each step's batch is made in
memory as the pipeline hands it over (B uint8 images of H x W, each with a
DetDataSample holding G random gts and the image's metainfo), outside the
timing.

    python bench/bench_train_step.py configs/shapes/autoassign_shapes.py
    python bench/bench_train_step.py configs/autoassign_r50_fpn.py \\
        --batch 2 --size 800x1333 --steps 3 --warmup 1
    python bench/bench_train_step.py configs/centernet_r18.py \\
        --device cuda --amp --batch 16 --size 512
    python bench/bench_train_step.py \\
        configs/shapes/autoassign_shapes_crowded.py --gts 200 --box-max 40

``--amp``: on CUDA, mmengine's AmpOptimWrapper (float16, dynamic loss
scale), as ``tools/train.py --amp``. mmengine refuses that wrapper on the
CPU; there the preprocessor, forward and loss run under
``torch.autocast('cpu', dtype=torch.bfloat16)`` instead, in the same place
(the optim wrapper's ``optim_context``). A model whose step raises is
reported as failed, with the error, and the other is still timed: mmdet's
AutoAssignHead fails under bfloat16 autocast on the CPU (an index_put of
float32 into a bfloat16 tensor).

Peak memory: on CUDA, torch's peak allocation during each timed step (the
largest over the steps); on the CPU, the peak resident set of one extra step
of each after the timings (benchlib.peak_memory_mib).

On a shared CPU, ``--threads 1`` gives steadier and faster figures: with
more threads than free cores, each parallel op waits for its slowest
thread.

The backbone's pretrained init is switched off (``init_cfg=None``): nothing
is downloaded, and the step costs the same with any weights.
"""
import argparse
import contextlib
import copy
import statistics
from typing import Dict, Iterator, Optional, Sequence, Tuple

import benchlib
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.config import Config, ConfigDict, DictAction
from mmengine.logging import MMLogger
from mmengine.model import BaseModel
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

PREFIX = 'plugin.'
# the config keys of a detector's dense head (RPN detectors: rpn_head)
HEAD_KEYS = ('bbox_head', 'rpn_head')
# SGD with mmdet's recipes' momentum and weight decay. Their lr (0.01-0.02)
# starts from a warm-up at 0.001 x; 1e-3 keeps tens of steps on random data
# finite without one. The step's cost does not depend on the lr.
SGD = dict(lr=1e-3, momentum=0.9, weight_decay=1e-4)
# a prime above any step count: the seeds of two --seed values never meet
SEED_STRIDE = 1_000_003


class CPUAutocastOptimWrapper(OptimWrapper):
    """An OptimWrapper whose ``optim_context`` (preprocessor, forward, loss)
    runs under CPU bfloat16 autocast: where AmpOptimWrapper puts its
    autocast, for the CPU, which AmpOptimWrapper refuses."""

    @contextlib.contextmanager
    def optim_context(self, model: torch.nn.Module) -> Iterator[None]:
        with super().optim_context(model), torch.autocast(
                'cpu', dtype=torch.bfloat16):
            yield


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The options; ``args.size`` is (H, W)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a detector config with a plugin head')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument(
        '--amp', action='store_true',
        help='CUDA: AmpOptimWrapper (float16); CPU: bfloat16 autocast')
    parser.add_argument('--batch', type=int, default=4, help='images (B)')
    parser.add_argument('--size', type=benchlib.image_size, default='320',
                        help='image size: 320 or 800x1333 (H x W)')
    parser.add_argument('--gts', type=int, default=6,
                        help='random gts per image (G)')
    benchlib.add_box_max(parser)
    parser.add_argument('--steps', type=int, default=5,
                        help='timed steps of each model')
    parser.add_argument('--warmup', type=int, default=2,
                        help='untimed steps of each model first')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch intra-op threads (default: torch\'s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seeds the weights and the data')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, key=value, as tools/train.py')
    return parser.parse_args(argv)


def load_config(args: argparse.Namespace) -> Config:
    """The config with ``--cfg-options`` merged, its default scope set (as
    the runner does) and the backbone's pretrained init switched off."""
    cfg = Config.fromfile(args.config)  # custom_imports imports plugin
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    cfg.model.backbone.init_cfg = None  # no download
    return cfg


def plugin_head_key(model_cfg: ConfigDict) -> str:
    """The key of the head whose type is plugin's."""
    for key in HEAD_KEYS:
        if model_cfg.get(key, {}).get('type', '').startswith(PREFIX):
            return key
    raise SystemExit(f'no {PREFIX}* head under model.{HEAD_KEYS}')


def num_classes(model_cfg: ConfigDict) -> int:
    """The classes of the gt labels: the RoI head's when there is one, else
    the dense head's (an RPN's is 1; its detector zeroes the labels
    anyway)."""
    roi_head = model_cfg.get('roi_head') or {}
    head = roi_head.get('bbox_head') or model_cfg.get('bbox_head') \
        or model_cfg.rpn_head
    return head.get('num_classes', 1)


def build_detectors(model_cfg: ConfigDict, key: str, device: torch.device,
                    seed: int) -> Tuple[BaseModel, BaseModel]:
    """Plugin's detector and mmdet's, on the same weights, in train mode.

    mmdet's is built and initialised first (seeded); plugin's loads its
    state dict strictly, as it loads mmdet's checkpoints.
    """
    mmdet_cfg = copy.deepcopy(model_cfg)
    mmdet_cfg[key].type = model_cfg[key].type[len(PREFIX):]
    torch.manual_seed(seed)
    theirs = MODELS.build(mmdet_cfg)
    theirs.init_weights()
    ours = MODELS.build(model_cfg)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    return ours.to(device).train(), theirs.to(device).train()


def head_name(model: BaseModel) -> str:
    """The module path of a detector's dense head (mmdet's RPN detector
    keeps its rpn_head as bbox_head)."""
    head = getattr(model, 'rpn_head', None) or model.bbox_head
    return f'{type(head).__module__}.{type(head).__name__}'


def make_optim_wrapper(model: BaseModel, cfg: Config, amp: bool,
                       device: torch.device) -> OptimWrapper:
    """SGD over the trainable parameters, in the wrapper ``--amp`` asks for,
    with the config's gradient clipping (part of the runner's step)."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, **SGD)
    clip_grad = cfg.get('optim_wrapper', {}).get('clip_grad')
    clip_grad = dict(clip_grad) if clip_grad else None
    if amp and device.type == 'cuda':
        return AmpOptimWrapper(
            optimizer=optimizer, loss_scale='dynamic', clip_grad=clip_grad)
    wrapper = CPUAutocastOptimWrapper if amp else OptimWrapper
    return wrapper(optimizer=optimizer, clip_grad=clip_grad)


def step_seed(args: argparse.Namespace, step: int) -> int:
    """The seed of step ``step``'s batch and random state."""
    return args.seed * SEED_STRIDE + step


def make_batch(args: argparse.Namespace, classes: int, step: int) -> dict:
    """Step ``step``'s batch, as the dataloader hands it to ``train_step``:
    B random uint8 images (3, H, W) and their DetDataSamples, each with G
    random gts (benchlib.random_gts: 4 px to 40 % of the image or to
    ``--box-max`` px, labels below ``classes``) and the metainfo
    PackDetInputs gives (the data preprocessor adds ``pad_shape`` and
    ``batch_input_shape``). Seeded by the step, so both models get the
    same batch."""
    g = torch.Generator().manual_seed(step_seed(args, step))
    h, w = args.size
    inputs = [torch.randint(0, 256, (3, h, w), generator=g,
                            dtype=torch.uint8) for _ in range(args.batch)]
    gts = benchlib.random_gts(
        argparse.Namespace(size=args.size, batch=args.batch, gts=args.gts,
                           classes=classes), g, torch.device('cpu'),
        max_side=args.box_max)
    samples = []
    for i, gt in enumerate(gts):
        sample = DetDataSample(metainfo=dict(
            img_id=i, ori_shape=(h, w), img_shape=(h, w),
            scale_factor=(1.0, 1.0), flip=False, flip_direction=None))
        sample.gt_instances = InstanceData(
            bboxes=HorizontalBoxes(gt.bboxes), labels=gt.labels)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def run_steps(models: Sequence[BaseModel],
              wrappers: Sequence[OptimWrapper], args: argparse.Namespace,
              classes: int, device: torch.device) -> Dict[str, list]:
    """``--warmup`` + ``--steps`` steps of each model, alternately.

    A model whose step raises (mmdet's AutoAssignHead does under autocast)
    takes no more steps; the other goes on.

    Returns:
        dict: per model (plugin's first), the timed steps' ``seconds``, their
        CUDA ``peaks`` (MiB; ``None`` on the CPU), every step's total
        ``loss`` and the ``error`` that stopped it (``None`` if none).
    """
    out = {k: [[] for _ in models] for k in ('seconds', 'peaks', 'loss')}
    out['error'] = [None for _ in models]
    for step in range(args.warmup + args.steps):
        for i, (model, wrapper) in enumerate(zip(models, wrappers)):
            if out['error'][i]:
                continue
            data = make_batch(args, classes, step)
            # the same random state for both (RPN samplers draw from it)
            torch.manual_seed(step_seed(args, step))
            log_vars = {}
            try:
                seconds, peak = benchlib.time_once_with_peak(
                    lambda: log_vars.update(model.train_step(data, wrapper)),
                    device)
            except Exception as e:  # noqa: B902  (report it, time the other)
                message = str(e).strip().splitlines()[0][:200]
                out['error'][i] = f'step {step}: {type(e).__name__}: {message}'
                continue
            out['loss'][i].append(float(log_vars['loss'].detach()))
            if step >= args.warmup:
                out['seconds'][i].append(seconds)
                out['peaks'][i].append(peak)
    return out


def cpu_peak_memory(model: BaseModel, wrapper: OptimWrapper,
                    args: argparse.Namespace, classes: int,
                    device: torch.device) -> float:
    """Peak resident memory (MiB) of one more, untimed step, above what was
    held before it (benchlib.peak_memory_mib: call after the timings)."""
    step = args.warmup + args.steps
    data = make_batch(args, classes, step)
    torch.manual_seed(step_seed(args, step))
    return benchlib.peak_memory_mib(lambda: model.train_step(data, wrapper),
                                    device)


def print_header(args: argparse.Namespace, cfg: Config, key: str,
                 models: Sequence[BaseModel], classes: int,
                 device: torch.device) -> None:
    """What runs: the config, the two heads, torch, device, threads,
    precision, batch, gts and size."""
    precision = 'fp32'
    if args.amp:
        precision = ('AMP float16 (AmpOptimWrapper, dynamic loss scale)'
                     if device.type == 'cuda' else
                     'AMP bfloat16 (torch.autocast on the CPU; mmengine\'s '
                     'AmpOptimWrapper refuses the CPU)')
    h, w = args.size
    print('Training step (train_step: preprocess, forward, loss, backward, '
          'SGD), plugin vs mmdet 3.3.0')
    print(f'  config : {args.config} ({cfg.model.type}, model.{key})')
    print(f'  plugin : {head_name(models[0])}')
    print(f'  mmdet  : {head_name(models[1])}')
    print(f'  torch {torch.__version__}, {device}, '
          f'{torch.get_num_threads()} threads, {precision}')
    print(f'  batch {args.batch} x {args.gts} gts, {h}x{w}, {classes} '
          f'classes, {args.steps} timed steps after {args.warmup} warm-up')


def print_results(res: Dict[str, list], memory: Sequence[Optional[float]],
                  args: argparse.Namespace) -> None:
    """The losses, then benchlib's report; or, when a model failed, its
    error next to the other's figures."""
    loss = [[f'{x:.6f}' for x in xs] or ['-'] for xs in res['loss']]
    print(f'  loss   : first step plugin {loss[0][0]}, mmdet {loss[1][0]} '
          f'(same weights and batch); last step plugin {loss[0][-1]}, '
          f'mmdet {loss[1][-1]}')
    title = (f'median of {args.steps} steps; speed-up = mmdet / plugin per '
             f'step (> 1: plugin faster); peak above what was held before a '
             f'step')
    if not any(res['error']):
        t_ours, t_mmdet = (statistics.median(s) for s in res['seconds'])
        ratio = statistics.median(b / a for a, b in zip(*res['seconds']))
        benchlib.report(title, t_ours, t_mmdet, ratio, memory)
        return
    print(title)
    for name, seconds, peak, error in zip(
            ('mmdet 3.3.0', 'plugin     '), res['seconds'][::-1],
            memory[::-1], res['error'][::-1]):
        if error:
            print(f'  {name}: failed at {error}')
        else:
            print(f'  {name}: {statistics.median(seconds) * 1e3:8.1f} ms   '
                  f'peak +{peak:8.1f} MiB')
    print('  speed-up   :      n/a')


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    # the 'current' logger from here on: no INFO line per initialised weight
    MMLogger.get_instance('bench_train_step', log_level='WARNING')
    device = benchlib.setup(args)
    cfg = load_config(args)
    key = plugin_head_key(cfg.model)
    classes = num_classes(cfg.model)
    models = build_detectors(cfg.model, key, device, args.seed)
    wrappers = [make_optim_wrapper(m, cfg, args.amp, device) for m in models]
    print_header(args, cfg, key, models, classes, device)

    res = run_steps(models, wrappers, args, classes, device)
    if device.type == 'cuda':
        memory = [max(p) if p else None for p in res['peaks']]
    else:
        memory = [None if error else
                  cpu_peak_memory(m, w, args, classes, device)
                  for m, w, error in zip(models, wrappers, res['error'])]
    print_results(res, memory, args)


if __name__ == '__main__':
    main()
