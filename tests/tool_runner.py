"""Run the repository's tools in subprocesses, for the end-to-end tests."""
import os
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
BIN = osp.dirname(sys.executable)


def run_status(args, cwd=ROOT, timeout=600, env=None):
    """Run ``args``; return (exit status, stdout + stderr). ``env`` adds
    variables to this process's environment."""
    proc = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env=dict(os.environ, PYTHONUNBUFFERED='1', **(env or {})))
    return proc.returncode, proc.stdout + proc.stderr


def run(args, cwd=ROOT, timeout=600, env=None):
    """Run ``args``; return stdout + stderr, asserting exit status 0 (the
    output's tail is the assertion message)."""
    code, out = run_status(args, cwd, timeout, env)
    assert code == 0, out[-4000:]
    return out


def data_options(root, max_epochs, num_train=8, batch_size=4):
    """--cfg-options that point a shapes detection config at a tiny
    dataset made by ``ensure_shapes_dataset(root, ...)``, loaded in the
    main process (no workers)."""
    root = root.rstrip('/') + '/'
    ann = root + 'annotations/instances_{}.json'
    return [
        f'shapes_dataset.out_dir={root}',
        f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}',
        f'val_evaluator.ann_file={ann.format("val")}',
        f'test_evaluator.ann_file={ann.format("test")}',
        f'train_dataloader.dataset.indices={num_train}',
        f'train_dataloader.batch_size={batch_size}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        f'train_cfg.max_epochs={max_epochs}',
    ]


def checkpoint_weights(path):
    """The ``state_dict`` of a checkpoint a tool wrote, on the CPU."""
    import torch
    return torch.load(path, map_location='cpu')['state_dict']


def free_port():
    """A TCP port free now on this host (for torch.distributed.run)."""
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
