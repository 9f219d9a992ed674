"""Let ``torch.load(weights_only=True)`` read mmengine checkpoints, safely.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7
calls ``torch.load`` without the argument, so ``load_from``, ``--resume`` and
``tools/test.py`` fail on mmengine's own checkpoints. What those checkpoints
carry beyond tensors and builtins (checked with
``torch.serialization.get_unsafe_globals_in_checkpoint`` on a Runner
checkpoint, numpy 2.x):

* numpy scalars and arrays in the message hub's runtime info and log
  buffers: ``numpy.dtype`` (and its per-type classes, which the unpickler's
  BUILD step sees), ``numpy._core.multiarray.scalar``,
  ``numpy._core.multiarray._reconstruct``, ``numpy.ndarray``;
* ``mmengine.logging.history_buffer.HistoryBuffer``;
* ``builtins.getattr``: protocol-2 pickles store ``HistoryBuffer.min``
  (``max``, ``mean``, ``current`` and registered statistics) as
  ``getattr(HistoryBuffer, 'min')``.

The first two groups only rebuild data and are allow-listed as they are.
``getattr`` is not: applied to an allowed object it reaches arbitrary methods
(``ndarray.tofile`` writes files). It is therefore mapped to
:func:`_history_buffer_getattr`, which resolves HistoryBuffer's statistics
methods and refuses everything else. Any other global in a checkpoint is
still refused by torch, as without this module.
"""
import pickle
from typing import Any, Callable, List, Tuple, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct, scalar
    _NUMPY_CORE = 'numpy._core.multiarray'
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _reconstruct, scalar
    _NUMPY_CORE = 'numpy.core.multiarray'


# HistoryBuffer's built-in statistics; ``register_statistics`` adds more to
# ``HistoryBuffer._statistics_methods`` (filled lazily by the first instance).
_BUILTIN_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_getattr(obj: Any, name: str) -> Callable:
    """``getattr`` limited to ``HistoryBuffer``'s statistics methods."""
    allowed = set(_BUILTIN_STATISTICS) | set(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and isinstance(name, str) and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'plugin.checkpoint refuses getattr({obj!r}, {name!r}) in a '
        f'weights_only load: only HistoryBuffer statistics methods are '
        f'allowed. Load with weights_only=False only if you trust the file.')


def _numpy_dtype_classes() -> List[type]:
    """The concrete dtype classes (numpy >= 1.25 has one per type)."""
    codes = '?bBhHiIlLqQefdgFDGSUV'
    return sorted({type(np.dtype(c)) for c in codes}, key=lambda t: t.__name__)


def safe_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """Everything this module allow-lists, in ``add_safe_globals`` form."""
    return [
        np.dtype,
        np.ndarray,
        (scalar, f'{_NUMPY_CORE}.scalar'),
        (_reconstruct, f'{_NUMPY_CORE}._reconstruct'),
        *_numpy_dtype_classes(),
        HistoryBuffer,
        (_history_buffer_getattr, 'builtins.getattr'),
    ]


def allow_mmengine_checkpoints() -> None:
    """Register :func:`safe_globals` with torch (idempotent)."""
    torch.serialization.add_safe_globals(safe_globals())


allow_mmengine_checkpoints()
