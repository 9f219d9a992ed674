"""SiamRPN as an mmengine model: the three modes, one batch of pairs, one
batch of sequences, a strict checkpoint round trip."""
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement, InstanceData
# the head test's train_cfg (tests/ is on the path)
from models.dense_heads import test_siamese_rpn_head as siamese_head

from plugin.registry import MODELS

MODEL = dict(
    type='plugin.SiamRPN',
    backbone=dict(type='plugin.SiamConvNet', channels=(4, 8, 8, 8)),
    head=dict(
        type='plugin.SiameseRPNHead',
        in_channels=8,
        feat_channels=8,
        anchor_generator=dict(
            type='plugin.SiamRPNAnchorGenerator', stride=8, scales=(4., ))),
    train_cfg=dict(
        assigner=siamese_head.TRAIN_CFG['assigner'],  # SiamRPN's labels
        sampler=dict(type='plugin.SiamRPNSampler')),
    test_cfg=dict(template_size=64, search_size=128))


@pytest.fixture
def model():
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        m = MODELS.build(MODEL)
    assert type(m).__module__.startswith('plugin.')
    assert type(m.data_preprocessor).__module__.startswith('plugin.')
    m.init_weights()
    return m


def pairs(n):
    samples = []
    for i in range(n):
        ds = DetDataSample()
        k = 0 if i == n - 1 else 1  # the last pair negative
        ds.gt_instances = InstanceData(
            bboxes=torch.tensor([[48., 48., 80., 80.]])[:k],
            labels=torch.zeros(k, dtype=torch.long))
        samples.append(ds)
    return dict(
        inputs=dict(
            template=[torch.randint(0, 256, (3, 64, 64), dtype=torch.uint8)
                      for _ in range(n)],
            search=[torch.randint(0, 256, (3, 128, 128), dtype=torch.uint8)
                    for _ in range(n)]),
        data_samples=samples)


def test_train_step_and_tensor_mode(model):
    data = model.data_preprocessor(pairs(3), True)
    cls, reg = model(data['inputs'], mode='tensor')
    assert cls.shape == (3, 10, 9, 9) and reg.shape == (3, 20, 9, 9)
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    assert set(losses) == {'loss_cls', 'loss_bbox', 'frame_gap'}
    assert losses['frame_gap'].item() == 0  # still-image pairs
    sum(losses.values()).backward()
    assert all(torch.isfinite(v) for v in losses.values())
    assert model.backbone.stages[0][0].weight.grad.abs().sum() > 0


def test_predict_tracks_each_sequence(model):
    model.eval()
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (n, 96, 128, 3), dtype=np.uint8)
              for n in (5, 3)]
    boxes = np.array([[40., 30., 72., 62.]], np.float32)
    samples = [BaseDataElement(metainfo=dict(
        seq_name=f's{i}', gt_bboxes=np.repeat(boxes, len(f), 0)))
        for i, f in enumerate(frames)]
    with torch.no_grad():
        out = model.val_step(dict(inputs=dict(frames=frames),
                                  data_samples=samples))
    assert [o.pred_track_bboxes.shape for o in out] == [(5, 4), (3, 4)]
    assert out[0].pred_track_bboxes[0].tolist() == boxes[0].tolist()
    assert all(o.track_time > 0 for o in out)
    assert np.isfinite(out[0].pred_track_bboxes).all()


def test_checkpoint_loads_strictly(model, tmp_path):
    path = str(tmp_path / 'm.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    from plugin.tracking import init_tracker_model
    with DefaultScope.overwrite_default_scope('mmdet'):
        from mmengine.config import Config
        loaded = init_tracker_model(Config(dict(model=MODEL)), path)
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v), k


def test_loss_under_autocast_is_fp32_and_finite(model):
    """bf16 autocast on the CPU (fp16 on a GPU): the network runs in low
    precision, the losses in fp32 (fp32_no_autocast)."""
    data = model.data_preprocessor(pairs(3), True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model.loss(data['inputs'], data['data_samples'])
    assert all(v.dtype == torch.float32 for v in losses.values())
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()


def test_tracker_crop_option(model):
    """test_cfg.crop picks the tracker class; options override test_cfg."""
    from plugin.models.trackers import PysotCropTracker, SiamRPNTracker
    tracker = model.tracker()
    assert type(tracker) is SiamRPNTracker
    assert type(model.tracker(crop='pysot')) is PysotCropTracker
    assert model.tracker(lr=0.5).lr == 0.5
    with pytest.raises(ValueError, match="test_cfg.crop must be one of "
                       r"\['exact', 'pysot'\], got 'round'"):
        model.tracker(crop='round')
