"""Save the random generators' states in checkpoints, for an exact resume.

mmengine's ``--resume`` restores the weights, the optimizer, the schedulers
and the epoch, then seeds the generators with the config's seed: the draws
after a resume (the RPN's anchor sampling, augmentations in the main
process) are not those of the uninterrupted run, so the two end with
different weights. This hook stores every rank's Python, numpy, torch and
CUDA generator states in each checkpoint and restores them on resume. It
also gives validation its own draws: the states are put back after each
validation, because a validation consumes draws (a DataLoader iterator takes
a seed from torch's generator) that a resumed run, which starts after it,
would not.

What it cannot restore: generators inside persistent data-loader workers
(``persistent_workers=True``), which keep their state across epochs in an
uninterrupted run and restart from their seed after a resume. Bitwise
resume needs ``num_workers=0`` or ``persistent_workers=False`` (mmengine
re-seeds non-persistent workers identically every epoch).
"""
import random
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook

from plugin.registry import HOOKS

CHECKPOINT_KEY = 'rng_states'  # one entry per rank


def get_rng_state() -> Dict[str, Any]:
    """This process's generator states, in types that a ``weights_only``
    ``torch.load`` reads (tensors, tuples, numbers)."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=(name, torch.from_numpy(keys.astype(np.int64)), int(pos),
               int(has_gauss), float(cached)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Dict[str, Any]) -> None:
    """Restore what :func:`get_rng_state` returned."""
    random.setstate(state['python'])
    name, keys, pos, has_gauss, cached = state['numpy']
    np.random.set_state(
        (name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Generator states in checkpoints, restored on ``--resume``.

    Use it with ``custom_hooks = [dict(type='plugin.RNGStateHook')]``. A
    checkpoint without states (written without the hook) resumes as
    mmengine does. ``load_from`` without ``resume`` (fine-tuning) keeps the
    config's seed.
    """
    # before CheckpointHook (VERY_LOW) saves the best checkpoint after a
    # validation, so that it records the states from before the validation
    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._before_val: Optional[Dict[str, Any]] = None
        self._gathered: Optional[List[dict]] = None

    # Runner.save_checkpoint runs on rank 0 only (mmengine's master_only),
    # so the other ranks' states are gathered beforehand, at the points
    # where every rank is and after which a checkpoint may be saved: the
    # end of an epoch, of a validation (the best checkpoint), and the
    # iterations at which an iteration-based CheckpointHook saves.
    def _gather(self) -> None:
        if get_world_size() > 1:
            self._gathered = all_gather_object(get_rng_state())

    def after_train_epoch(self, runner) -> None:
        self._gather()

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if get_world_size() == 1:
            return
        for hook in runner.hooks:
            if (isinstance(hook, CheckpointHook) and not hook.by_epoch
                    and (self.every_n_train_iters(runner, hook.interval)
                         or self.is_last_train_iter(runner))):
                self._gather()
                return

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # one process, or a save outside the points above: this (rank 0's)
        # states only
        checkpoint[CHECKPOINT_KEY] = (
            self._gathered if get_world_size() > 1
            and self._gathered is not None else [get_rng_state()])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        states: Optional[List[dict]] = checkpoint.get(CHECKPOINT_KEY)
        if not states or not getattr(runner, '_resume', False):
            return
        rank = get_rank()
        if len(states) != runner.world_size:
            runner.logger.warning(
                f'RNGStateHook: the checkpoint holds {len(states)} ranks\' '
                f'random states and this run has {runner.world_size} ranks; '
                f'the draws after this resume differ from an uninterrupted '
                f'run.')
        set_rng_state(states[rank % len(states)])

    def before_val_epoch(self, runner) -> None:
        self._before_val = get_rng_state()

    def after_val_epoch(self, runner, metrics=None) -> None:
        if self._before_val is not None:
            set_rng_state(self._before_val)
            self._before_val = None
        self._gather()  # before CheckpointHook saves the best one
