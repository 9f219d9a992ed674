"""Multi-process training and testing without CUDA (``--launcher pytorch``).

mmengine's ``pytorch`` launcher always calls ``torch.cuda.set_device`` and
wraps the model in DDP with ``device_ids=[LOCAL_RANK]``, so on a machine
without a GPU it cannot start. This module makes ``tools/train.py`` and
``tools/test.py`` do on such a machine what mmengine does on a GPU one:

* the process group is initialised here, with gloo, from the variables
  ``torch.distributed.run`` exports (``MASTER_ADDR``, ``MASTER_PORT``,
  ``RANK``, ``WORLD_SIZE``); the runner then finds it initialised and does
  not call mmengine's ``init_dist``;
* the model is wrapped in ``MMDistributedDataParallel`` without device ids
  (a CPU module's DDP takes none);
* SyncBN, which PyTorch runs only on accelerators, is refused up front with
  the config key to change, instead of failing at the first forward.

It is a way to test multi-process behaviour (normalisers averaged over the
ranks, samplers, checkpoints, ``dist_test.sh``) anywhere, CI included, not a
way to train fast: on a CPU the processes share its cores. With CUDA
available nothing here runs, and the launch is mmengine's own.
"""
import os
from datetime import timedelta
from typing import Iterator, Tuple

import torch
import torch.distributed as dist
from mmengine.config import Config

# The norm types that become SyncBatchNorm layers (mmcv's registry names).
SYNC_BN_TYPES = ('SyncBN', 'MMSyncBN', 'TorchSyncBN')


def uses_cpu_distributed(cfg: Config) -> bool:
    """True for ``--launcher pytorch`` on a machine without CUDA."""
    return (cfg.get('launcher', 'none') == 'pytorch'
            and not torch.cuda.is_available())


def _sync_bn_keys(node, key: str = '') -> Iterator[Tuple[str, str]]:
    """The config keys that ask for a SyncBN layer, with the type named."""
    if isinstance(node, dict):
        if node.get('type') in SYNC_BN_TYPES:
            yield key, node['type']
        for name, value in node.items():
            yield from _sync_bn_keys(value, f'{key}.{name}' if key else name)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _sync_bn_keys(value, f'{key}.{i}')


def check_cpu_options(cfg: Config) -> None:
    """Refuse the options that need CUDA, naming the key to change.

    Raises:
        ValueError: the config asks for SyncBN (``sync_bn`` or a norm_cfg of
            a SyncBN type), which PyTorch runs only on accelerators.
    """
    found = list(_sync_bn_keys(cfg.get('model', {}), 'model'))
    if cfg.get('sync_bn') is not None:
        found.insert(0, ('sync_bn', str(cfg.sync_bn)))
    if found:
        keys = ', '.join(f'{k}={v!r}' for k, v in found)
        raise ValueError(
            f'SyncBN needs CUDA, and this is a CPU multi-process run '
            f'(--launcher pytorch without a GPU): {keys}. Use BN (or GN) '
            f'for a CPU run, e.g. --cfg-options '
            f'{found[0][0].replace(".type", "")}.type=BN')


def setup_cpu_distributed(cfg: Config) -> None:
    """Initialise gloo and configure a device-less DDP wrapper.

    Does nothing unless :func:`uses_cpu_distributed`. Call it before the
    runner is built (and before any rank-0-only work that needs a barrier).

    Args:
        cfg: the full config; ``model_wrapper_cfg`` and ``env_cfg`` are set
            in place.

    Raises:
        ValueError: a CUDA-only option (see :func:`check_cpu_options`), or a
            ``model_wrapper_cfg`` with device ids.
        RuntimeError: not started by ``torch.distributed.run`` (no ``RANK``
            or ``WORLD_SIZE`` in the environment).
    """
    if not uses_cpu_distributed(cfg):
        return
    check_cpu_options(cfg)
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise RuntimeError(
            f'--launcher pytorch expects the environment of '
            f'torch.distributed.run (tools/dist_train.sh, dist_test.sh); '
            f'missing: {", ".join(missing)}')
    env_cfg = dict(cfg.get('env_cfg') or {})
    dist_cfg = dict(env_cfg.get('dist_cfg') or {})
    if not dist.is_initialized():
        # mmengine's default timeout (dist_cfg.timeout, seconds)
        timeout = timedelta(seconds=dist_cfg.get('timeout', 1800))
        dist.init_process_group('gloo', timeout=timeout)
    # the runner skips init_dist once a group exists; keep the config honest
    dist_cfg['backend'] = 'gloo'
    env_cfg['dist_cfg'] = dist_cfg
    cfg.env_cfg = env_cfg

    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    if wrapper.get('device_ids'):
        raise ValueError(
            f'model_wrapper_cfg.device_ids={wrapper["device_ids"]} on a CPU '
            f'multi-process run: a CPU module takes no device ids')
    # explicit None: mmengine would otherwise default it to [LOCAL_RANK]
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
