"""Convert a pysot checkpoint (github.com/STVIR/pysot, ``model.pth``) of a
SiamRPN / SiamRPN++ tracker into an mmengine checkpoint of
``plugin.SiamRPN``.

Examples:
    python tools/convert_pysot.py siamrpn_r50_l234_dwxcorr/model.pth \
        checkpoints/siamrpn_r50_l234_dwxcorr.pth
    python tools/test_tracker.py \
        configs/siamrpn/pysot/siamrpn_r50_l234_dwxcorr.py \
        checkpoints/siamrpn_r50_l234_dwxcorr.pth --dataset otb \
        --data-root data/OTB100
    # a variant without a shipped config: its config, or overrides
    python tools/convert_pysot.py model.pth out.pth \
        --config configs/siamrpn/pysot/siamrpn_r50_l234_dwxcorr.py \
        --cfg-options model.neck=None \
        'model.head.in_channels=[512,1024,2048]' \
        'model.head.feat_channels=[512,1024,2048]'

Supported pysot models (``--config`` defaults to the matching config of
``configs/siamrpn/pysot/``, found from the checkpoint's keys):

* AlexNet (``alexnetlegacy`` or ``alexnet``, any ``width_mult``) with
  ``UPChannelRPN`` (SiamRPN) -> ``siamrpn_alex_upchannel.py``;
* AlexNet with ``DepthwiseRPN`` (``siamrpn_alex_dwxcorr``, ``_otb``) ->
  ``siamrpn_alex_dwxcorr.py`` (the two experiments differ only in their
  training data: same network and tracking options);
* ResNet-50 (``resnet_atrous``) with ``AdjustAllLayer`` and ``MultiRPN``
  over layers 2-4, weighted (``siamrpn_r50_l234_dwxcorr``) ->
  ``siamrpn_r50_l234_dwxcorr.py``, or averaged
  (``siamrpn_r50_l234_dwxcorr_otb``) -> ``siamrpn_r50_l234_dwxcorr_otb.py``;
  without the neck, or with other layers or widths, with ``--config`` /
  ``--cfg-options`` describing the network.

The checkpoint is loaded with ``torch.load(weights_only=True)`` (tensors
and plain containers only: nothing in it runs), as a bare state dict or
pysot's training checkpoint (``state_dict`` inside); ``module.`` prefixes
(``DataParallel``) are dropped. Each key is renamed by rules
(:func:`map_key`), then the names and shapes must match the model's both
ways: otherwise the tool exits with the keys that do not map (pysot keys
without a counterpart, model keys nothing maps to, shape mismatches) and
what the checkpoint looks like, before anything is loaded. The model loads
the result strictly; ``OUT`` gets ``{'state_dict': ..., 'meta': ...}``.

Shapes: P pysot keys, M model keys.
"""
import argparse
import os
import os.path as osp
import re
import sys
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from torch import Tensor, nn

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, ROOT)

import plugin  # noqa: E402,F401  (registers the models)
from plugin.registry import MODELS  # noqa: E402

CONFIG_DIR = osp.join(ROOT, 'configs', 'siamrpn', 'pysot')
# the most keys of each kind an error message lists
MAX_LISTED = 40

# pysot's AlexNetLegacy ``features.N`` (one Sequential: conv, BN, pool,
# ReLU, ...) -> its AlexNet's (and SiamAlexNet's) ``layerK.j``; the
# pools and ReLUs (2, 3, 6, 7, 10, 13) hold no weights
ALEX_LEGACY = {
    0: 'layer1.0', 1: 'layer1.1', 4: 'layer2.0', 5: 'layer2.1',
    8: 'layer3.0', 9: 'layer3.1', 11: 'layer4.0', 12: 'layer4.1',
    14: 'layer5.0', 15: 'layer5.1'
}
# pysot's score / box branch names -> SiameseRPNHead's
BRANCHES = dict(cls='cls_branches', loc='reg_branches')
# pysot's UPChannelRPN input convs -> UpChannelXCorr's
UP_CONVS = dict(template='template_conv', search='search_conv')


def _legacy(m: 're.Match') -> Optional[str]:
    layer = ALEX_LEGACY.get(int(m[1]))
    return None if layer is None else f'backbone.{layer}.{m[2]}'


# (pattern on a pysot key, the model key it becomes; None: no counterpart)
RULES: List[Tuple[str, Callable[['re.Match'], Optional[str]]]] = [
    # backbone: AlexNetLegacy renamed; AlexNet and ResNet names unchanged
    (r'backbone\.features\.(\d+)\.(.+)', _legacy),
    (r'backbone\.(.+)', lambda m: f'backbone.{m[1]}'),
    # AdjustAllLayer: one level (``downsample``), levels 2.. (``downsampleN``)
    (r'neck\.downsample\.downsample\.(.+)', lambda m: f'neck.convs.0.{m[1]}'),
    (r'neck\.downsample(\d+)\.downsample\.(.+)',
     lambda m: f'neck.convs.{int(m[1]) - 2}.{m[2]}'),
    # UPChannelRPN
    (r'rpn_head\.(template|search)_(cls|loc)_conv\.(.+)',
     lambda m: f'head.{BRANCHES[m[2]]}.0.{UP_CONVS[m[1]]}.{m[3]}'),
    (r'rpn_head\.loc_adjust\.(.+)',
     lambda m: f'head.reg_branches.0.adjust.{m[1]}'),
    # DepthwiseRPN (one level) and MultiRPN (levels rpn2, rpn3, ...)
    (r'rpn_head\.(cls|loc)\.(.+)',
     lambda m: f'head.{BRANCHES[m[1]]}.0.{m[2]}'),
    (r'rpn_head\.rpn(\d+)\.(cls|loc)\.(.+)',
     lambda m: f'head.{BRANCHES[m[2]]}.{int(m[1]) - 2}.{m[3]}'),
    (r'rpn_head\.cls_weight', lambda m: 'head.cls_weight'),
    (r'rpn_head\.loc_weight', lambda m: 'head.reg_weight'),
]


def map_key(key: str) -> Optional[str]:
    """The model key of a pysot key (``module.`` already dropped), or None
    where no rule applies (e.g. SiamMask's ``mask_head``)."""
    for pattern, target in RULES:
        m = re.fullmatch(pattern, key)
        if m:
            return target(m)
    return None


class PysotArch(NamedTuple):
    """What a pysot checkpoint holds, read from its keys.

    Attributes:
        backbone (str): ``'alexnetlegacy'``, ``'alexnet'``, ``'resnet'``
            or ``'unknown'``.
        neck (str): ``'none'``, ``'AdjustLayer'`` (one level) or
            ``'AdjustAllLayer'`` (levels 2..).
        rpn (str): ``'UPChannelRPN'``, ``'DepthwiseRPN'``, ``'MultiRPN'``
            or ``'unknown'``.
        weighted (bool): MultiRPN's learned level weights.
        mask (bool): a SiamMask head (not supported).
    """
    backbone: str
    neck: str
    rpn: str
    weighted: bool
    mask: bool

    def describe(self) -> str:
        neck = 'no neck' if self.neck == 'none' else self.neck
        parts = [self.backbone, neck, self.rpn +
                 (' (weighted)' if self.weighted else '')]
        return ' + '.join(parts) + (' + mask head' if self.mask else '')


def detect_arch(keys) -> PysotArch:
    """The pysot model type of a state dict's keys."""
    keys = set(keys)

    def has(prefix: str) -> bool:
        return any(k.startswith(prefix) for k in keys)

    if has('backbone.features.'):
        backbone = 'alexnetlegacy'
    elif has('backbone.layer5.'):
        backbone = 'alexnet'
    elif 'backbone.conv1.weight' in keys and has('backbone.layer1.0.conv1.'):
        backbone = 'resnet'
    else:
        backbone = 'unknown'
    neck = 'AdjustLayer' if has('neck.downsample.') else \
        'AdjustAllLayer' if has('neck.downsample') else 'none'
    if has('rpn_head.template_cls_conv.'):
        rpn = 'UPChannelRPN'
    elif has('rpn_head.cls.'):
        rpn = 'DepthwiseRPN'
    elif has('rpn_head.rpn'):
        rpn = 'MultiRPN'
    else:
        rpn = 'unknown'
    return PysotArch(backbone, neck, rpn, 'rpn_head.cls_weight' in keys,
                     has('mask_head.'))


def default_config(arch: PysotArch) -> Optional[str]:
    """The shipped config of a pysot model type (None: none fits)."""
    if arch.mask:
        return None
    alex = arch.backbone in ('alexnetlegacy', 'alexnet')
    if alex and arch.neck == 'none' and arch.rpn == 'UPChannelRPN':
        name = 'siamrpn_alex_upchannel'
    elif alex and arch.neck == 'none' and arch.rpn == 'DepthwiseRPN':
        name = 'siamrpn_alex_dwxcorr'
    elif arch.backbone == 'resnet' and arch.neck == 'AdjustAllLayer' and \
            arch.rpn == 'MultiRPN':
        name = 'siamrpn_r50_l234_dwxcorr' + ('' if arch.weighted else
                                             '_otb')
    else:
        return None
    return osp.join(CONFIG_DIR, name + '.py')


class KeyMismatchError(ValueError):
    """A pysot state dict that does not fit the model, key by key."""


def _listing(title: str, lines: List[str]) -> List[str]:
    if not lines:
        return []
    shown = [f'    {line}' for line in lines[:MAX_LISTED]]
    if len(lines) > MAX_LISTED:
        shown.append(f'    ... and {len(lines) - MAX_LISTED} more')
    return [f'  {len(lines)} {title}:'] + shown


def match_keys(pysot_shapes: Dict[str, Tuple[int, ...]],
               model_shapes: Dict[str, Tuple[int, ...]]) -> Dict[str, str]:
    """Pair every pysot key with a model key of the same shape.

    Args:
        pysot_shapes: the P pysot keys (``module.`` dropped) and shapes.
        model_shapes: the M model keys and shapes.

    Returns:
        dict[str, str]: pysot key -> model key, one-to-one and onto.

    Raises:
        KeyMismatchError: listing the pysot keys with no counterpart in the
            model (no rule, or a key the model lacks, or one already taken),
            the model keys that no pysot key maps to, and the pairs whose
            shapes differ.
    """
    mapping: Dict[str, str] = {}
    taken: Dict[str, str] = {}
    unmapped, mismatched = [], []
    for key, shape in pysot_shapes.items():
        target = map_key(key)
        if target is None:
            unmapped.append(f'{key} (no rule: not a SiamRPN key)')
        elif target not in model_shapes:
            renamed = '' if target == key else f' -> {target}'
            unmapped.append(f'{key}{renamed} (not in the model)')
        elif target in taken:
            unmapped.append(f'{key} -> {target} (already the target of '
                            f'{taken[target]})')
        else:
            taken[target] = key
            if tuple(model_shapes[target]) != tuple(shape):
                mismatched.append(
                    f'{key} {tuple(shape)} -> {target} '
                    f'{tuple(model_shapes[target])}')
            else:
                mapping[key] = target
    missing = [k for k in model_shapes if k not in taken]
    if unmapped or missing or mismatched:
        arch = detect_arch(pysot_shapes)
        lines = [f'the pysot checkpoint ({arch.describe()}) does not fit '
                 f'the model: {len(mapping)} of {len(pysot_shapes)} pysot '
                 f'keys map onto the {len(model_shapes)} model keys']
        lines += _listing('pysot keys with no counterpart in the model',
                          unmapped)
        lines += _listing('model keys that no pysot key maps to', missing)
        lines += _listing('shape mismatches (pysot -> model)', mismatched)
        suggested = default_config(arch)
        lines.append('  the shipped config for this kind of checkpoint: ' + (
            osp.relpath(suggested, ROOT) if suggested else
            'none; pass --config / --cfg-options describing it') +
            ' (other widths or layers: --cfg-options)')
        raise KeyMismatchError('\n'.join(lines))
    return mapping


def load_pysot_state_dict(path: str) -> Dict[str, Tensor]:
    """A pysot checkpoint's tensors, ``module.`` prefixes dropped.

    Args:
        path: a bare state dict, or a dict with ``state_dict`` (pysot's
            training checkpoints).

    Raises:
        ValueError: If the file holds no state dict of tensors.
    """
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    if isinstance(ckpt, dict) and isinstance(ckpt.get('state_dict'), dict):
        ckpt = ckpt['state_dict']
    if not isinstance(ckpt, dict) or not ckpt or not all(
            isinstance(k, str) and isinstance(v, Tensor)
            for k, v in ckpt.items()):
        raise ValueError(f'{path} holds no state dict (a dict of tensors, '
                         "or one under 'state_dict')")
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in ckpt.items()}


def convert_state_dict(pysot_sd: Dict[str, Tensor],
                       model: nn.Module) -> Dict[str, Tensor]:
    """The pysot tensors under the model's keys (see :func:`match_keys`).

    Raises:
        KeyMismatchError: If the keys or shapes do not match.
    """
    model_sd = model.state_dict()
    mapping = match_keys({k: tuple(v.shape) for k, v in pysot_sd.items()},
                         {k: tuple(v.shape) for k, v in model_sd.items()})
    by_target = {t: pysot_sd[k] for k, t in mapping.items()}
    return {k: by_target[k] for k in model_sd}


def build_model(config: str, cfg_options: Optional[dict] = None,
                device: Optional[str] = None) -> nn.Module:
    """The config's ``plugin.SiamRPN`` (``device='meta'``: shapes only)."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if device is None:
        return MODELS.build(cfg.model)
    with torch.device(device):
        return MODELS.build(cfg.model)


def get_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Convert a pysot SiamRPN checkpoint to plugin.SiamRPN's")
    parser.add_argument('checkpoint', help="pysot's model.pth")
    parser.add_argument('out', help='the mmengine checkpoint to write')
    parser.add_argument(
        '--config',
        help='the plugin config of the model (default: the one of '
        'configs/siamrpn/pysot/ that the checkpoint\'s keys call for)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.backbone.width_mult=0.5')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = get_args(argv)
    try:
        pysot_sd = load_pysot_state_dict(args.checkpoint)
    except Exception as err:  # noqa: BLE001
        # a missing file, not a torch file, objects beyond weights_only's
        # (pickle's UnpicklingError), no state dict: the reason, no trace
        sys.exit(f'error: cannot read {args.checkpoint}: '
                 f'{type(err).__name__}: {err}')
    arch = detect_arch(pysot_sd)
    config = args.config or default_config(arch)
    if config is None:
        sys.exit(f'error: no shipped config for this pysot model '
                 f'({arch.describe()}); pass --config (and --cfg-options) '
                 'describing it')
    model = build_model(config, args.cfg_options)
    # as the repository's configs are named (relative to its root)
    config_name = osp.relpath(osp.abspath(config), ROOT)
    try:
        state_dict = convert_state_dict(pysot_sd, model)
    except KeyMismatchError as err:
        sys.exit(f'error: {args.checkpoint} does not fit {config_name}:\n'
                 f'{err}')
    model.load_state_dict(state_dict, strict=True)
    meta = dict(
        converted_from='pysot',
        pysot_checkpoint=osp.abspath(args.checkpoint),
        pysot_model=arch.describe(),
        config=config_name,
        cfg_options=str(args.cfg_options or {}))
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    torch.save(dict(state_dict=model.state_dict(), meta=meta), args.out)
    print(f'{len(state_dict)} tensors of {args.checkpoint} '
          f'({arch.describe()}) -> {args.out} (config {meta["config"]})')


if __name__ == '__main__':
    main()
