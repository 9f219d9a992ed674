"""mmengine's CheckpointHook with writes that a kill cannot leave half-done.

mmengine 0.10.7's hook, with ``max_keep_ckpts`` set, deletes the oldest
checkpoint *before* it writes the new one, writes the new one in place, and
then rewrites ``last_checkpoint`` in place. A training killed during the
save (SIGKILL, a pre-empted node, a full disk) can be left with the old
checkpoint gone, the new one truncated and ``last_checkpoint`` naming a
missing file or empty, so ``--resume`` fails inside ``torch.load`` or finds
nothing. Here:

1. every checkpoint (periodic and best) is written to a temporary file in
   the same folder and renamed over its name (``os.replace`` is atomic on
   one file system);
2. ``last_checkpoint`` is written the same way, after the checkpoint;
3. the outdated checkpoints are deleted last.

So at every instant ``last_checkpoint`` names a complete file. Storage
backends other than the local file system (e.g. petrel) keep mmengine's
behaviour. Select it with
``default_hooks = dict(checkpoint=dict(type='plugin.CheckpointHook', ...))``;
it takes mmengine's arguments.
"""
import os
import os.path as osp
from functools import wraps

from mmengine.dist import is_main_process
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook

from plugin.registry import HOOKS

TMP_SUFFIX = '.tmp'  # an unfinished write: never named by last_checkpoint


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    tmp = path + TMP_SUFFIX
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@HOOKS.register_module()
class CheckpointHook(MMEngineCheckpointHook):
    """mmengine's CheckpointHook, with atomic writes (module docstring)."""

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if isinstance(self.file_backend, LocalBackend):
            self._make_saves_atomic(runner)

    @staticmethod
    def _make_saves_atomic(runner) -> None:
        """Route ``runner.save_checkpoint`` through a temporary file."""
        save = runner.save_checkpoint
        if getattr(save, '_atomic', False):
            return

        @wraps(save)
        def atomic_save(out_dir, filename, *args, **kwargs):
            tmp = filename + TMP_SUFFIX
            save(out_dir, tmp, *args, **kwargs)
            if is_main_process():  # only rank 0 writes checkpoints
                os.replace(osp.join(out_dir, tmp), osp.join(out_dir, filename))

        atomic_save._atomic = True
        runner.save_checkpoint = atomic_save

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_checkpoint_with_step(runner, step, meta)
        outdated = self._rotate(runner, step)
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        write_text_atomic(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        for old in outdated:  # only now that the new one is complete
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(old))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)

    def _rotate(self, runner, step) -> list:
        """mmengine's ``max_keep_ckpts`` bookkeeping, before the save (the
        checkpoint records the kept ids, as in mmengine); returns the steps
        whose files become outdated, to delete after the save."""
        if self.max_keep_ckpts <= 0:
            return []
        # the periodic and the best save may both come here in one epoch
        if len(self.keep_ckpt_ids) > 0 and self.keep_ckpt_ids[-1] == step:
            return []
        outdated = []
        if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
            outdated.append(self.keep_ckpt_ids.popleft())
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids',
                                       list(self.keep_ckpt_ids))
        return outdated
