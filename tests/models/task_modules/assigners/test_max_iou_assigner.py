"""BatchMaxIoUAssigner: hand-placed anchors with exact labels, chunked ==
unchunked, batched == per image, and mmdet's MaxIoUAssigner as the oracle;
the window path equal to the dense one on random grid layouts."""
import pytest
import torch
from mmdet.models.task_modules.assigners import MaxIoUAssigner
from mmdet.models.task_modules.prior_generators import (
    AnchorGenerator, SSDAnchorGenerator)
from mmengine.structures import InstanceData

from plugin.models.task_modules.assigners import BatchMaxIoUAssigner
from plugin.models.task_modules.assigners import max_iou_assigner
from plugin.models.task_modules.assigners.max_iou_assigner import chunk_pairs
from plugin.models.task_modules.prior_generators import anchor_grid
from plugin.models.utils import stack_batch_gt

# gt0 = [0, 0, 10, 10]; gt1 = [40, 40, 50, 60] (area 200)
GTS = [[0., 0., 10., 10.], [40., 40., 50., 60.]]
ANCHORS = torch.tensor([
    [0., 0., 10., 10.],  # a0: IoU 1 with gt0
    [0., 0., 10., 20.],  # a1: 0.5 with gt0 (between the thresholds)
    [20., 20., 30., 30.],  # a2: 0 with both
    [5., 0., 15., 10.],  # a3: 1/3 with gt0
    [0., 0., 10., 10.],  # a4: a0's twin, IoU 1 with gt0
    [40., 40., 50., 50.],  # a5: 0.5 with gt1, its best (tied with a6)
    [40., 50., 50., 60.],  # a6: 0.5 with gt1
    [0., 0., 10., 10.],  # a7: like a0, but outside the image (invalid)
])
VALID = torch.tensor([[True] * 7 + [False]])


def gts(*boxes_per_image):
    return [
        InstanceData(bboxes=torch.tensor(b).reshape(-1, 4),
                     labels=torch.zeros(len(b), dtype=torch.long))
        for b in boxes_per_image
    ]


def assign(assigner, anchors=ANCHORS, valid=VALID, boxes=(GTS, ),
           ignore=None):
    gt = stack_batch_gt(gts(*boxes), anchors.device)
    ignore = None if ignore is None else stack_batch_gt(gts(*ignore),
                                                        anchors.device)
    return assigner.assign(anchors, valid, gt, ignore)


def rpn_assigner(**kwargs):
    cfg = dict(pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3)
    cfg.update(kwargs)
    return BatchMaxIoUAssigner(**cfg)


def test_faster_rcnn_rules():
    result = assign(rpn_assigner())
    # a5 and a6 tie at gt1's best IoU (0.5 < 0.7): both go to gt1
    expected = [1, -1, 0, -1, 1, 2, 2, -1]
    assert result.gt_inds[0].tolist() == expected
    torch.testing.assert_close(
        result.max_overlaps[0, :7],
        torch.tensor([1., 0.5, 0., 1 / 3, 1., 0.5, 0.5]))


def test_best_anchor_without_ties_takes_the_first():
    result = assign(rpn_assigner(gt_max_assign_all=False))
    expected = [1, -1, 0, -1, 1, 2, -1, -1]
    assert result.gt_inds[0].tolist() == expected


def test_no_low_quality_match():
    result = assign(rpn_assigner(match_low_quality=False))
    expected = [1, -1, 0, -1, 1, -1, -1, -1]
    assert result.gt_inds[0].tolist() == expected


def test_min_pos_iou_above_the_best_iou():
    result = assign(rpn_assigner(min_pos_iou=0.6))
    expected = [1, -1, 0, -1, 1, -1, -1, -1]  # gt1's best (0.5) < 0.6
    assert result.gt_inds[0].tolist() == expected


@pytest.mark.parametrize('gt_max_assign_all', [True, False])
def test_a_gt_that_overlaps_no_anchor_takes_none(gt_max_assign_all):
    """min_pos_iou 0 (RetinaNet's rule): a zero-area gt, or one off every
    anchor, has best IoU 0. mmdet then gives it every anchor tied at 0 (all
    of them); here it takes none, and the real gt keeps its anchors."""
    boxes = [GTS[0], [20., 25., 20., 28.], [100., 100., 110., 110.]]
    result = assign(rpn_assigner(min_pos_iou=0.,
                                 gt_max_assign_all=gt_max_assign_all),
                    boxes=(boxes, ))
    expected = [1, -1, 0, -1, 1, 0, 0, -1]
    assert result.gt_inds[0].tolist() == expected


def test_the_later_gt_wins_a_shared_best_anchor():
    # both gts have a2' = [0, 0, 10, 20] as their only (and best) anchor
    anchors = torch.tensor([[0., 0., 10., 20.], [50., 50., 60., 60.]])
    boxes = [[0., 0., 10., 10.], [0., 10., 10., 20.]]
    result = assign(rpn_assigner(), anchors, torch.ones(1, 2, dtype=bool),
                    (boxes, ))
    assert result.gt_inds[0].tolist() == [2, 0]  # mmdet's loop order


def test_siamrpn_strict_thresholds():
    # IoU with gt [0, 0, 10, 10]: 0.6 exactly, 0.7, 0.3 exactly, 0.2
    anchors = torch.tensor([[0., 0., 6., 10.], [0., 0., 7., 10.],
                            [0., 0., 3., 10.], [0., 0., 2., 10.]])
    valid = torch.ones(1, 4, dtype=torch.bool)
    siamrpn = BatchMaxIoUAssigner(
        pos_iou_thr=0.6, pos_iou_strict=True, neg_iou_thr=0.3,
        match_low_quality=False)
    result = assign(siamrpn, anchors, valid, ([[0., 0., 10., 10.]], ))
    assert result.gt_inds[0].tolist() == [-1, 1, -1, 0]
    # mmdet's >= would make the 0.6 anchor positive
    not_strict = BatchMaxIoUAssigner(
        pos_iou_thr=0.6, neg_iou_thr=0.3, match_low_quality=False)
    result = assign(not_strict, anchors, valid, ([[0., 0., 10., 10.]], ))
    assert result.gt_inds[0].tolist() == [1, 1, -1, 0]


def test_negative_iou_range():
    result = assign(rpn_assigner(neg_iou_thr=(0.1, 0.4)))
    # a2 (IoU 0) is below the range: ignored; a3 (1/3) inside: negative
    expected = [1, -1, -1, 0, 1, 2, 2, -1]
    assert result.gt_inds[0].tolist() == expected


def test_ignore_boxes():
    # an ignore box over a2 and half of a3: IoF (over the anchor) 1 and 0.5
    ignore = ([[10., 0., 30., 30.]], )
    result = assign(rpn_assigner(ignore_iof_thr=0.6), ignore=ignore)
    assert result.gt_inds[0].tolist() == [1, -1, -1, -1, 1, 2, 2, -1]
    assert result.max_overlaps[0, 3] == pytest.approx(1 / 3)
    result = assign(rpn_assigner(ignore_iof_thr=0.4), ignore=ignore)
    assert result.gt_inds[0].tolist() == [1, -1, -1, -1, 1, 2, 2, -1]
    # a3 is now covered: its IoUs are set to -1, as mmdet does
    assert result.max_overlaps[0, 3] == -1
    result = assign(rpn_assigner(), ignore=ignore)  # ignore_iof_thr -1
    assert result.gt_inds[0].tolist() == [1, -1, 0, -1, 1, 2, 2, -1]


def test_image_without_gts_and_batch_without_gts():
    # image 0 has the gts, image 1 none: its valid anchors are negatives
    valid = torch.cat([VALID, VALID])
    result = assign(rpn_assigner(), valid=valid, boxes=(GTS, []))
    assert result.gt_inds[0].tolist() == [1, -1, 0, -1, 1, 2, 2, -1]
    assert result.gt_inds[1].tolist() == [0] * 7 + [-1]
    assert result.max_overlaps[1].tolist() == [0.] * 8
    result = assign(rpn_assigner(), valid=valid, boxes=([], []))
    assert result.gt_inds.tolist() == [[0] * 7 + [-1]] * 2


def test_no_valid_anchor():
    valid = torch.zeros(1, 8, dtype=torch.bool)
    result = assign(rpn_assigner(min_pos_iou=0.), valid=valid)
    assert result.gt_inds[0].tolist() == [-1] * 8


def crowded(num_imgs=3, num_gts=60, num_anchors=3000, seed=0):
    g = torch.Generator().manual_seed(seed)

    def boxes(n):
        # integer coordinates: exact IoU ties happen
        xy = torch.randint(0, 200, (n, 2), generator=g).float()
        wh = torch.randint(1, 60, (n, 2), generator=g).float()
        return torch.cat([xy, xy + wh], dim=1)

    anchors = boxes(num_anchors)
    valid = torch.rand(num_imgs, num_anchors, generator=g) > 0.1
    per_image = [boxes(n).tolist() for n in (num_gts, num_gts // 3, 0)]
    return anchors, valid, per_image[:num_imgs]


@pytest.mark.parametrize('kwargs', [
    dict(), dict(gt_max_assign_all=False), dict(min_pos_iou=0.),
    dict(ignore_iof_thr=0.5)
])
# 3 images x 60 gts x 3000 anchors = 540k pairs. 70 anchors a chunk (43
# chunks): the masks would exceed 16 budgets, the best-anchor rule
# recomputes the IoUs; 300 a chunk (10 chunks): the masks are kept.
@pytest.mark.parametrize('anchors_per_chunk', [70, 300])
def test_chunked_equals_unchunked(kwargs, anchors_per_chunk):
    anchors, valid, boxes = crowded()
    ignore = ([[0., 0., 50., 50.]], [], [[100., 100., 150., 190.]])
    whole = assign(rpn_assigner(**kwargs), anchors, valid, boxes, ignore)
    chunked = assign(
        rpn_assigner(max_pairs=3 * 60 * anchors_per_chunk, **kwargs),
        anchors, valid, boxes, ignore)
    assert torch.equal(whole.gt_inds, chunked.gt_inds)
    assert torch.equal(whole.max_overlaps, chunked.max_overlaps)
    assert (whole.gt_inds > 0).sum() > 50  # not a trivial case


def test_chunk_budget_by_device():
    # CPU: 2**20 pairs (cache-sized); a GPU: 256 MiB at 12 bytes a pair
    assert chunk_pairs('cpu') == 2**20
    assert chunk_pairs('cuda') == 256 * 2**20 // 12 == 22_369_621
    # the bench's batch, 8 images x 30 gts x 65,472 anchors: one GPU chunk
    assert 8 * 30 * 65_472 <= chunk_pairs('cuda')
    # an explicit MiB budget applies on every device; pairs win over it
    assert chunk_pairs('cuda', max_chunk_mib=12) == 2**20
    assert chunk_pairs('cpu', max_chunk_mib=24) == 2**21
    assert chunk_pairs('cuda', max_pairs=1000, max_chunk_mib=12) == 1000
    assert chunk_pairs('cpu', max_pairs=1000) == 1000
    assert chunk_pairs('cuda', max_chunk_mib=1e-9) == 1  # at least a pair
    # the window path's blocks: 2**18 padded pairs on the CPU, 64 bytes a
    # pair otherwise
    assert chunk_pairs('cpu', window=True) == 2**18
    assert chunk_pairs('cuda', window=True) == 256 * 2**20 // 64
    assert chunk_pairs('cpu', max_chunk_mib=1, window=True) == 2**14
    assert chunk_pairs('cpu', max_pairs=1000, window=True) == 1000


def test_the_mib_budget_sets_the_chunks(monkeypatch):
    """3 images x 60 gts: 0.5 MiB is 43,690 pairs, 242 anchors a chunk, so
    3000 anchors take 12 chunks of 242 and one of 96; the masks are kept
    (540k pairs <= 16 budgets), so each chunk's IoU is formed once."""
    chunks = []
    real = max_iou_assigner.batch_overlaps

    def counting(boxes, anchors, mode='iou'):
        chunks.append(len(anchors))
        return real(boxes, anchors, mode)

    anchors, valid, boxes = crowded()
    whole = assign(rpn_assigner(), anchors, valid, boxes)
    monkeypatch.setattr(max_iou_assigner, 'batch_overlaps', counting)
    assign(rpn_assigner(), anchors, valid, boxes)
    assert chunks == [3000]  # CPU default: 540k pairs <= 2**20
    chunks.clear()
    chunked = assign(rpn_assigner(max_chunk_mib=0.5), anchors, valid, boxes)
    assert chunks == [242] * 12 + [96]
    assert torch.equal(whole.gt_inds, chunked.gt_inds)
    assert torch.equal(whole.max_overlaps, chunked.max_overlaps)
    chunks.clear()
    assign(rpn_assigner(max_chunk_mib=0.5, max_pairs=3 * 60 * 1000),
           anchors, valid, boxes)
    assert chunks == [1000] * 3  # explicit pairs win


def test_batched_equals_per_image():
    anchors, valid, boxes = crowded()
    batched = assign(rpn_assigner(), anchors, valid, boxes)
    for i, b in enumerate(boxes):
        single = assign(rpn_assigner(), anchors, valid[i:i + 1], (b, ))
        assert torch.equal(batched.gt_inds[i], single.gt_inds[0])


@pytest.mark.parametrize('kwargs', [
    dict(pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3),
    dict(pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.),
    dict(pos_iou_thr=0.5, neg_iou_thr=(0.1, 0.4), gt_max_assign_all=False),
    dict(pos_iou_thr=0.6, neg_iou_thr=0.3, match_low_quality=False),
    dict(pos_iou_thr=0.7, neg_iou_thr=0.3, ignore_iof_thr=0.5),
    dict(pos_iou_thr=0.7, neg_iou_thr=0.3, ignore_iof_thr=0.5,
         ignore_wrt_candidates=False),
])
def test_matches_mmdet(kwargs):
    anchors, valid, boxes = crowded()
    ignore = ([[0., 0., 50., 50.]], [[10., 100., 80., 190.]], [])
    ours = assign(BatchMaxIoUAssigner(**kwargs), anchors, valid, boxes,
                  ignore)
    theirs = MaxIoUAssigner(**kwargs)
    for i, (b, ig) in enumerate(zip(boxes, ignore)):
        inside = valid[i]
        result = theirs.assign(
            InstanceData(priors=anchors[inside]),
            gts(b)[0], gts(ig)[0] if ig else None)
        assert torch.equal(ours.gt_inds[i, inside], result.gt_inds)
        assert torch.equal(ours.max_overlaps[i, inside],
                           result.max_overlaps)
        assert (ours.gt_inds[i, ~inside] == -1).all()


def test_unsupported_arguments_are_refused():
    with pytest.raises(ValueError, match='perm_repeat_gt_cfg'):
        rpn_assigner(perm_repeat_gt_cfg=dict(iou_thr=0.97))
    with pytest.raises(ValueError, match='BboxOverlaps2D'):
        rpn_assigner(iou_calculator=dict(type='BboxOverlaps2D', scale=512.,
                                         dtype='fp16'))
    rpn_assigner(iou_calculator=dict(type='BboxOverlaps2D'))  # mmdet's
    with pytest.warns(UserWarning, match='gpu_assign_thr'):
        rpn_assigner(gpu_assign_thr=100)
    with pytest.raises(ValueError, match='neg_iou_thr'):
        rpn_assigner(neg_iou_thr=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match='max_pairs'):
        rpn_assigner(max_pairs=0)
    with pytest.raises(ValueError, match='max_chunk_mib'):
        rpn_assigner(max_chunk_mib=0)


# ------------------------------------------------------------ window path
def grid_case(seed, num_imgs=3, num_gts=25, side=96):
    """Random gts on a 3-level x 3-ratio grid of a side x side image (1953
    anchors at 96): at the borders and beyond, tiny and zero-area, larger
    than the image, identical pairs, an image without gts; random invalid
    anchors and ignore boxes."""
    g = torch.Generator().manual_seed(seed)
    generator = AnchorGenerator(scales=[8], ratios=[0.5, 1., 2.],
                                strides=[4, 8, 16])
    sizes = [(side // s, side // s) for s in (4, 8, 16)]
    anchors = torch.cat(generator.grid_priors(sizes, device='cpu'))
    # integer coordinates: exact IoU ties happen
    xy = torch.randint(-30, side + 10, (num_imgs, num_gts, 2), generator=g)
    wh = torch.randint(0, 40, (num_imgs, num_gts, 2), generator=g)
    wh[:, :3] = torch.tensor([[0, 5], [1, 1], [side + 50, side + 40]])
    boxes = torch.cat([xy, xy + wh], -1).float()
    boxes[:, 3] = boxes[:, 4]  # identical boxes
    per_image = [boxes[0].tolist(), boxes[1, :num_gts // 2].tolist(), []]
    valid = torch.rand(num_imgs, len(anchors), generator=g) > 0.1
    ignore = ([[0., 0., 30., 30.]], [[40., 10., 90., 60.]], [])
    return (anchors, valid, per_image[:num_imgs], ignore[:num_imgs],
            anchor_grid(generator, sizes))


WINDOW_CASES = [
    dict(),
    dict(gt_max_assign_all=False),
    dict(min_pos_iou=0.),
    dict(match_low_quality=False),
    dict(neg_iou_thr=(0.1, 0.4)),
    dict(ignore_iof_thr=0.5),
    dict(ignore_iof_thr=0.3, ignore_wrt_candidates=False),
    # SiamRPN's rules: IoU > 0.6 strict, < 0.3, no best anchor
    dict(pos_iou_thr=0.6, pos_iou_strict=True, match_low_quality=False),
]


def assign_grid(case, **kwargs):
    anchors, valid, boxes, ignore, grid = case
    gt = stack_batch_gt(gts(*boxes), anchors.device)
    ignore = stack_batch_gt(gts(*ignore), anchors.device)
    return BatchMaxIoUAssigner(**dict(dict(
        pos_iou_thr=0.5, neg_iou_thr=0.3, min_pos_iou=0.2), **kwargs)
    ).assign(anchors, valid, gt, ignore, grid)


@pytest.mark.parametrize('kwargs', WINDOW_CASES)
@pytest.mark.parametrize('seed', range(6))
def test_window_equals_dense(seed, kwargs):
    case = grid_case(seed)
    dense = assign_grid(case, mode='dense', **kwargs)
    for max_pairs in (None, 300):  # one chunk per class; 2-75 rows each
        window = assign_grid(case, mode='window', max_pairs=max_pairs,
                             **kwargs)
        assert torch.equal(window.gt_inds, dense.gt_inds)
        assert torch.equal(window.max_overlaps, dense.max_overlaps)
    assert (dense.gt_inds > 0).sum() > 10  # not a trivial case


def test_window_best_anchor_rule_recomputes_beyond_the_mask_budget(
        monkeypatch):
    case = grid_case(0)
    kept = assign_grid(case, mode='window')
    monkeypatch.setattr(max_iou_assigner, 'WINDOW_MASK_PAIRS', 0)
    recomputed = assign_grid(case, mode='window')
    assert torch.equal(kept.gt_inds, recomputed.gt_inds)
    assert torch.equal(kept.max_overlaps, recomputed.max_overlaps)


@pytest.mark.parametrize('kwargs', [
    dict(pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3),
    # min_pos_iou > 0: a zero-area gt takes no anchor here (every one in
    # mmdet, at min_pos_iou 0: the documented difference)
    dict(pos_iou_thr=0.5, neg_iou_thr=(0.1, 0.4), min_pos_iou=0.1,
         gt_max_assign_all=False),
    dict(pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3,
         ignore_iof_thr=0.5),
])
def test_window_matches_mmdet(kwargs):
    anchors, valid, boxes, ignore, grid = grid_case(1)
    ours = BatchMaxIoUAssigner(mode='window', **kwargs).assign(
        anchors, valid, stack_batch_gt(gts(*boxes), 'cpu'),
        stack_batch_gt(gts(*ignore), 'cpu'), grid)
    theirs = MaxIoUAssigner(**kwargs)
    for i, (b, ig) in enumerate(zip(boxes, ignore)):
        if not b:
            continue
        inside = valid[i]
        result = theirs.assign(InstanceData(priors=anchors[inside]),
                               gts(b)[0], gts(ig)[0] if ig else None)
        assert torch.equal(ours.gt_inds[i, inside], result.gt_inds)
        assert torch.equal(ours.max_overlaps[i, inside],
                           result.max_overlaps)


def test_window_batched_equals_per_image():
    anchors, valid, boxes, ignore, grid = grid_case(2)
    batched = assign_grid((anchors, valid, boxes, ignore, grid),
                          mode='window')
    for i in range(len(boxes)):
        single = assign_grid(
            (anchors, valid[i:i + 1], boxes[i:i + 1], ignore[i:i + 1], grid),
            mode='window')
        assert torch.equal(batched.gt_inds[i], single.gt_inds[0])
        assert torch.equal(batched.max_overlaps[i], single.max_overlaps[0])


def test_auto_mode_rule():
    grid = anchor_grid(AnchorGenerator(scales=[8], ratios=[1.], strides=[4]),
                       [(8, 8)])
    auto = rpn_assigner()
    # CPU: from 8 gts and 2**21 dense pairs
    assert auto.uses_windows('cpu', 8, 30, 65_472, grid)
    assert not auto.uses_windows('cpu', 8, 5, 65_472, grid)  # few gts
    assert not auto.uses_windows('cpu', 1, 30, 16_368, grid)  # few pairs
    assert not auto.uses_windows('cpu', 8, 30, 65_472, None)  # no grid
    # GPU: beyond one dense chunk (22,369,621 pairs by default)
    assert not auto.uses_windows('cuda', 8, 30, 65_472, grid)
    assert auto.uses_windows('cuda', 2, 1000, 242_991, grid)
    assert rpn_assigner(mode='window').uses_windows('cpu', 1, 1, 4, grid)
    assert not rpn_assigner(mode='dense').uses_windows('cpu', 2, 1000,
                                                       242_991, grid)
    with pytest.raises(ValueError, match='AnchorGenerator'):
        rpn_assigner(mode='window').uses_windows('cpu', 1, 1, 4, None)
    with pytest.raises(ValueError, match='mode'):
        rpn_assigner(mode='sparse')


def dense_and_window(generator, sizes, boxes, ignore=(), **kwargs):
    """:func:`assign_grid` of one image on ``generator``'s grid, every
    anchor valid, with each path."""
    anchors = torch.cat(generator.grid_priors(sizes, device='cpu'))
    valid = torch.ones(1, len(anchors), dtype=torch.bool)
    case = (anchors, valid, [boxes], [list(ignore)],
            anchor_grid(generator, sizes))
    return [assign_grid(case, mode=mode, **kwargs)
            for mode in ('dense', 'window')]


@pytest.mark.parametrize('seed', range(3))
def test_window_with_levels_of_different_anchor_counts(seed):
    """SSD's generator: 4 and 6 anchors per cell on alternate levels, so the
    blocks' column step differs by row."""
    g = torch.Generator().manual_seed(seed)
    generator = SSDAnchorGenerator(strides=[8, 16, 32],
                                   ratios=([2], [2, 3], [2]),
                                   basesize_ratio_range=(0.15, 0.9),
                                   input_size=300)
    assert generator.num_base_priors == [4, 6, 4]
    xy = torch.rand(20, 2, generator=g) * 100
    boxes = torch.cat([xy, xy + torch.rand(20, 2, generator=g) * 60], 1)
    dense, window = dense_and_window(generator, [(12, 12), (6, 6), (3, 3)],
                                     boxes.tolist())
    assert torch.equal(dense.gt_inds, window.gt_inds)
    assert torch.equal(dense.max_overlaps, window.max_overlaps)
    assert (dense.gt_inds > 0).any()


def test_window_with_an_empty_level_and_unbounded_ignore_boxes():
    generator = AnchorGenerator(scales=[8], ratios=[0.5, 1., 2.],
                                strides=[4, 8, 16])
    boxes = [[10., 10., 50., 50.], [48., 10., 90., 30.]]
    for sizes in ([(24, 24), (12, 12), (6, 6)], [(24, 24), (0, 12), (6, 6)],
                  [(24, 24), (12, 0), (6, 6)]):
        dense, window = dense_and_window(
            generator, sizes, boxes, ignore=[[32., 0., float('inf'), 40.]],
            ignore_iof_thr=0.5)
        assert torch.equal(dense.gt_inds, window.gt_inds)
        assert torch.equal(dense.max_overlaps, window.max_overlaps)
        assert (dense.gt_inds == -1).sum() > (dense_and_window(
            generator, sizes, boxes)[0].gt_inds == -1).sum()  # covered
