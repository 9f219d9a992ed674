"""Dense-detector heads for mmdetection 3.x, with batched label assignment.

Importing the package registers its models in the ``plugin`` scope (use them
as ``type='plugin.AutoAssignHead'``) and makes ``torch.load`` accept the few
classes that mmengine checkpoints carry (see :mod:`plugin.checkpoint`).
"""
from . import checkpoint  # noqa: F401  (allow-lists mmengine checkpoint classes)
from . import engine  # noqa: F401  (hooks: atomic checkpoints, exact resume)
from . import evaluation  # noqa: F401
from . import models  # noqa: F401  (registers the heads)
from .registry import MODELS, TASK_UTILS
from .version import __version__

__all__ = ['MODELS', 'TASK_UTILS', '__version__']
