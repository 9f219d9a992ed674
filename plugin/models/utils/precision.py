"""Run a loss in fp32 with autocast switched off, whatever the caller's
precision.

The heads' losses take logs of probabilities, sum many small terms and
divide by counts; in fp16 these lose the tails they live on (a sigmoid
rounds to exactly 1 above a logit of ~8, so ``log(1 - p)`` is ``log(0)``),
and CUDA autocast refuses ``binary_cross_entropy`` outright. Every head's
``loss_by_feat`` therefore runs under :func:`fp32_no_autocast`.
"""
import functools
from typing import Any, Callable, Optional

import torch
from torch import Tensor


def _to_fp32(value: Any) -> Any:
    """Floating tensors (alone or in lists/tuples) as float32; anything else
    (gt instances, metas, integer tensors) unchanged."""
    if isinstance(value, Tensor):
        return value.float() if value.is_floating_point() else value
    if isinstance(value, (list, tuple)) and any(
            isinstance(v, Tensor) for v in value):
        return type(value)(_to_fp32(v) for v in value)
    return value


def _device_type(args: tuple, kwargs: dict) -> Optional[str]:
    """The device type of the first tensor among the arguments."""
    for value in list(args) + list(kwargs.values()):
        if isinstance(value, Tensor):
            return value.device.type
        if isinstance(value, (list, tuple)):
            for v in value:
                if isinstance(v, Tensor):
                    return v.device.type
    return None


def fp32_no_autocast(fn: Callable) -> Callable:
    """Decorate a method so that it runs in fp32 with autocast off.

    Floating tensor arguments, and lists or tuples of them (per-level
    outputs), are cast to float32 before the call; autocast is disabled on
    the device of the first tensor argument for the duration of the call.
    Casting first and flattening levels afterwards gives the same values as
    the other way round, so the decorated losses keep their numbers.
    """

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        device_type = _device_type(args, kwargs) or 'cpu'
        args = tuple(_to_fp32(a) for a in args)
        kwargs = {k: _to_fp32(v) for k, v in kwargs.items()}
        with torch.autocast(device_type=device_type, enabled=False):
            return fn(self, *args, **kwargs)

    return wrapper
