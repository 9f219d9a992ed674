"""OpCounter: exact op and sync counts, and where each sync comes from, on
tiny hand-made code."""
import types

import pytest
import torch
from mmengine.structures import InstanceData

from plugin.analysis.op_count import NO_CALLER, OpCounter, Sync, syncs_host
from plugin.models.utils.batch_gt import stack_batch_gt

aten = torch.ops.aten
HERE = __name__  # the module name pytest gave this file
X = torch.tensor([1., -2., 3., 0.])
REPEATS = torch.tensor([1, 0, 2, 1])  # 4 output elements


def count(fn):
    """Run ``fn`` under a counter and return the counter."""
    with OpCounter() as counter:
        fn()
    return counter


def reads_a_number(x):
    return x.sum().item()


def test_elementwise_op_is_one_op_and_no_sync():
    counter = count(lambda: X + 1)
    assert counter.total == 1
    assert counter.counts == {'aten::add.Tensor': 1}
    assert counter.syncs == [] and counter.views == 0


def test_item_is_one_sync_named_by_its_function():
    counter = count(lambda: reads_a_number(X))
    assert counter.counts == {'aten::sum': 1, 'aten::_local_scalar_dense': 1}
    assert counter.syncs == [
        Sync('aten::_local_scalar_dense', f'{HERE}:reads_a_number')]
    # the line that synced: the `return` line of reads_a_number
    line = reads_a_number.__code__.co_firstlineno + 1
    assert counter.sync_lines == [f'{HERE}:reads_a_number:{line}']


def reads_a_list(x):
    return (x * 2).tolist()


@pytest.mark.parametrize('read', ['tolist', 'numpy', 'cpu'])
def test_host_reads_of_cpu_tensors_are_syncs(read):
    """They dispatch no op on the CPU; a GPU would copy to the host."""
    counter = count(lambda: getattr(X * 2, read)())
    assert counter.counts['aten::mul.Tensor'] == 1  # numpy adds a detach
    assert counter.syncs == [Sync(
        f'Tensor.{read}',
        f'{HERE}:test_host_reads_of_cpu_tensors_are_syncs.<locals>.<lambda>')]
    counter = count(lambda: reads_a_list(X))
    assert counter.syncs == [Sync('Tensor.tolist', f'{HERE}:reads_a_list')]


def test_host_read_of_a_literal_is_free():
    counter = count(lambda: torch.tensor([1, 2]).tolist())
    assert counter.syncs == []


@pytest.mark.parametrize('convert', [bool, int, float])
def test_python_number_of_a_tensor_is_one_sync(convert):
    counter = count(lambda: convert(X.sum()))
    assert [op for op, _ in counter.syncs] == ['aten::_local_scalar_dense']
    assert counter.total == 2


def test_tensor_as_a_slice_bound_syncs():
    counter = count(lambda: X[:torch.tensor(2)])
    assert [op for op, _ in counter.syncs] == ['aten::_local_scalar_dense']


def test_where_names_a_nested_function_by_its_qualified_name():

    def inner():
        return X.max().item()

    counter = count(inner)
    assert [w for _, w in counter.syncs] == [
        f'{HERE}:test_where_names_a_nested_function_by_its_qualified_name.'
        '<locals>.inner']


@pytest.mark.parametrize('fn, ops, synced', [
    (lambda: X[X > 0], {'aten::gt.Scalar': 1, 'aten::index.Tensor': 1},
     ['aten::index.Tensor']),
    (lambda: X[torch.tensor([0, 2])],
     {'aten::lift_fresh': 1, 'aten::index.Tensor': 1}, []),
    (lambda: torch.nonzero(X), {'aten::nonzero': 1}, ['aten::nonzero']),
    (lambda: torch.argwhere(X), {'aten::nonzero': 1}, ['aten::nonzero']),
    (lambda: torch.nonzero_static(X, size=4), {'aten::nonzero_static': 1},
     []),
    (lambda: torch.unique(X), {'aten::_unique2': 1}, ['aten::_unique2']),
    (lambda: torch.unique_consecutive(X), {'aten::unique_consecutive': 1},
     ['aten::unique_consecutive']),
    (lambda: X.masked_select(X > 0),
     {'aten::gt.Scalar': 1, 'aten::masked_select': 1},
     ['aten::masked_select']),
    (lambda: X.masked_scatter(X > 0, X),
     {'aten::gt.Scalar': 1, 'aten::masked_scatter': 1}, []),
    (lambda: X.repeat_interleave(REPEATS),
     {'aten::repeat_interleave.Tensor': 1, 'aten::index_select': 1},
     ['aten::repeat_interleave.Tensor']),
    (lambda: X.repeat_interleave(REPEATS, output_size=4),
     {'aten::repeat_interleave.Tensor': 1, 'aten::index_select': 1}, []),
    (lambda: torch.equal(X, X), {'aten::equal': 1}, ['aten::equal']),
    (lambda: torch.bincount(REPEATS), {'aten::bincount': 1},
     ['aten::bincount']),
    (lambda: torch.histc(X), {'aten::histc': 1}, ['aten::histc']),
    (lambda: torch.histc(X, bins=4, min=-2, max=3), {'aten::histc': 1}, []),
    (lambda: torch._assert_async(X.sum() > 0),
     {'aten::sum': 1, 'aten::gt.Scalar': 1, 'aten::_assert_async': 1}, []),
    (lambda: X.masked_fill(X > 0, X.max()),
     {'aten::gt.Scalar': 1, 'aten::max': 1, 'aten::masked_fill.Tensor': 1},
     ['aten::masked_fill.Tensor']),
    (lambda: X.masked_fill(X > 0, 5.),
     {'aten::gt.Scalar': 1, 'aten::masked_fill.Scalar': 1}, []),
], ids=['bool index', 'long index', 'nonzero', 'argwhere', 'nonzero_static',
        'unique', 'unique_consecutive', 'masked_select', 'masked_scatter',
        'repeat_interleave', 'repeat_interleave output_size', 'equal',
        'bincount', 'histc auto range', 'histc range', '_assert_async',
        'masked_fill device value', 'masked_fill number'])
def test_ops_and_syncs(fn, ops, synced):
    counter = count(fn)
    assert counter.counts == ops
    assert [op for op, _ in counter.syncs] == synced


def set_masked_number():
    y = X.clone()
    y[y > 0] = 0


def set_masked_device_value():
    y = X.clone()
    y[y > 0] = y.max()


def set_masked_two_values():
    y = X.clone()
    y[y > 0] = torch.tensor([5., 6.])


def add_masked():
    y = X.clone()
    y[y > 0] += 1


@pytest.mark.parametrize('fn, synced', [
    (set_masked_number, []),  # CUDA makes it a masked_fill_
    (set_masked_device_value, ['aten::index_put_']),
    (set_masked_two_values, ['aten::index_put_']),
    (add_masked, ['aten::index.Tensor', 'aten::index_put_']),
])
def test_masked_assignment(fn, synced):
    counter = count(fn)
    assert counter.counts['aten::index_put_'] == 1
    assert counter.syncs == [Sync(op, f'{HERE}:{fn.__name__}')
                             for op in synced]


def test_backward_ops_are_counted():
    x = torch.ones(3, requires_grad=True)

    def loss_and_backward():
        (x * 2).sum().backward()

    counter = count(loss_and_backward)
    # forward: mul, sum; backward: the seed (ones_like), SumBackward's
    # expand, MulBackward's mul, AccumulateGrad's detach
    assert counter.counts == {
        'aten::mul.Tensor': 2, 'aten::sum': 1, 'aten::ones_like': 1,
        'aten::expand': 1, 'aten::detach': 1}
    assert counter.views == 2  # expand, detach
    assert counter.syncs == []
    assert torch.equal(x.grad, torch.full((3, ), 2.))


def test_where_is_the_innermost_plugin_frame():
    gt = [InstanceData(bboxes=torch.tensor([[0., 0., 4., 4.]]),
                       labels=torch.tensor([1]))]
    counter = count(lambda: stack_batch_gt(gt, torch.device('cpu'),
                                           num_classes=2))
    assert counter.syncs == [Sync('aten::_local_scalar_dense',
                                  'plugin.models.utils.batch_gt:'
                                  'check_batch_gt')]


def test_where_falls_back_to_mmdet():
    from mmdet.models.losses import L1Loss

    pred, target = torch.zeros(2, 4), torch.ones(2, 4)
    weight = torch.ones(2, 4)
    counter = count(lambda: L1Loss()(pred, target, weight))
    # mmdet's L1Loss tests `weight > 0` on the host
    assert [w for _, w in counter.syncs] == [
        'mmdet.models.losses.smooth_l1_loss:L1Loss.forward']


def test_summary():
    counter = count(lambda: (X + 1).sum().item())
    fn = f'{HERE}:test_summary.<locals>.<lambda>'
    assert counter.summary().splitlines() == [
        '3 ops (0 views), 1 syncs',
        '       1  aten::add.Tensor',
        '       1  aten::sum',
        '       1  aten::_local_scalar_dense',
        f'  sync    1x aten::_local_scalar_dense at {fn} '
        f'({fn}:{test_summary.__code__.co_firstlineno + 1})',
    ]


def fake(device):
    """Stands for a tensor on ``device`` (only ``.device`` is read)."""
    return types.SimpleNamespace(device=torch.device(device))


@pytest.mark.parametrize('func, args, kwargs, expected', [
    (aten._to_copy.default, (fake('cuda'), ), dict(device='cpu'), True),
    (aten._to_copy.default, (fake('cuda'), ),
     dict(device='cpu', non_blocking=True), False),
    (aten._to_copy.default, (fake('cpu'), ), dict(device='cuda'), True),
    (aten._to_copy.default, (fake('cuda'), ), dict(dtype=torch.half),
     False),
    (aten.copy_.default, (fake('cpu'), fake('cuda')), {}, True),
    (aten.copy_.default, (fake('cuda'), fake('cpu'), True), {}, False),
    (aten.copy_.default, (fake('cuda'), fake('cuda')), {}, False),
    (aten._to_copy.default, (fake('cpu'), ), dict(device='meta'), False),
], ids=['d2h', 'd2h non-blocking', 'h2d', 'dtype only', 'copy_ d2h',
        'copy_ h2d non-blocking', 'copy_ d2d', 'to meta'])
def test_cross_device_copies(func, args, kwargs, expected):
    assert syncs_host(func, args, kwargs) is expected


def test_no_python_caller():
    from plugin.analysis.op_count import _where
    assert _where(None) == (NO_CALLER, NO_CALLER)


def test_backward_of_a_mask_index_syncs_at_the_backward_call():
    x = X.clone().requires_grad_()

    def loss_and_backward():
        x[x > 0].sum().backward()

    counter = count(loss_and_backward)
    # forward: x[mask]; backward: the gradient scattered back with the mask
    # (index_put into zeros, accumulating)
    assert counter.syncs == [
        Sync('aten::index.Tensor', f'{HERE}:{loss_and_backward.__qualname__}'),
        Sync('aten::index_put', f'{HERE}:{loss_and_backward.__qualname__}'),
    ]
    assert torch.equal(x.grad, torch.tensor([1., 0., 1., 0.]))
