"""SiamRPNSampler: at most 16 positives and 48 negatives per image, and the
weights that make plain sums SiamRPN's losses."""
import pytest
import torch

from plugin.models.task_modules.samplers import SiamRPNSampler


def test_counts_and_weights():
    gt_inds = torch.stack([
        torch.tensor([1] * 40 + [0] * 100 + [-1] * 10),  # plenty
        torch.tensor([2] * 4 + [0] * 20 + [-1] * 126),  # few
        torch.tensor([0] * 150),  # no positive
    ])
    samples = SiamRPNSampler().sample(gt_inds)
    assert samples.pos.sum(1).tolist() == [16, 4, 0]
    assert samples.neg.sum(1).tolist() == [48, 20, 48]
    assert samples.avg_factor is None
    # classification: half over the batch's 20 positives, half over its
    # 116 negatives
    w = samples.cls_weight
    assert torch.allclose(w[samples.pos], torch.tensor(0.5 / 20))
    assert torch.allclose(w[samples.neg], torch.tensor(0.5 / 116))
    assert w[samples.pos].sum().item() == pytest.approx(0.5)
    assert w[samples.neg].sum().item() == pytest.approx(0.5)
    # regression: 1 / positives of the image, over 3 images
    r = samples.reg_weight
    assert torch.allclose(r[0][samples.pos[0]], torch.tensor(1 / 16 / 3))
    assert torch.allclose(r[1][samples.pos[1]], torch.tensor(1 / 4 / 3))
    assert (r[~samples.pos] == 0).all()


def test_no_positive_in_the_batch():
    samples = SiamRPNSampler().sample(torch.zeros(2, 30, dtype=torch.long))
    assert samples.pos.sum() == 0
    assert samples.cls_weight[samples.neg].sum().item() == pytest.approx(0.5)
    assert samples.reg_weight.abs().sum() == 0


def test_slots_hold_the_smallest_keys_in_index_order():
    """2 positive slots, then 3 negative ones, unused slots last on
    anchor 0."""
    gt_inds = torch.tensor([[0, 1, 0, 2, -1, 1, 0, 0, 0],
                            [1, -1, 0, -1, -1, -1, -1, -1, -1]])
    torch.manual_seed(11)
    keys = torch.rand(gt_inds.shape)  # the sampler's keys
    torch.manual_seed(11)
    samples = SiamRPNSampler(pos_num=2, neg_num=3).sample(gt_inds)
    for i in range(2):
        pos, neg = (sorted(sorted(m.nonzero()[:, 0].tolist(),
                                  key=lambda a: keys[i, a])[:k])
                    for m, k in ((gt_inds[i] > 0, 2), (gt_inds[i] == 0, 3)))
        expected = pos + [0] * (2 - len(pos)) + neg + [0] * (3 - len(neg))
        assert samples.inds[i].tolist() == expected
        assert samples.pos[i, :2].sum() == len(pos)
        assert samples.neg[i, 2:].sum() == len(neg)
    assert samples.inds[1].tolist()[1:] == [0, 2, 0, 0]
