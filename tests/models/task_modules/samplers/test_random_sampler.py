"""BatchRandomSampler: mmdet's counts and avg_factor, for all images at
once, reproducible under a seed."""
import pytest
import torch

from plugin.models.task_modules.samplers import (BatchPseudoSampler,
                                                 BatchRandomSampler)
from plugin.models.task_modules.samplers.random_sampler import draw


def assignment(num_pos, num_neg, num_ignored=5):
    """One image's gt_inds: positives first, then negatives, then ignored."""
    return torch.tensor([1] * num_pos + [0] * num_neg + [-1] * num_ignored)


def counts(samples):
    return samples.pos.sum(1).tolist(), samples.neg.sum(1).tolist()


def test_counts_per_image():
    # image 0: plenty of both; image 1: few positives; image 2: none
    gt_inds = torch.stack([
        assignment(200, 500, 0), assignment(10, 690, 0),
        assignment(0, 700, 0)
    ])
    samples = BatchRandomSampler(num=256, pos_fraction=0.5).sample(gt_inds)
    assert counts(samples) == ([128, 10, 0], [128, 246, 256])
    # mmdet's avg_factor: sum of max(pos, 1) + max(neg, 1) per image
    assert samples.avg_factor.item() == 256 + 256 + 257
    # each slot holds an anchor of its class, no anchor twice
    for i in range(3):
        inds = samples.inds[i]
        assert (gt_inds[i, inds[samples.pos[i]]] > 0).all()
        assert (gt_inds[i, inds[samples.neg[i]]] == 0).all()
        chosen = inds[samples.pos[i] | samples.neg[i]]
        assert len(chosen.unique()) == len(chosen)
    assert torch.equal(samples.cls_weight, (samples.pos | samples.neg).float())
    assert torch.equal(samples.reg_weight, samples.pos.float())


def test_fewer_anchors_than_slots():
    gt_inds = assignment(3, 4, 2)[None]
    samples = BatchRandomSampler(num=256, pos_fraction=0.5).sample(gt_inds)
    assert counts(samples) == ([3], [4])
    assert samples.avg_factor.item() == 7


def test_neg_pos_ub():
    gt_inds = torch.stack([assignment(10, 500), assignment(0, 510)])
    samples = BatchRandomSampler(
        num=256, pos_fraction=0.5, neg_pos_ub=3).sample(gt_inds)
    # at most 3 negatives per positive, and per max(1, positives)
    assert counts(samples) == ([10, 0], [30, 3])


def test_seeded():
    gt_inds = torch.stack([assignment(300, 3000), assignment(50, 3250)])
    sampler = BatchRandomSampler(num=256, pos_fraction=0.5)
    torch.manual_seed(3)
    first = sampler.sample(gt_inds)
    torch.manual_seed(3)
    again = sampler.sample(gt_inds)
    other = sampler.sample(gt_inds)
    assert torch.equal(first.inds, again.inds)
    assert not torch.equal(first.inds, other.inds)


def test_uniform():
    # 20 positives, 5 drawn per image, 2000 images: each is drawn with
    # probability 1/4 (500 times expected; 6 sigma is ~116)
    gt_inds = assignment(20, 0, 0).expand(2000, -1)
    torch.manual_seed(0)
    samples = BatchRandomSampler(num=10, pos_fraction=0.5).sample(gt_inds)
    drawn = torch.bincount(samples.inds[samples.pos], minlength=20)
    assert ((drawn - 500).abs() < 116).all(), drawn


def test_draw_keeps_the_smallest_keys_in_index_order():
    keys = torch.tensor([[.9, .1, .5, .3, .7, .2],
                         [.4, .8, .6, .05, .3, .5]])
    eligible = torch.tensor([[1, 1, 0, 1, 1, 1],
                             [0, 1, 0, 0, 0, 1]], dtype=torch.bool)
    inds, drawn = draw(keys, eligible, 3)
    # image 0: keys .1, .2, .3 (anchors 1, 5, 3); image 1: its only two
    # eligible anchors, then an unused slot (anchor 0)
    assert inds.tolist() == [[1, 3, 5], [1, 5, 0]]
    assert drawn.tolist() == [[True, True, True], [True, True, False]]
    # a limit keeps the smallest keys (a uniform sample), then sorts
    inds, drawn = draw(keys, eligible, 3, limit=torch.tensor([2, 1]))
    assert inds.tolist() == [[1, 5, 0], [5, 0, 0]]
    assert drawn.tolist() == [[True, True, False], [True, False, False]]
    # more slots than anchors: k' = N
    inds, drawn = draw(keys, eligible, 10)
    assert inds.tolist() == [[0, 1, 3, 4, 5, 0], [1, 5, 0, 0, 0, 0]]
    assert drawn.sum(1).tolist() == [5, 2]


def smallest_keys_sorted(keys, eligible, k):
    """The k eligible anchors with the smallest keys, by anchor index."""
    candidates = eligible.nonzero()[:, 0].tolist()
    return sorted(sorted(candidates, key=lambda i: keys[i])[:k])


def test_slots_hold_the_smallest_keys_in_index_order():
    """num 4 at 0.5: 2 positive slots, then 4 negative ones."""
    gt_inds = torch.tensor([
        [0, 1, -1, 0, 2, 0, 1, 0, 0, -1],  # 2 of 3 positives, 2 negatives
        [0, 0, 0, 0, 0, 0, 0, 1, -1, 0],  # 1 positive, 3 of 8 negatives
        [-1, 0, -1, -1, 0, -1, -1, 0, -1, -1],  # 3 negatives, no positive
    ])
    torch.manual_seed(7)
    keys = torch.rand(gt_inds.shape)  # the sampler's keys
    torch.manual_seed(7)
    samples = BatchRandomSampler(num=4, pos_fraction=0.5).sample(gt_inds)
    for i, neg_wanted in enumerate([2, 3, 4]):
        pos = smallest_keys_sorted(keys[i], gt_inds[i] > 0, 2)
        neg = smallest_keys_sorted(keys[i], gt_inds[i] == 0, neg_wanted)
        # unused slots last, on anchor 0
        expected = (pos + [0] * (2 - len(pos)) + neg + [0] * (4 - len(neg)))
        assert samples.inds[i].tolist() == expected
        assert samples.pos[i].tolist() == [True] * len(pos) + [False] * (
            6 - len(pos))
        assert samples.neg[i].tolist() == [False] * 2 + [True] * len(
            neg) + [False] * (4 - len(neg))
    assert counts(samples) == ([2, 1, 0], [2, 3, 3])
    # the truncated negatives are not simply the first ones by index
    assert samples.inds[1, 2:5].tolist() != [0, 1, 2]


def test_add_gt_as_proposals_is_refused():
    with pytest.raises(ValueError, match='add_gt_as_proposals'):
        BatchRandomSampler(num=256, pos_fraction=0.5,
                           add_gt_as_proposals=True)


def test_pseudo_sampler_keeps_every_anchor():
    gt_inds = torch.stack([assignment(3, 4, 2), assignment(0, 7, 2)])
    samples = BatchPseudoSampler().sample(gt_inds)
    assert counts(samples) == ([3, 0], [4, 7])
    assert samples.inds.tolist() == [list(range(9))] * 2
    # mmdet's PseudoSampler: avg_factor = sum of max(pos, 1)
    assert samples.avg_factor.item() == 3 + 1
