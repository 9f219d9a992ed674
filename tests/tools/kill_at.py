"""A test-only hook: the process kills itself with SIGKILL at a chosen
point, as a pre-empted node or an out-of-memory killer would.

``KillHook(after_iter=N)`` dies once N training iterations are done;
``KillHook(save_epoch=E)`` dies as the checkpoint of epoch E starts to be
saved (``before_save_checkpoint``), i.e. during the save. Imported by
``test_resume.py`` through ``custom_imports`` (the test puts this folder on
``PYTHONPATH``).
"""
import os
import signal

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class KillHook(Hook):

    def __init__(self, after_iter=None, save_epoch=None):
        self.after_iter = after_iter
        self.save_epoch = save_epoch

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.after_iter:
            os.kill(os.getpid(), signal.SIGKILL)

    def before_save_checkpoint(self, runner, checkpoint):
        if checkpoint['meta'].get('epoch') == self.save_epoch:
            os.kill(os.getpid(), signal.SIGKILL)
