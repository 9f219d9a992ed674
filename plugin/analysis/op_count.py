"""Count the aten ops a piece of code dispatches, and those that stop the host.

A proxy for CUDA that runs on the CPU. On a GPU every aten op is (at least)
one kernel launch with a few microseconds of host overhead, and an op whose
result the host must read (a Python number, or an output whose *size*
depends on the data) blocks the host until the device has finished all the
work queued before it: the queue drains and the GPU idles while Python
catches up. Both are properties of the code, not of the device, so they
can be counted on the CPU with a ``TorchDispatchMode``, which sees every op
after autograd and after the composite ops have been decomposed: what a
device backend would be asked to run.

    with OpCounter() as counter:
        loss = head.loss_by_feat(...)
        total_loss(loss).backward()   # backward's ops are counted too
    print(counter.summary())
    counter.syncs  # [('aten::_local_scalar_dense', 'plugin.x.y:func'), ...]

The ops flagged as syncs, and why (CUDA; measured on ops as dispatched):

* ``aten::_local_scalar_dense``: what ``.item()``, ``bool(t)``, ``int(t)``,
  ``float(t)``, ``t.__index__`` (a tensor as a slice bound, a size or a
  ``range`` argument) and a tensor passed where torch wants a Python number
  all become: one value copied to the host, after all queued work.
* ``aten::nonzero`` (``argwhere``, ``torch.where(cond)`` decompose to it),
  ``aten::_unique2``, ``_unique``, ``unique_dim``, ``unique_consecutive``,
  ``unique_dim_consecutive``, ``aten::masked_select``: the output's size is
  the number of selected elements, which the host must know to allocate it.
  ``nonzero_static`` takes the size from the caller and does not sync.
* ``aten::index.Tensor`` with a bool or uint8 index (``x[mask]``): the
  mask is turned into indices with ``nonzero`` inside the kernel. The same
  for ``index_put(_)`` and ``_index_put_impl_`` (``x[mask] = v``), except
  where torch's CUDA kernel turns them into a ``masked_fill_``
  (``canDispatchToMaskedFill``): no accumulation, a single mask index on
  ``self``'s device and a one-element value on the host, e.g.
  ``x[mask] = 0``.
* ``aten::repeat_interleave.Tensor`` without ``output_size``: the output's
  length is ``repeats.sum()``, read back (together with a check that no
  repeat is negative); with ``output_size`` it is sync-free.
* ``aten::bincount``: the number of bins is ``max(input) + 1``, read back.
  ``aten::histc`` with ``min == max`` (the default): the range is read
  back.
* ``aten::equal``, ``aten::allclose``, ``aten::is_nonzero``: return a
  Python bool computed on the device.
* ``aten::masked_fill(_).Tensor`` and ``index_fill(_).int_Tensor`` with
  a value tensor on the device: the CUDA kernels take the value as a host
  scalar (``value.item()``). A Python number (the ``.Scalar`` overloads) or
  a value on the host is free.
* ``aten::_linalg_check_errors``: reads the ``info`` tensor of a
  factorisation to raise on a singular input.
* ``aten::_to_copy`` / ``copy_`` between the CPU and another device without
  ``non_blocking=True``: a device-to-host copy waits for the data; torch
  also synchronises the stream after a blocking host-to-device copy. On the
  CPU proxy these never occur.
* ``Tensor.tolist()``, ``.numpy()`` and ``.cpu()`` of a CPU tensor: they
  dispatch no op, so the counter watches them as torch functions too (a
  ``TorchFunctionMode`` entered with it), named ``Tensor.tolist`` etc. On
  CUDA they are the device-to-host copies above.

Not syncs: ``aten::_assert_async`` (a device-side assert),
``aten::masked_scatter`` (since torch 2.1 its CUDA kernel checks the
source's size with a device-side assert), ``nonzero_static``,
``repeat_interleave`` with ``output_size``, integer (long) indexing (bounds
are checked on the device).

On the CPU every tensor is on the "host". The counter takes the tensors
made from Python data by ``aten::lift_fresh`` (``torch.tensor(...)``, the
value of ``x[mask] = 0``) as host values, and every other tensor as one a
GPU would hold: so ``x[mask] = 0`` counts as sync-free (as on CUDA), while
``x[mask] = x.max()`` and ``x.masked_fill(mask, x.max())`` count as syncs.
(A ``torch.tensor(..., device='cuda')`` literal is on the GPU there: the
proxy misses the sync of a fill with it.)

For each sync the counter names where it came from: the innermost Python
frame in ``plugin``, else in mmdet/mmengine/mmcv, else the innermost frame
outside torch and this module; as ``module:qualified function name``, e.g.
``plugin.models.utils.batch_gt:check_batch_gt``. It also keeps the line
that synced (the innermost frame outside torch, e.g. in an mmdet loss that
plugin's head calls). The stack is walked only for syncs, so counting
stays cheap. A sync in backward (e.g. the backward of ``x[mask]``, an
``index_put`` with the mask) is named by the frame that called
``backward()`` on the CPU; on CUDA autograd runs it on a thread of its own,
with no Python caller: ``'<no python caller>'``.

``total`` counts view ops too (``view``, ``expand``, ``t``...), which
launch no kernel; ``views`` says how many there are.
"""
import collections
import sys
import weakref
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

import torch
from torch import Tensor
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten

# ops whose every call reads a device value back (see the module docstring)
ALWAYS_SYNC = frozenset({
    aten._local_scalar_dense, aten.item, aten.is_nonzero, aten.equal,
    aten.allclose, aten.nonzero, aten.argwhere, aten.nonzero_numpy,
    aten._unique, aten._unique2, aten.unique_dim, aten.unique_consecutive,
    aten.unique_dim_consecutive, aten.masked_select, aten.bincount,
    aten._linalg_check_errors
})
MASK_DTYPES = (torch.bool, torch.uint8)
# index_put(self, indices, values, accumulate=False) and its variants
INDEX_PUTS = frozenset(
    {aten.index_put, aten.index_put_, aten._index_put_impl_})
# fill ops taking a value tensor: the position of that value
TENSOR_FILLS = {
    aten.masked_fill.Tensor: 2,
    aten.masked_fill_.Tensor: 2,
    aten.index_fill.int_Tensor: 3,
    aten.index_fill_.int_Tensor: 3,
}
COPIES = frozenset({aten._to_copy, aten.copy_})

# frames in these modules are never named as the origin of a sync
_THIS_MODULE = __name__
_LIBRARIES = ('mmdet', 'mmengine', 'mmcv')
NO_CALLER = '<no python caller>'

# (value, the tensor it goes into) -> whether the value is on the host
IsHost = Callable[[Tensor, Tensor], bool]


class Sync(NamedTuple):
    """One syncing op: its name (``aten::nonzero``) and where it came
    from (``module:function``)."""
    op: str
    where: str


def on_another_device(value: Tensor, target: Tensor) -> bool:
    """The real rule: ``value`` is on the host and ``target`` is not."""
    return value.device.type == 'cpu' and target.device.type != 'cpu'


def _is_mask(index: Optional[Tensor]) -> bool:
    return isinstance(index, Tensor) and index.dtype in MASK_DTYPES


def _index_put_syncs(args: tuple, kwargs: dict, is_host: IsHost) -> bool:
    """``x[mask] = v`` syncs unless torch's CUDA kernel makes it a
    ``masked_fill_`` (its ``canDispatchToMaskedFill``)."""
    self, indices, values = args[:3]
    if not any(_is_mask(i) for i in indices):
        return False  # integer indices: bounds checked on the device
    accumulate = args[3] if len(args) > 3 else kwargs.get('accumulate',
                                                          False)
    defined = [i for i in indices if i is not None]
    masked_fill = (not accumulate and len(defined) == 1
                   and defined[0].device == self.device
                   and values.numel() == 1 and is_host(values, self))
    return not masked_fill


def _is_cross_device_copy(func, args: tuple, kwargs: dict) -> bool:
    """A blocking copy between the CPU and another (real) device."""
    if func.overloadpacket is aten.copy_:
        dst, src = args[0].device, args[1].device
        non_blocking = args[2] if len(args) > 2 else kwargs.get(
            'non_blocking', False)
    else:  # _to_copy(self, *, dtype, layout, device, pin_memory,
        #             non_blocking, memory_format)
        src = args[0].device
        dst = torch.device(kwargs.get('device') or src)
        non_blocking = kwargs.get('non_blocking', False)
    types = {src.type, dst.type}
    return (not non_blocking and len(types) == 2 and 'cpu' in types
            and 'meta' not in types)


def syncs_host(func, args: tuple, kwargs: dict,
               is_host: IsHost = on_another_device) -> bool:
    """Whether this call of ``func`` blocks the host on CUDA.

    Args:
        func: the ``OpOverload`` being dispatched.
        args: its positional arguments.
        kwargs: its keyword arguments.
        is_host: whether a value tensor lives on the host, given the tensor
            it is written into (fills and ``index_put``).

    Returns:
        bool: True for the ops listed in the module docstring.
    """
    packet = func.overloadpacket
    if packet in ALWAYS_SYNC:
        return True
    if packet is aten.index:
        return any(_is_mask(i) for i in args[1])
    if packet in INDEX_PUTS:
        return _index_put_syncs(args, kwargs, is_host)
    if func is aten.repeat_interleave.Tensor:
        return kwargs.get('output_size') is None
    if packet is aten.histc:
        lo = args[2] if len(args) > 2 else kwargs.get('min', 0)
        hi = args[3] if len(args) > 3 else kwargs.get('max', 0)
        return lo == hi
    if func in TENSOR_FILLS:
        return not is_host(args[TENSOR_FILLS[func]], args[0])
    if packet in COPIES:
        return _is_cross_device_copy(func, args, kwargs)
    return False


def _frame_name(frame, line: bool = False) -> str:
    """``module:qualname`` (and ``:line``) of a frame."""
    code = frame.f_code
    name = (f'{frame.f_globals.get("__name__", "?")}:'
            f'{getattr(code, "co_qualname", code.co_name)}')
    return f'{name}:{frame.f_lineno}' if line else name


def _where(frame) -> Tuple[str, str]:
    """Where a sync came from, walking out from ``frame``.

    Returns:
        tuple[str, str]: the origin as the module docstring defines it
        (``module:qualname``), and the innermost frame outside torch and
        this module (``module:qualname:line``, the line that synced).
    """
    library = innermost = None
    while frame is not None:
        module = frame.f_globals.get('__name__', '?')
        top = module.partition('.')[0]
        if module != _THIS_MODULE and top != 'torch':
            if innermost is None:
                innermost = frame
            if top == 'plugin':
                return _frame_name(frame), _frame_name(innermost, True)
            if library is None and top in _LIBRARIES:
                library = frame
        frame = frame.f_back
    if innermost is None:
        return NO_CALLER, NO_CALLER
    return (_frame_name(library or innermost),
            _frame_name(innermost, line=True))


# Tensor methods that read a CPU tensor's values into Python without
# dispatching an op (a device tensor's copy is dispatched, and seen there)
HOST_READS = {torch.Tensor.tolist, torch.Tensor.numpy, torch.Tensor.cpu}


class _HostReads(TorchFunctionMode):
    """Records ``Tensor.tolist`` / ``numpy`` / ``cpu`` of CPU tensors that a
    GPU would hold (not literals) as syncs of ``counter``."""

    def __init__(self, counter: 'OpCounter') -> None:
        super().__init__()
        self.counter = counter

    def __torch_function__(self, func, types, args=(), kwargs=None) -> Any:
        if (func in HOST_READS and args and isinstance(args[0], Tensor)
                and args[0].device.type == 'cpu'
                and not self.counter._is_host(args[0], args[0])):
            self.counter._record(f'Tensor.{func.__name__}',
                                 sys._getframe().f_back)
        return func(*args, **(kwargs or {}))


class OpCounter(TorchDispatchMode):
    """Count the aten ops dispatched inside ``with OpCounter() as c:`` and
    record the ones that sync the host (see the module docstring).

    Attributes:
        counts (Counter[str]): calls per op overload (``aten::add.Tensor``).
        syncs (List[Sync]): every syncing call, in order.
        sync_lines (List[str]): for each sync, the innermost frame outside
            torch as ``module:qualname:line`` (e.g. the line in mmdet's
            loss that synced, when ``where`` names plugin's caller).
        views (int): how many of the calls were view ops (no kernel).
    """

    def __init__(self) -> None:
        super().__init__()
        self.counts: Dict[str, int] = collections.Counter()
        self.syncs: List[Sync] = []
        self.sync_lines: List[str] = []
        self.views = 0
        # outputs of aten::lift_fresh (tensors made from Python data), by
        # id; weak, and compared by identity (a tensor's == is elementwise)
        self._literals: Dict[int, weakref.ref] = {}

    def _is_host(self, value: Tensor, target: Tensor) -> bool:
        """Whether ``value`` would be on the host on a GPU: really so, or,
        on the CPU, made from Python data (see the module docstring)."""
        if value.device.type != 'cpu':
            return False
        if target.device.type != 'cpu':
            return True
        ref = self._literals.get(id(value))
        return ref is not None and ref() is value

    def __torch_dispatch__(self, func, types, args=(), kwargs=None) -> Any:
        kwargs = kwargs or {}
        name = func.name()
        self.counts[name] += 1
        if func.is_view:
            self.views += 1
        if syncs_host(func, args, kwargs, self._is_host):
            # the caller; None on a thread without Python frames (autograd
            # runs backward on its own thread on CUDA)
            self._record(name, sys._getframe().f_back)
        out = func(*args, **kwargs)
        if func is aten.lift_fresh.default:
            self._remember_literal(out)
        return out

    def _record(self, name: str, frame) -> None:
        """A sync of op ``name`` called from ``frame``."""
        where, line = _where(frame)
        self.syncs.append(Sync(name, where))
        self.sync_lines.append(line)

    def __enter__(self) -> 'OpCounter':
        self._host_reads = _HostReads(self)
        self._host_reads.__enter__()
        return super().__enter__()

    def __exit__(self, *exc) -> None:
        try:
            super().__exit__(*exc)
        finally:
            self._host_reads.__exit__(*exc)

    def _remember_literal(self, tensor: Tensor) -> None:
        key = id(tensor)

        def forget(ref: weakref.ref) -> None:
            if self._literals.get(key) is ref:  # not a newer tensor's
                del self._literals[key]

        self._literals[key] = weakref.ref(tensor, forget)

    @property
    def total(self) -> int:
        """All dispatched calls, views included."""
        return sum(self.counts.values())

    def sync_sites(self) -> List[Tuple[Sync, str, int]]:
        """Distinct (op, where) pairs with the line that synced and their
        number of calls, the most frequent first."""
        sites = collections.Counter(zip(self.syncs, self.sync_lines))
        return [(sync, line, n) for (sync, line), n in sites.most_common()]

    def summary(self, top: Optional[int] = 5) -> str:
        """A few lines: totals, the ``top`` most frequent ops and every
        sync site (None: all ops)."""
        lines = [f'{self.total} ops ({self.views} views), '
                 f'{len(self.syncs)} syncs']
        for name, n in collections.Counter(self.counts).most_common(top):
            lines.append(f'  {n:6d}  {name}')
        for (op, where), line, n in self.sync_sites():
            lines.append(f'  sync {n:4d}x {op} at {where} ({line})')
        return '\n'.join(lines)
