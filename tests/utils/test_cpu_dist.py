"""plugin.utils.cpu_dist: what a CPU multi-process launch configures and
refuses (the launch itself: tests/tools/test_dist_train.py)."""
import pytest
import torch
from mmengine.config import Config

from plugin.utils import cpu_dist
from plugin.utils.cpu_dist import check_cpu_options, setup_cpu_distributed


def _cfg(**kwargs):
    return Config(dict(launcher='pytorch', model=dict(
        type='RetinaNet', backbone=dict(norm_cfg=dict(type='BN'))), **kwargs))


def test_sync_bn_is_refused_with_its_key():
    cfg = _cfg()
    cfg.model.neck = dict(norm_cfg=dict(type='SyncBN', requires_grad=True))
    with pytest.raises(ValueError, match=r"model\.neck\.norm_cfg='SyncBN'"):
        check_cpu_options(cfg)
    with pytest.raises(ValueError, match="sync_bn='torch'"):
        check_cpu_options(_cfg(sync_bn='torch'))
    check_cpu_options(_cfg())  # BN is fine


def test_nothing_happens_without_the_pytorch_launcher(monkeypatch):
    cfg = _cfg()
    cfg.launcher = 'none'
    setup_cpu_distributed(cfg)
    assert 'model_wrapper_cfg' not in cfg


def test_needs_torchrun_environment(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(RuntimeError, match='missing: RANK, WORLD_SIZE'):
        setup_cpu_distributed(_cfg())


def test_device_less_wrapper(monkeypatch):
    """One process group of one rank: the wrapper takes no device ids."""
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(cpu_dist.dist, 'is_initialized', lambda: True)
    for key, value in dict(RANK='0', WORLD_SIZE='1', MASTER_ADDR='127.0.0.1',
                           MASTER_PORT='29999').items():
        monkeypatch.setenv(key, value)
    cfg = _cfg(find_unused_parameters=True)
    setup_cpu_distributed(cfg)
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=True, device_ids=None)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    cfg = _cfg(model_wrapper_cfg=dict(type='MMDistributedDataParallel',
                                      device_ids=[0]))
    with pytest.raises(ValueError, match='takes no device ids'):
        setup_cpu_distributed(cfg)
