"""What tools/train.py and tools/test.py share: the OpenMMLab options, config
loading and runner building, kept in one place so the two stay in step."""
import argparse
import fcntl
import os
import os.path as osp

from mmdet.utils import setup_cache_size_limit_of_dynamo
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from plugin.datasets.check import prepare_datasets
from plugin.utils.cpu_dist import setup_cpu_distributed


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """``--cfg-options``, ``--launcher`` and ``--local-rank``."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed launchers pass --local-rank (torch >= 2.0)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse, and export LOCAL_RANK for mmengine when a launcher did not."""
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def load_config(args: argparse.Namespace) -> Config:
    """The config file with ``--cfg-options`` merged and the work dir set
    (``--work-dir`` > the config's > ./work_dirs/<config name>)."""
    setup_cache_size_limit_of_dynamo()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def build_runner(cfg: Config) -> Runner:
    """Check (or generate) the datasets, then build the config's runner.

    Under ``--launcher pytorch`` without CUDA, first set up gloo and a
    device-less DDP (:mod:`plugin.utils.cpu_dist`). The datasets are
    prepared under a file lock in the work dir, so that the ranks of a
    multi-process launch do not generate the shapes dataset at once: the
    first one generates it, the others find it.
    """
    setup_cpu_distributed(cfg)
    work_dir = cfg.get('work_dir')
    if work_dir is None:  # no runner can be built; nothing to share either
        prepare_datasets(cfg)
    else:
        os.makedirs(work_dir, exist_ok=True)
        with open(osp.join(work_dir, '.prepare_datasets.lock'), 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            prepare_datasets(cfg)
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)
