"""Step time of N processes x batch b against 1 process x batch N*b, through
the real scripts (``tools/dist_train.sh`` and ``tools/train.py``).

Both runs train the config on the same shapes images (generated into a
temporary folder) with the same global batch, validation off, mmengine's
logger at every iteration; the script reads rank 0's per-iteration ``time``
from the logs, drops the first ``--warmup`` iterations and prints the median
of each run and their ratio (> 1: the processes are faster).

On a CPU the processes share its cores (gloo, plugin/utils/cpu_dist.py), so
expect no speed-up: the point there is that the path works. On a machine
with N GPUs it measures DDP's scaling.

    python bench/bench_dist_train.py configs/shapes/autoassign_shapes.py
    python bench/bench_dist_train.py CONFIG --procs 2 --batch 2 --iters 12
"""
import argparse
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
import tempfile
from typing import List

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)


def _options(root: str, batch: int, images: int) -> List[str]:
    root = root.rstrip('/') + '/'
    return [
        f'shapes_dataset.out_dir={root}',
        f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}',
        f'val_evaluator.ann_file={root}annotations/instances_val.json',
        f'test_evaluator.ann_file={root}annotations/instances_test.json',
        f'train_dataloader.dataset.indices={images}',
        f'train_dataloader.batch_size={batch}',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=100',
        'default_hooks.logger.interval=1',
    ]


def _step_times(out: str, warmup: int) -> List[float]:
    times = [float(t) for t in re.findall(
        r'Epoch\(train\) +\[1\]\[ *\d+/\d+\].*? time: ([\d.]+)', out)]
    if len(times) <= warmup:
        raise RuntimeError('too few logged iterations:\n' + out[-3000:])
    return times[warmup:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--procs', type=int, default=2)
    parser.add_argument('--batch', type=int, default=2,
                        help='images a process takes per step')
    parser.add_argument('--iters', type=int, default=12)
    parser.add_argument('--warmup', type=int, default=2)
    args = parser.parse_args()

    from plugin.datasets import ensure_shapes_dataset
    py = sys.executable
    total = args.procs * args.batch
    with tempfile.TemporaryDirectory() as tmp:
        root = osp.join(tmp, 'shapes')
        ensure_shapes_dataset(root, num_train=total * args.iters, num_val=4,
                              num_test=4, seed=0)
        env = dict(os.environ, PYTHON=py, PYTHONUNBUFFERED='1')
        runs = {
            f'1 process x {total}': [
                py, 'tools/train.py', args.config, '--work-dir',
                osp.join(tmp, 'one'), '--cfg-options',
                *_options(root, total, total * args.iters)],
            f'{args.procs} processes x {args.batch}': [
                'bash', 'tools/dist_train.sh', args.config, str(args.procs),
                '--work-dir', osp.join(tmp, 'many'), '--cfg-options',
                *_options(root, args.batch, total * args.iters)],
        }
        medians = {}
        for name, cmd in runs.items():
            proc = subprocess.run(cmd, cwd=ROOT, env=env, text=True,
                                  capture_output=True)
            out = proc.stdout + proc.stderr
            if proc.returncode != 0:
                raise RuntimeError(f'{name} failed:\n{out[-3000:]}')
            medians[name] = statistics.median(_step_times(out, args.warmup))
    print(f'{osp.basename(args.config)}: step time, global batch {total}, '
          f'{args.iters} iterations ({args.warmup} dropped), median')
    for name, t in medians.items():
        print(f'  {name}: {t * 1000:.0f} ms')
    one, many = medians.values()
    print(f'  ratio (1 process / {args.procs} processes): {one / many:.2f}x')


if __name__ == '__main__':
    main()
