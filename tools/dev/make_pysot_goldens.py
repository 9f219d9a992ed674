"""Make the pysot golden files of ``tests/tools/test_convert_pysot.py``
(``tests/golden/pysot/``) with pysot itself as the oracle.

Needs a pysot checkout and ``yacs`` (pysot's config module), neither of
which the repository or CI depends on; put them on the path only here:

    git clone https://github.com/STVIR/pysot /tmp/pysot   # made at d04028f
    pip install --target /tmp/yacs yacs                   # any scratch dir
    .venv/bin/python tools/dev/make_pysot_goldens.py \
        --pysot /tmp/pysot --extra-path /tmp/yacs

Shapes: B = 2 crop pairs, K = 5 anchor shapes, S x S score map, N = 6
frames.

What it writes (about 450 kB in all):

* ``<name>_model.pth``: the state dict of pysot's ``ModelBuilder`` for
  each model of :data:`MODELS` (packed: :func:`pack_state_dict`; the test
  saves it back as pysot's own checkpoints are, bare or, for the ResNet,
  as a DataParallel training checkpoint ``{'epoch', 'state_dict'}`` with
  ``module.`` keys): width-reduced (channels / 32) so that the files stay
  small, seeded random weights (pysot's initialisation, then random
  BatchNorm affine parameters, biases and MultiRPN level weights),
  BatchNorm statistics gathered in train mode on synthetic crops and on
  the video's crops, the last layers scaled so that the scores have a
  standard deviation of about 2 and the box deltas of 0.3 on the video's
  crops (random weights otherwise give deltas whose exponentials overflow
  the frame), every float rounded to a bfloat16 value (stored as such).
* ``<name>_outputs.pth``: pysot's ``ModelBuilder.template`` then
  ``track`` on :func:`synthetic_crops` (``cls`` (B, 2K, S, S), ``loc``
  (B, 4K, S, S)); and pysot's ``SiamRPNTracker`` (the experiment's TRACK
  options) on :func:`synthetic_video` from :data:`INIT_XYWH`: per frame
  its ``center_pos`` and ``size`` (pysot's pixel-index coordinates, where
  pixel i is at i), the ``bbox`` it returns, the best score and the margin
  of the best penalised score over the second (this script refuses a
  model whose argmax is nearly tied, < :data:`MIN_MARGIN`, which float
  rounding could flip). ``r50_l234_otb`` reuses ``r50_l234``'s weights
  (the unweighted MultiRPN has the same keys less the level weights).
* ``pysot_keys.json``: the key -> shape of full-size pysot models
  (pysot's ``ModelBuilder`` for each experiment of :data:`FULL_MODELS`),
  for the complete-mapping test of the full-size configs.

The synthetic inputs are integer functions of the pixel coordinates (no
random generator, no floating point), defined here and imported by the
test, so that the test feeds the plugin model the crops and frames that
pysot saw.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OUT_DIR = osp.join(ROOT, 'tests', 'golden', 'pysot')
# channels / WIDTH_DIV in the golden models: small files, same structure
WIDTH_DIV = 32
# pysot's AlexNet width_mult for that
ALEX_WIDTH = 1 / WIDTH_DIV
# AlexNet's last width (256) and the ResNet levels' (512, 1024, 2048)
# reduced; the ResNet's neck maps them to NECK_WIDTH channels
ALEX_OUT = 256 // WIDTH_DIV
R50_LEVELS = [512 // WIDTH_DIV, 1024 // WIDTH_DIV, 2048 // WIDTH_DIV]
NECK_WIDTH = 256 // WIDTH_DIV
# the crops of the forward test: 2 pairs; 127 px templates; search sides
# of 191 (AlexNet: a 9 x 9 score map) and 175 (ResNet: 21 x 21 layer-2
# maps, wide enough (>= 20) that the neck keeps them whole: 15 x 15 scores)
NUM_PAIRS = 2
TEMPLATE_SIZE = 127
# the tracked video: 6 frames of 120 x 160; the target's box in frame 0
# as pysot's init takes it (x, y, w, h; pixel-index corner), chosen with
# fractional parts (.1 / .6 and .9 / .4 for the centre against half- or
# whole-pixel crop offsets) far from where pysot's floor() of the crop
# corner could round differently in another float computation
NUM_FRAMES = 6
FRAME_HW = (120, 160)
INIT_XYWH = (60.3, 45.2, 22.6, 18.4)
# the square's top-left corner in frame t: SQUARE_XY + t * SQUARE_STEP (px),
# side SQUARE_WH
SQUARE_XY = (60, 45)
SQUARE_STEP = (4, 2)
SQUARE_WH = (23, 18)
# the least gap between the best and second-best penalised score (pysot's
# pscore) accepted per frame: float32 rounding (< 1e-6) cannot swap them
MIN_MARGIN = 1e-4
# standard deviations the last layers are scaled to (see the docstring)
CLS_STD, LOC_STD = 2.0, 0.3
# (dx, dy) px of the target's centre at which video search crops are cut
# for the BatchNorm statistics
CALIB_SHIFTS = [(0, 0), (6, -3), (-5, 4), (3, 7)]

# name -> the golden model: pysot experiment (experiments/<name>/
# config.yaml) and the changes to it; the plugin config and --cfg-options
# the test converts it with; the forward test's search side; how the
# checkpoint is saved; a seed
MODELS: Dict[str, dict] = {
    'alex_upchannel': dict(
        experiment='siamrpn_alex_dwxcorr',
        # pysot's AlexNet layout (layerN keys); UPChannelRPN in the place
        # of DepthwiseRPN (pysot ships no up-channel experiment)
        backbone=dict(TYPE='alexnet', KWARGS=dict(width_mult=ALEX_WIDTH)),
        rpn=dict(TYPE='UPChannelRPN',
                 KWARGS=dict(anchor_num=5, feature_in=ALEX_OUT)),
        config='configs/siamrpn/pysot/siamrpn_alex_upchannel.py',
        cfg_options={'model.backbone.width_mult': ALEX_WIDTH,
                     'model.head.in_channels': ALEX_OUT},
        search_size=191, tracked_size=287, wrap=False, seed=1),
    'alex_dwxcorr': dict(
        experiment='siamrpn_alex_dwxcorr',
        # the released models' AlexNetLegacy layout (features.N keys)
        backbone=dict(TYPE='alexnetlegacy',
                      KWARGS=dict(width_mult=ALEX_WIDTH)),
        rpn=dict(TYPE='DepthwiseRPN',
                 KWARGS=dict(anchor_num=5, in_channels=ALEX_OUT,
                             out_channels=ALEX_OUT)),
        config='configs/siamrpn/pysot/siamrpn_alex_dwxcorr.py',
        cfg_options={'model.backbone.width_mult': ALEX_WIDTH,
                     'model.head.in_channels': ALEX_OUT,
                     'model.head.feat_channels': ALEX_OUT},
        search_size=191, tracked_size=287, wrap=False, seed=2),
    'r50_l234': dict(
        experiment='siamrpn_r50_l234_dwxcorr',
        backbone=dict(TYPE='resnet50', KWARGS=dict(used_layers=[2, 3, 4])),
        adjust=dict(KWARGS=dict(in_channels=R50_LEVELS,
                                out_channels=[NECK_WIDTH] * 3)),
        rpn=dict(TYPE='MultiRPN',
                 KWARGS=dict(anchor_num=5, in_channels=[NECK_WIDTH] * 3,
                             weighted=True)),
        config='configs/siamrpn/pysot/siamrpn_r50_l234_dwxcorr.py',
        cfg_options={'model.backbone.base_channels': 64 // WIDTH_DIV,
                     'model.neck.in_channels': R50_LEVELS,
                     'model.neck.out_channels': [NECK_WIDTH] * 3,
                     'model.head.in_channels': [NECK_WIDTH] * 3,
                     'model.head.feat_channels': [NECK_WIDTH] * 3},
        search_size=175, tracked_size=255, wrap=True, seed=3),
}
# outputs only: r50_l234's weights less MultiRPN's level weights
MODELS['r50_l234_otb'] = dict(
    MODELS['r50_l234'], experiment='siamrpn_r50_l234_dwxcorr_otb',
    rpn=dict(TYPE='MultiRPN',
             KWARGS=dict(anchor_num=5, in_channels=[NECK_WIDTH] * 3,
                         weighted=False)),
    config='configs/siamrpn/pysot/siamrpn_r50_l234_dwxcorr_otb.py',
    weights_of='r50_l234')

# full-size pysot models whose key names and shapes go to pysot_keys.json:
# name -> experiment and changes, as MODELS
FULL_MODELS: Dict[str, dict] = {
    'siamrpn_alex_dwxcorr': dict(experiment='siamrpn_alex_dwxcorr'),
    # the training config's AlexNet layout (layerN keys)
    'siamrpn_alex_dwxcorr_16gpu': dict(
        experiment='siamrpn_alex_dwxcorr_16gpu'),
    'siamrpn_alex_upchannel': dict(
        experiment='siamrpn_alex_dwxcorr',
        rpn=dict(TYPE='UPChannelRPN',
                 KWARGS=dict(anchor_num=5, feature_in=256))),
    'siamrpn_r50_l234_dwxcorr': dict(experiment='siamrpn_r50_l234_dwxcorr'),
    'siamrpn_r50_l234_dwxcorr_otb': dict(
        experiment='siamrpn_r50_l234_dwxcorr_otb'),
    # SiamRPN++ without AdjustAllLayer: the heads on the raw levels
    'siamrpn_r50_l234_noadjust': dict(
        experiment='siamrpn_r50_l234_dwxcorr',
        adjust=dict(ADJUST=False),
        rpn=dict(TYPE='MultiRPN',
                 KWARGS=dict(anchor_num=5, in_channels=[512, 1024, 2048],
                             weighted=True))),
}


# ----------------------------------------------------------------------
# synthetic inputs (no pysot needed: the test imports these)
# ----------------------------------------------------------------------
def _hash(x: np.ndarray, y: np.ndarray, salt: int) -> np.ndarray:
    """A deterministic integer hash of pixel coordinates -> 0..255."""
    mask = np.uint64(0xFFFFFFFF)
    h = (x.astype(np.uint64) * np.uint64(374761393) +
         y.astype(np.uint64) * np.uint64(668265263) +
         np.uint64(salt) * np.uint64(2246822519)) & mask
    h = ((h ^ (h >> np.uint64(13))) * np.uint64(1274126177)) & mask
    return ((h ^ (h >> np.uint64(16))) >> np.uint64(24)).astype(np.int64)


def synthetic_image(height: int, width: int, salt: int) -> np.ndarray:
    """(H, W, 3) uint8: a smooth ramp plus hashed noise, per channel."""
    y, x = np.mgrid[0:height, 0:width]
    chans = [(x * (3 + c) + y * (5 - c) + _hash(x, y, 3 * salt + c)) % 256
             for c in range(3)]
    return np.stack(chans, -1).astype(np.uint8)


def synthetic_crops(size: int, salt: int, num: int = NUM_PAIRS):
    """(num, 3, size, size) float32 tensor of whole pixel values 0..255, as
    pysot's tracker hands its model crops (BGR, not normalised)."""
    import torch
    imgs = np.stack([synthetic_image(size, size, salt * 100 + i)
                     for i in range(num)])
    return torch.from_numpy(np.ascontiguousarray(
        imgs.transpose(0, 3, 1, 2), dtype=np.float32))


def synthetic_video() -> np.ndarray:
    """(N, H, W, 3) uint8 BGR: a textured square on a textured background,
    moving by :data:`SQUARE_STEP` px per frame."""
    h, w = FRAME_HW
    frames = []
    for t in range(NUM_FRAMES):
        frame = synthetic_image(h, w, 7).astype(np.int64) // 2
        x0 = SQUARE_XY[0] + t * SQUARE_STEP[0]
        y0 = SQUARE_XY[1] + t * SQUARE_STEP[1]
        y, x = np.mgrid[0:SQUARE_WH[1], 0:SQUARE_WH[0]]
        # the target's own texture, moving with it
        frame[y0:y0 + SQUARE_WH[1], x0:x0 + SQUARE_WH[0]] = np.stack(
            [160 + _hash(x, y, 11 + c) // 4 for c in range(3)], -1)
        frames.append(frame.astype(np.uint8))
    return np.stack(frames)


# ----------------------------------------------------------------------
# the golden state dicts' packing (no pysot needed: the test unpacks)
# ----------------------------------------------------------------------
def round_to_bfloat16(state_dict: dict) -> None:
    """Round every float tensor to a bfloat16 value, in place: then the
    packed bfloat16 copy restores the weights the outputs came from
    exactly (at half the bytes of float32)."""
    for value in state_dict.values():
        if value.is_floating_point():
            value.copy_(value.bfloat16().float())


def pack_state_dict(state_dict: dict) -> dict:
    """A state dict as a few tensors (each tensor of a torch.save costs a
    few hundred bytes of its own): names, shapes, float values (bfloat16,
    see :func:`round_to_bfloat16`) and integer values concatenated."""
    import torch
    floats = [v.reshape(-1) for v in state_dict.values()
              if v.is_floating_point()]
    ints = [v.reshape(-1) for v in state_dict.values()
            if not v.is_floating_point()]
    return dict(
        names=list(state_dict),
        shapes=[list(v.shape) for v in state_dict.values()],
        is_float=[v.is_floating_point() for v in state_dict.values()],
        floats=torch.cat(floats).bfloat16(),
        ints=torch.cat(ints).long())


def unpack_state_dict(packed: dict) -> dict:
    """The state dict of :func:`pack_state_dict`: float32 and int64
    tensors."""
    import math
    state_dict, offsets = {}, dict(floats=0, ints=0)
    for name, shape, is_float in zip(packed['names'], packed['shapes'],
                                     packed['is_float']):
        kind = 'floats' if is_float else 'ints'
        numel = math.prod(shape)
        flat = packed[kind][offsets[kind]:offsets[kind] + numel]
        offsets[kind] += numel
        state_dict[name] = (flat.float() if is_float else flat).reshape(
            shape).clone()
    return state_dict


# ----------------------------------------------------------------------
# pysot (only below)
# ----------------------------------------------------------------------
def _configure(spec: dict, pysot_root: str) -> None:
    """pysot's global cfg for a model spec: the experiment's config.yaml,
    then the spec's changes (KWARGS replaced whole)."""
    from pysot.core.config import cfg
    from yacs.config import CfgNode
    cfg.defrost()
    for node in (cfg.BACKBONE, cfg.ADJUST, cfg.RPN):
        node.KWARGS = CfgNode(new_allowed=True)
    cfg.merge_from_file(
        osp.join(pysot_root, 'experiments', spec['experiment'],
                 'config.yaml'))
    for key, node in (('backbone', cfg.BACKBONE), ('adjust', cfg.ADJUST),
                      ('rpn', cfg.RPN)):
        for name, value in spec.get(key, {}).items():
            if name == 'KWARGS':
                node.KWARGS = CfgNode(value, new_allowed=True)
            else:
                setattr(node, name, value)
    cfg.CUDA = False


def _tiny_resnet50(used_layers: List[int]):
    """pysot's atrous ResNet-50 (its Bottleneck and _make_layer: the
    paddings and dilations tested) with every width / WIDTH_DIV."""
    from pysot.models.backbone import resnet_atrous as ra
    from torch import nn

    class TinyResNet(ra.ResNet):

        def _make_layer(self, block, planes, blocks, stride=1, dilation=1):
            if not getattr(self, '_narrowed', False):  # the stem's width
                self.inplanes //= WIDTH_DIV
                self._narrowed = True
            return super()._make_layer(block, planes // WIDTH_DIV, blocks,
                                       stride, dilation)

    net = TinyResNet(ra.Bottleneck, [3, 4, 6, 3], used_layers)
    stem = 64 // WIDTH_DIV
    net.conv1 = nn.Conv2d(3, stem, kernel_size=7, stride=2, padding=0,
                          bias=False)
    net.bn1 = nn.BatchNorm2d(stem)
    return net


def _randomise(model, gen) -> None:
    """Random BatchNorm affine parameters, conv biases and level weights."""
    import torch
    from torch import nn
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5, generator=gen)
            m.bias.data.normal_(0., 0.2, generator=gen)
        elif isinstance(m, nn.Conv2d) and m.bias is not None:
            m.bias.data.normal_(0., 0.1, generator=gen)
    for name in ('cls_weight', 'loc_weight'):
        w = getattr(model.rpn_head, name, None)
        if w is not None:
            w.data.copy_(torch.randn(w.shape, generator=gen))


def _features(model, z, x):
    zf, xf = model.backbone(z), model.backbone(x)
    if hasattr(model, 'neck'):
        zf, xf = model.neck(zf), model.neck(xf)
    return model.rpn_head(zf, xf)


def _video_crops(size: int, scale: float, shifts) -> 'torch.Tensor':
    """(len(shifts), 3, size, size) crops of the synthetic video's frames
    cut by pysot's get_subwindow around the target's frame-0 centre moved
    by each (dx, dy), of side ``scale`` x its context size."""
    import torch
    from pysot.tracker.base_tracker import SiameseTracker
    frames = synthetic_video()
    x, y, w, h = INIT_XYWH
    p = 0.5 * (w + h)  # pysot's CONTEXT_AMOUNT 0.5
    s_z = np.sqrt((w + p) * (h + p))
    crops = []
    for i, (dx, dy) in enumerate(shifts):
        frame = frames[i % len(frames)]
        centre = np.array([x + (w - 1) / 2 + dx, y + (h - 1) / 2 + dy])
        crops.append(SiameseTracker().get_subwindow(
            frame, centre, size, round(s_z * scale),
            np.mean(frame, axis=(0, 1))))
    return torch.cat(crops).contiguous()


def _calibrate(model, salt: int, search_size: int,
               tracked_search: int) -> None:
    """BatchNorm statistics of synthetic and video crops (train mode,
    cumulative), then the last layers scaled to CLS_STD / LOC_STD on the
    video's crops (those the tracker sees)."""
    import torch
    from torch import nn
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # a plain average over the batches
    # pairs like those the goldens record: the synthetic crops, and the
    # video's crops as the tracker cuts them (templates on the target,
    # searches around it: frames 0..3, the centre shifted by CALIB_SHIFTS)
    pairs = [(synthetic_crops(TEMPLATE_SIZE, salt + i),
              synthetic_crops(search_size, salt + 50 + i)) for i in range(2)]
    video = (_video_crops(TEMPLATE_SIZE, 1.0, [(0, 0)] * len(CALIB_SHIFTS)),
             _video_crops(tracked_search, tracked_search / TEMPLATE_SIZE,
                          CALIB_SHIFTS))
    model.train()
    with torch.no_grad():
        for z, x in pairs + [video]:
            _features(model, z, x)
    for bn in bns:
        bn.momentum = 0.1  # pysot's (nn.BatchNorm2d's default)
    model.eval()
    with torch.no_grad():
        cls, loc = _features(model, *video)
        head = model.rpn_head
        if hasattr(head, 'template_cls_conv'):  # UPChannelRPN
            cls_layers, loc_layers = [head.template_cls_conv], \
                [head.loc_adjust]
        else:
            rpns = [head] if hasattr(head, 'cls') else [
                m for n, m in head.named_children() if n.startswith('rpn')]
            cls_layers = [r.cls.head[3] for r in rpns]
            loc_layers = [r.loc.head[3] for r in rpns]
        for layers, out, std in ((cls_layers, cls, CLS_STD),
                                 (loc_layers, loc, LOC_STD)):
            scale = std / float(out.std())
            for layer in layers:
                layer.weight.mul_(scale)
                layer.bias.mul_(scale)


class _ArgmaxMargins:
    """numpy for pysot's tracker module, recording each argmax's margin."""

    def __init__(self) -> None:
        self.margins: List[float] = []

    def __getattr__(self, name):
        return getattr(np, name)

    def argmax(self, a, *args, **kwargs):
        top2 = np.sort(np.asarray(a).ravel())[-2:]
        self.margins.append(float(top2[1] - top2[0]))
        return np.argmax(a, *args, **kwargs)


def _track(model) -> dict:
    """pysot's SiamRPNTracker on the synthetic video."""
    import pysot.tracker.siamrpn_tracker as st
    tracker = st.SiamRPNTracker(model)
    frames = synthetic_video()
    numpy_proxy = _ArgmaxMargins()
    st.np = numpy_proxy  # the tracker module's numpy, for its argmax
    try:
        tracker.init(frames[0], list(INIT_XYWH))
        centers, sizes = [tracker.center_pos.copy()], [tracker.size.copy()]
        bboxes, scores = [list(INIT_XYWH)], [1.0]
        for frame in frames[1:]:
            out = tracker.track(frame)
            centers.append(tracker.center_pos.copy())
            sizes.append(tracker.size.copy())
            bboxes.append([float(v) for v in out['bbox']])
            scores.append(float(out['best_score']))
    finally:
        st.np = np
    margins = numpy_proxy.margins
    if min(margins) < MIN_MARGIN:
        raise RuntimeError(f'near-tied argmax (margins {margins}): '
                           'change the seed or the video')
    import torch
    return dict(center_pos=torch.tensor(np.stack(centers)),
                size=torch.tensor(np.stack(sizes)),
                bbox=torch.tensor(bboxes, dtype=torch.float64),
                best_score=torch.tensor(scores, dtype=torch.float64),
                margin=torch.tensor(margins, dtype=torch.float64))


def _build(spec: dict, pysot_root: str):
    import pysot.models.backbone as backbones
    from pysot.models.model_builder import ModelBuilder
    _configure(spec, pysot_root)
    original = backbones.BACKBONES['resnet50']
    if spec.get('tiny'):
        backbones.BACKBONES['resnet50'] = \
            lambda used_layers: _tiny_resnet50(used_layers)
    try:
        return ModelBuilder()
    finally:
        backbones.BACKBONES['resnet50'] = original


def make_golden(name: str, pysot_root: str, out_dir: str,
                state_dicts: dict) -> None:
    """One golden model's checkpoint (unless it reuses one) and outputs."""
    import torch
    spec = dict(MODELS[name], tiny=True)
    torch.manual_seed(spec['seed'])
    model = _build(spec, pysot_root)
    if 'weights_of' in spec:
        sd = {k: v for k, v in state_dicts[spec['weights_of']].items()
              if k not in ('rpn_head.cls_weight', 'rpn_head.loc_weight')}
        model.load_state_dict(sd, strict=True)
        model.eval()
    else:
        gen = torch.Generator().manual_seed(spec['seed'])
        _randomise(model, gen)
        _calibrate(model, 1000 * spec['seed'], spec['search_size'],
                   spec['tracked_size'])
        sd = model.state_dict()
        round_to_bfloat16(sd)  # the model's own tensors: it runs on these
        state_dicts[name] = sd
        torch.save(pack_state_dict(sd),
                   osp.join(out_dir, f'{name}_model.pth'))
    with torch.no_grad():
        model.template(synthetic_crops(TEMPLATE_SIZE, spec['seed']))
        out = model.track(synthetic_crops(spec['search_size'],
                                          spec['seed'] + 50))
        outputs = dict(cls=out['cls'].clone(), loc=out['loc'].clone(),
                       track=_track(model))
    torch.save(outputs, osp.join(out_dir, f'{name}_outputs.pth'))
    print(f'{name}: cls {tuple(outputs["cls"].shape)}, margins >= '
          f'{float(outputs["track"]["margin"].min()):.2e}')


def make_key_shapes(pysot_root: str, out_dir: str) -> None:
    """pysot_keys.json: key -> shape of each full-size model."""
    from pysot.models.model_builder import ModelBuilder
    shapes = {}
    for name, spec in FULL_MODELS.items():
        _configure(spec, pysot_root)
        shapes[name] = {k: list(v.shape)
                        for k, v in ModelBuilder().state_dict().items()}
    # one key per line, in pysot's order
    models = [
        f'{json.dumps(name)}: {{\n' + ',\n'.join(
            f'{json.dumps(k)}: {json.dumps(v)}' for k, v in keys.items()) +
        '}' for name, keys in shapes.items()]
    with open(osp.join(out_dir, 'pysot_keys.json'), 'w') as f:
        f.write('{\n' + ',\n'.join(models) + '\n}\n')


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--pysot', required=True,
                        help='a pysot checkout (its pysot/ and experiments/)')
    parser.add_argument('--extra-path', nargs='*', default=[],
                        help='more import paths (where yacs is)')
    parser.add_argument('--out', default=OUT_DIR)
    args = parser.parse_args(argv)
    for path in [args.pysot] + args.extra_path:
        sys.path.insert(0, osp.abspath(path))
    import torch
    torch.set_num_threads(1)  # the same sums on every machine's threads
    os.makedirs(args.out, exist_ok=True)
    state_dicts: dict = {}
    for name in MODELS:
        make_golden(name, args.pysot, args.out, state_dicts)
    make_key_shapes(args.pysot, args.out)


if __name__ == '__main__':
    main()
