"""collect_assignment: exact positives per gt and level on hand-placed gts,
the notes of gts left without one, and the summary/table/picture."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData
# the 1-channel heads of the head tests (tests/ is on the path)
from models.dense_heads import test_autoassign_head as autoassign
from models.dense_heads import test_centernet_head as centernet
from models.dense_heads import test_rpn_head as rpn

from plugin.analysis import (collect_assignment, draw_assignment,
                             format_table, summarise)


def sample(boxes, labels, meta):
    s = DetDataSample(metainfo=meta)
    s.gt_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32),
        labels=torch.tensor(labels))
    return s


def run(module, boxes, labels, untrained=False):
    head, _ = module.make_heads()
    head.eval()
    meta = module.metas(1)[0]
    data_sample = sample(boxes, labels, meta)
    with torch.no_grad():
        outs = head(module.make_feats(1))
    return collect_assignment(head, outs, data_sample, untrained)


def test_rpn_positives_and_notes():
    # gt 0 is exactly the 8x8 anchor at (12, 12) of stride 4 (IoU 1; its
    # neighbours reach 1/3); gt 1 (1 px) reaches IoU 1/64 at best; gt 2
    # lies off the 64 x 64 image, where no anchor is
    a = run(rpn, [[8, 8, 16, 16], [30, 30, 31, 31], [100, 100, 120, 120]],
            [0, 0, 0])
    assert a.head == 'RPN'
    assert a.level_names == ['stride 4', 'stride 8', 'stride 16']
    expected = [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert a.positives.tolist() == expected
    assert a.without_positive == [1, 2]
    assert a.notes == ['', 'best anchor IoU 0.02 (< min_pos_iou 0.3)',
                       'best anchor IoU 0.00 (overlaps no anchor)']
    # the anchor box itself is drawn among the gt's best
    boxes = a.panels[0][0].boxes['best positive anchors']
    assert boxes.tolist() == [[8., 8., 16., 16.]]


def test_autoassign_candidates_per_level():
    # points at multiples of the stride (8, 16): gt 0 holds 2 x 2 of
    # stride 8 and 1 of stride 16; gt 1 lies between points
    # (force_topk off)
    a = run(autoassign, [[4, 4, 20, 20], [9, 9, 15, 15]], [1, 2],
            untrained=True)
    assert a.positives.tolist() == [[4, 1], [0, 0]]
    assert a.notes == ['', 'no point inside the box (force_topk is off)']
    assert 'untrained' in a.caption
    # three panels a level: prior, w+ and w-, on the level's grid
    assert [[p.heat.shape for p in row] for row in a.panels] == \
        [[(8, 8)] * 3, [(4, 4)] * 3]


def test_centernet_owner_of_a_shared_cell_and_dropped_box():
    # gts 0 and 1 are centred on the same cell (4, 4) of the stride-4 map:
    # the later one takes the wh/offset target; gt 2 lies off the map
    a = run(centernet, [[8, 8, 24, 24], [10, 10, 22, 22],
                        [100, 100, 120, 120]], [0, 1, 0])
    assert a.positives.tolist() == [[0], [1], [0]]
    assert a.notes == [
        'centre cell shared with gt 1, which takes the wh/offset target '
        '(its peak is drawn)',
        '', 'nothing of the box lies on the map (dropped)']
    target = a.panels[0][0]
    assert target.heat.shape == (16, 16) and target.heat[4, 4] == 1
    assert target.points['centre cell (owns wh/offset)'].tolist() == \
        [[18., 18.]]


def test_no_gt():
    for module in (rpn, autoassign, centernet):
        a = run(module, np.zeros((0, 4)), [])
        assert a.positives.shape[0] == 0 and a.without_positive == []


def test_mmdet_head_is_refused():
    _, theirs = rpn.make_heads()
    with pytest.raises(TypeError, match="not one of plugin's heads"):
        collect_assignment(theirs, theirs(rpn.make_feats(1)),
                           sample([[8, 8, 16, 16]], [0], rpn.metas(1)[0]),
                           False)


def test_summary_table_and_picture(tmp_path):
    a = run(rpn, [[8, 8, 16, 16], [30, 30, 31, 31]], [0, 0])
    summary = summarise([dict(image='a.png', img_id=7, assignment=a)],
                        ['object'])
    assert summary['total'] == dict(
        images=1, gts=2, gts_without_positive=1,
        positives_per_level={'stride 4': 1, 'stride 8': 0, 'stride 16': 0},
        mean_positives_per_gt=0.5)
    gt1 = summary['images'][0]['gts'][1]
    assert gt1['positives'] == {'stride 4': 0, 'stride 8': 0, 'stride 16': 0}
    assert gt1['size'] == [1.0, 1.0]
    json.dumps(summary)  # JSON-ready
    table = format_table(summary)
    assert 'a.png (id 7, 2 gts, 1 without a positive)' in table
    assert 'total: 1 images, 2 gts, 1 without a positive' in table
    out = str(tmp_path / 'a.png')
    draw_assignment(a, np.zeros((64, 64, 3), np.uint8), ['object'], 't', out)
    assert osp.getsize(out) > 10_000
