"""plugin.checkpoint: mmengine checkpoints load with weights_only, nothing
else gets through."""
import io
import os
import pickle

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import load_checkpoint, save_checkpoint

import plugin.checkpoint  # noqa: F401


def roundtrip(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf)  # weights_only=True is torch's default here


def test_without_the_allow_list_mmengine_state_is_refused():
    """The premise: torch's default load refuses what the list admits."""
    saved = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        buf = io.BytesIO()
        torch.save({'x': HistoryBuffer()}, buf)
        buf.seek(0)
        with pytest.raises(pickle.UnpicklingError):
            torch.load(buf)
    finally:
        torch.serialization.add_safe_globals(saved)


def test_message_hub_state_round_trips():
    hub = MessageHub.get_instance('plugin-test-ckpt')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss', np.float64(2.5))
    hub.update_info('eta', np.float64(3.0))
    hub.update_info('arr', np.arange(3))
    state = roundtrip({'message_hub': hub.state_dict(),
                       'meta': {'epoch': 3, 'seed': np.int64(7)}})
    buf = state['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    assert buf.mean() == 2.0 and buf.statistics('max') == 2.5
    assert state['message_hub']['runtime_info']['eta'] == 3.0
    assert state['message_hub']['runtime_info']['arr'].tolist() == [0, 1, 2]
    assert state['meta']['seed'] == 7


def test_model_checkpoint_round_trips(tmp_path):
    model = nn.Linear(3, 2)
    path = str(tmp_path / 'model.pth')
    save_checkpoint({'state_dict': model.state_dict(),
                     'meta': {'eta': np.float32(1.0)}}, path)
    fresh = nn.Linear(3, 2)
    load_checkpoint(fresh, path, strict=True)
    assert torch.equal(fresh.weight, model.weight)


class _RunsACommand:
    def __reduce__(self):
        return (os.system, ('echo should-not-run',))


class _GetattrOnArray:
    """getattr applied to an allowed object: reaches ndarray.tofile."""

    def __reduce__(self):
        return (getattr, (np.zeros(2), 'tofile'))


class _GetattrOnBuffer:
    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


@pytest.mark.parametrize('payload',
                         [_RunsACommand, _GetattrOnArray, _GetattrOnBuffer])
def test_other_globals_are_refused(payload):
    with pytest.raises(pickle.UnpicklingError):
        roundtrip({'x': payload()})


def test_arbitrary_class_is_refused():
    with pytest.raises(pickle.UnpicklingError):
        roundtrip({'x': nn.Linear(2, 2)})  # a whole module, not a state dict
