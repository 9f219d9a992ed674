"""Hostile ground truth at the three heads' ``loss_by_feat`` + backward.

Every case must give finite losses and gradients, the same on every run;
labels out of range and non-finite box coordinates must stop with a clear
error instead. The heads are the 1-channel ones of each head's own test
module (64 x 64 images), so this module adds inputs, not new heads.
"""
import head_parity
import pytest
import test_autoassign_head as autoassign
import test_centernet_head as centernet
import test_rpn_head as rpn
import torch
from mmengine.structures import InstanceData

IMG = 64  # the image side of every head test module
HEADS = {  # name -> (test module, number of classes, head overrides)
    'autoassign': (autoassign, autoassign.NUM_CLASSES, {}),
    'centernet': (centernet, centernet.NUM_CLASSES, {}),
    'rpn': (rpn, 1, {}),  # objectness: detectors hand the RPN label 0
    # min_pos_iou 0 (RetinaNet's rule): each gt's best anchor is positive
    # even at IoU 0, so zero-size and far-away boxes do get matched
    'rpn_min_pos_iou_0': (rpn, 1, dict(train_cfg=rpn.train_cfg(
        min_pos_iou=0.0))),
}


def gts(boxes, labels):
    return InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.tensor(labels, dtype=torch.long).reshape(-1))


def many_boxes(num, num_classes, seed=0):
    """``num`` random boxes of 1 to 40 px inside the image."""
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(num, 2, generator=g) * (IMG - 2)
    wh = 1 + torch.rand(num, 2, generator=g) * 39
    boxes = torch.cat([xy, (xy + wh).clamp(max=IMG)], 1)
    labels = torch.randint(num_classes, (num,), generator=g)
    return InstanceData(bboxes=boxes, labels=labels)


def cases(num_classes):
    """Two images per case (the second a normal one, where it matters that
    a hostile image does not spoil its neighbour)."""
    last = num_classes - 1
    normal = gts([[8, 10, 40, 44]], [0])
    return {
        'no_gt': [gts([], []), gts([], [])],
        'zero_size': [gts([[10, 10, 10, 30], [5, 20, 40, 20], [7, 7, 7, 7]],
                          [0, last, 0]), normal],
        'inverted': [gts([[30, 10, 20, 40], [10, 40, 40, 30]], [0, last]),
                     normal],  # x2 < x1, y2 < y1
        'one_pixel': [gts([[10, 10, 11, 11], [30.5, 30.5, 31.5, 31.5],
                           [63, 63, 64, 64]], [0, last, 0]), normal],
        'outside': [gts([[70, 70, 90, 90], [-30, -30, -5, -5],
                         [50, 50, 100, 100]], [0, last, 0]), normal],
        'larger_than_image': [gts([[-20, -20, 90, 90], [0, 0, 64, 64]],
                                  [last, 0]), normal],
        'identical': [gts([[12, 14, 40, 36]] * 3 + [[12, 14, 40, 36]],
                          [0, 0, 0, last]), normal],
        'many': [many_boxes(500, num_classes), normal],
        'last_class': [gts([[4, 6, 40, 44], [20, 18, 60, 62]], [last, last]),
                       gts([[10, 12, 50, 40]], [last])],
    }


CASES = list(cases(1))


def all_hostile(num_classes):
    """Every case's first image in one batch, for the half-precision run."""
    return [c[0] for c in cases(num_classes).values()]


def head_and_inputs(name, num_imgs):
    module, _, overrides = HEADS[name]
    head, _ = module.make_heads(**overrides)
    return head, module.make_feats(num_imgs), module.metas(num_imgs)


def check_finite(losses, grads):
    for k, v in losses.items():
        assert torch.isfinite(v).all(), k
    for k, g in grads.items():
        assert torch.isfinite(g).all(), k


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('name', HEADS)
def test_finite_and_deterministic(name, case):
    gt_instances = cases(HEADS[name][1])[case]
    head, feats, img_metas = head_and_inputs(name, len(gt_instances))
    losses, grads = head_parity.check_deterministic(
        head, feats, gt_instances, img_metas, threads=2, runs=2)
    check_finite(losses, grads)


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
@pytest.mark.parametrize('name', HEADS)
def test_half_precision_outputs_with_every_hostile_box(name, dtype):
    """What AMP hands the loss: half-precision head outputs, here with all
    hostile images of the cases above in one batch."""
    gt_instances = all_hostile(HEADS[name][1])
    head, feats, img_metas = head_and_inputs(name, len(gt_instances))

    def half_forward(head, feats):
        return tuple([o.to(dtype) for o in outs] for outs in head(feats))

    losses, grads = head_parity.run_loss(head, feats, gt_instances, img_metas,
                                         forward=half_forward)
    check_finite(losses, grads)
    assert all(v.dtype == torch.float32 for v in losses.values())


BAD = {  # case -> (the bad gt of image 1, the message's pattern)
    'label_too_large': (lambda c: gts([[8, 8, 30, 30]], [c]),
                        r'label .*outside \[0, \d+\)'),
    'label_negative': (lambda c: gts([[8, 8, 30, 30]], [-1]),
                       r'label .*outside \[0, \d+\)'),
    'nan_box': (lambda c: gts([[8, float('nan'), 30, 30]], [0]),
                'non-finite'),
    'inf_box': (lambda c: gts([[8, 8, float('inf'), 30]], [0]),
                'non-finite'),
}


@pytest.mark.parametrize('bad', BAD)
@pytest.mark.parametrize('name', HEADS)
def test_bad_gt_is_a_clear_error(name, bad):
    make_bad, pattern = BAD[bad]
    num_classes = HEADS[name][1]
    gt_instances = [gts([[4, 6, 40, 44]], [0]), make_bad(num_classes)]
    head, feats, img_metas = head_and_inputs(name, 2)
    with pytest.raises(ValueError, match=pattern) as err:
        head.loss_by_feat(*head(feats), gt_instances, img_metas)
    assert 'image 1' in str(err.value)  # says where
