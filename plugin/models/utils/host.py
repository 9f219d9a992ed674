"""Small host-side values (image sizes from the metas) as device tensors.

``torch.tensor(values, device='cuda')`` copies from pageable memory, which
waits for the work already queued on the stream: a host sync in disguise.
From pinned memory the copy is queued like a kernel.
"""
from typing import Sequence

import torch
from torch import Tensor


def host_tensor(values: Sequence, device: torch.device,
                dtype: torch.dtype = torch.float32) -> Tensor:
    """``torch.tensor(values)`` on ``device``, copied without blocking.

    Args:
        values: nested lists of Python numbers.
        device: the target device.
        dtype: the tensor's type.

    Returns:
        Tensor: the values on ``device``.
    """
    if torch.device(device).type != 'cuda':
        return torch.tensor(values, dtype=dtype, device=device)
    pinned = torch.tensor(values, dtype=dtype).pin_memory()
    return pinned.to(device, non_blocking=True)
