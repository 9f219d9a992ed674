"""fp32_no_autocast: fp32 inputs, autocast off inside, values unchanged."""
import torch
from mmengine.structures import InstanceData

from plugin.models.utils import fp32_no_autocast


class Probe:
    """Records what the decorated method sees."""

    @fp32_no_autocast
    def loss(self, levels, single, gts, metas, ints, scale=None):
        self.seen = dict(
            levels=[t.dtype for t in levels],
            single=single.dtype,
            gts=gts,
            metas=metas,
            ints=ints.dtype,
            scale=scale.dtype,
            autocast=torch.is_autocast_enabled('cpu'),
            matmul=(single @ single).dtype)
        return sum(t.sum() for t in levels) + single.sum()


def test_casts_floating_inputs_and_disables_autocast():
    probe = Probe()
    levels = [torch.ones(2, 2, dtype=torch.float16),
              torch.full((3, 2), 0.5, dtype=torch.bfloat16)]
    single = torch.eye(2, dtype=torch.float16)
    gts = [InstanceData(bboxes=torch.zeros(1, 4, dtype=torch.float16))]
    metas = [dict(img_shape=(4, 4))]
    ints = torch.arange(3)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = probe.loss(levels, single, gts, metas, ints,
                         scale=torch.ones(1, dtype=torch.float16))
    assert probe.seen == dict(
        levels=[torch.float32, torch.float32],
        single=torch.float32,
        gts=gts,  # the gt instances and metas are passed as they are
        metas=metas,
        ints=torch.int64,
        scale=torch.float32,
        autocast=False,
        matmul=torch.float32)
    assert out.dtype == torch.float32 and out.item() == 4 + 3 + 2
    assert torch.is_autocast_enabled('cpu') is False  # restored outside


def test_keeps_the_signature_for_callers_and_subclasses():
    import inspect
    params = list(inspect.signature(Probe.loss).parameters)
    assert params == ['self', 'levels', 'single', 'gts', 'metas', 'ints',
                      'scale']
