"""mmdet's method contracts, method by method, for the three heads.

A user's subclass of mmdet's head must keep working when its base becomes
plugin's. So every method that mmdet 3.3.0's head class defines (itself or
through its mmdet bases, down to ``BaseDenseHead``) exists on plugin's class
with a compatible signature: the same parameters, in order, with the same
defaults (plugin may add parameters with defaults after them). Every method
that plugin overrides is called here the way mmdet calls it and compared
with mmdet's result on the same input, or names the test that does.
"""
import importlib
import inspect

import head_parity
import pytest
import torch
from mmdet.models.dense_heads import AutoAssignHead as MMDetAutoAssignHead
from mmdet.models.dense_heads import CenterNetHead as MMDetCenterNetHead
from mmdet.models.dense_heads import RPNHead as MMDetRPNHead
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from plugin.models.dense_heads import AutoAssignHead, CenterNetHead, RPNHead

PAIRS = [(RPNHead, MMDetRPNHead), (AutoAssignHead, MMDetAutoAssignHead),
         (CenterNetHead, MMDetCenterNetHead)]

# Every mmdet method that plugin overrides, and the test that calls it as
# mmdet does and compares the result with mmdet's ("module::test").
OVERRIDES = {
    RPNHead: {
        '__init__': 'test_mmdet_contracts::test_constructors_match_mmdet',
        'loss_by_feat':
        'test_rpn_head::test_losses_and_grads_match_mmdet',
        'predict_by_feat': 'test_rpn_head::test_proposals_match_mmdet',
        'get_targets':
        'test_mmdet_contracts::test_rpn_get_targets_match_mmdet',
        '_get_targets_single':
        'test_mmdet_contracts::test_rpn_get_targets_single_matches_mmdet',
    },
    AutoAssignHead: {
        '__init__': 'test_mmdet_contracts::test_constructors_match_mmdet',
        'loss_by_feat':
        'test_autoassign_head::test_losses_and_grads_match_mmdet',
    },
    CenterNetHead: {
        '__init__': 'test_mmdet_contracts::test_constructors_match_mmdet',
        'forward_single':
        'test_mmdet_contracts::test_centernet_forward_single_matches_mmdet',
        'loss_by_feat':
        'test_centernet_head::test_losses_and_grads_match_mmdet',
        'get_targets':
        'test_mmdet_contracts::test_centernet_get_targets_match_mmdet',
        'predict_by_feat':
        'test_mmdet_contracts::test_centernet_predictions_match_mmdet',
        '_predict_by_feat_single':
        'test_mmdet_contracts::test_centernet_predictions_match_mmdet',
        '_decode_heatmap':
        'test_mmdet_contracts::test_centernet_predictions_match_mmdet',
    },
}


def mmdet_methods(cls: type) -> dict:
    """The methods and properties a user of mmdet's head class can call or
    override: those defined by it and by its mmdet bases (the classes of
    ``mmdet.models.dense_heads``), dunders other than ``__init__`` left
    out. Maps each name to the attribute as looked up on ``cls``."""
    names = {}
    for klass in cls.__mro__:
        if not klass.__module__.startswith('mmdet.models.dense_heads'):
            continue
        for name in vars(klass):
            if name.startswith('__') and name != '__init__':
                continue
            attr = inspect.getattr_static(cls, name)
            if isinstance(attr, (property, staticmethod, classmethod)) or \
                    inspect.isfunction(attr):
                names.setdefault(name, attr)
    return names


def compatible(theirs: inspect.Signature, ours: inspect.Signature) -> str:
    """'' if ``ours`` accepts every call ``theirs`` accepts, with the same
    defaults; else why not. ``ours`` may add parameters with defaults (or
    ``*args``/``**kwargs``) after mmdet's."""
    mine = list(ours.parameters.values())
    for i, p in enumerate(theirs.parameters.values()):
        if i >= len(mine):
            return f'missing parameter {p.name!r}'
        q = mine[i]
        if (q.name, q.kind) != (p.name, p.kind):
            return f'parameter {i} is {q} where mmdet has {p}'
        if q.default != p.default:
            return f'{p.name}: default {q.default!r}, mmdet {p.default!r}'
    for q in mine[len(theirs.parameters):]:
        if q.default is q.empty and q.kind not in (q.VAR_POSITIONAL,
                                                   q.VAR_KEYWORD):
            return f'extra parameter {q.name!r} has no default'
    return ''


def unwrap(attr):
    """The function behind a method, staticmethod or property."""
    if isinstance(attr, property):
        return attr.fget
    if isinstance(attr, (staticmethod, classmethod)):
        return attr.__func__
    return attr


@pytest.mark.parametrize('ours,theirs', PAIRS,
                         ids=[p[0].__name__ for p in PAIRS])
def test_every_mmdet_method_keeps_its_signature(ours, theirs):
    methods = mmdet_methods(theirs)
    assert {'__init__', 'loss_by_feat', 'predict_by_feat',
            '_predict_by_feat_single', 'forward'} <= methods.keys()
    problems = []
    for name, attr in sorted(methods.items()):
        mine = inspect.getattr_static(ours, name, None)
        if mine is None:
            problems.append(f'{name}: missing')
            continue
        if type(mine) is not type(attr):
            problems.append(f'{name}: {type(mine).__name__} where mmdet '
                            f'has {type(attr).__name__}')
            continue
        why = compatible(inspect.signature(unwrap(attr)),
                         inspect.signature(unwrap(mine)))
        if why:
            problems.append(f'{name}: {why}')
    assert not problems, problems


def test_compatible_catches_changed_signatures():
    """The comparison itself: order, names, defaults, missing and extra
    parameters."""

    def mm(self, a, b=1, *, c=None):
        pass

    def same_plus(self, a, b=1, *, c=None, d=2):
        pass

    def swapped(self, b=1, a=None, *, c=None):
        pass

    def other_default(self, a, b=2, *, c=None):
        pass

    def fewer(self, a):
        pass

    def required_extra(self, a, b=1, *, c=None, d):
        pass

    sig = inspect.signature
    assert compatible(sig(mm), sig(same_plus)) == ''
    assert 'parameter 1' in compatible(sig(mm), sig(swapped))
    assert 'default' in compatible(sig(mm), sig(other_default))
    assert 'missing' in compatible(sig(mm), sig(fewer))
    assert 'no default' in compatible(sig(mm), sig(required_extra))


@pytest.mark.parametrize('ours,theirs', PAIRS,
                         ids=[p[0].__name__ for p in PAIRS])
def test_every_override_has_a_parity_test(ours, theirs):
    """The overridden methods are exactly those listed in ``OVERRIDES``,
    and each listed test exists: a new override cannot go unchecked."""
    overridden = {
        name
        for name, attr in mmdet_methods(theirs).items()
        if inspect.getattr_static(ours, name) is not attr
    }
    assert overridden == set(OVERRIDES[ours])
    for where in OVERRIDES[ours].values():
        module, test = where.split('::')
        mod = importlib.import_module(module)
        assert callable(getattr(mod, test, None)), where


# ------------------------------------------------------------ constructors
RPN_CFG = dict(
    in_channels=1,
    feat_channels=2,
    anchor_generator=dict(type='AnchorGenerator', scales=[2, 4],
                          ratios=[0.5, 1., 2.], strides=[4, 8, 16]),
    loss_bbox=dict(type='L1Loss', loss_weight=1.0),
    test_cfg=ConfigDict(nms_pre=100, max_per_img=50, min_bbox_size=0,
                        nms=dict(type='nms', iou_threshold=0.7)))
AUTOASSIGN_CFG = dict(num_classes=3, in_channels=4, feat_channels=4,
                      stacked_convs=1, strides=[8, 16],
                      norm_cfg=dict(type='GN', num_groups=2),
                      loss_bbox=dict(type='GIoULoss', loss_weight=5.0))
CENTERNET_CFG = dict(in_channels=2, feat_channels=3, num_classes=3,
                     test_cfg=ConfigDict(topk=10, local_maximum_kernel=3,
                                         max_per_img=5,
                                         nms=dict(type='nms',
                                                  iou_threshold=0.5)))


def rpn_train_cfg(sampler=None, allowed_border=-1, pos_weight=-1):
    cfg = ConfigDict(
        assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.7,
                      neg_iou_thr=0.3, min_pos_iou=0.3, ignore_iof_thr=-1),
        allowed_border=allowed_border, pos_weight=pos_weight, debug=False)
    if sampler is not None:
        cfg.sampler = sampler
    return cfg


@pytest.mark.parametrize('ours,theirs,cfg,args', [
    (RPNHead, MMDetRPNHead, RPN_CFG, ()),
    (RPNHead, MMDetRPNHead, dict(num_convs=2, **RPN_CFG), ()),
    (AutoAssignHead, MMDetAutoAssignHead, {}, (3, 4)),
    (AutoAssignHead, MMDetAutoAssignHead,
     dict(AUTOASSIGN_CFG, force_topk=True, topk=4), ()),
    (CenterNetHead, MMDetCenterNetHead, CENTERNET_CFG, ()),
    (CenterNetHead, MMDetCenterNetHead, {}, (2, 3, 4)),
])
def test_constructors_match_mmdet(ours, theirs, cfg, args):
    """The same arguments, positional ones included, build the same
    parameters and the same attributes mmdet's methods read."""
    torch.manual_seed(0)
    a = ours(*args, **cfg)
    torch.manual_seed(0)
    b = theirs(*args, **cfg)
    assert {k: v.shape for k, v in a.state_dict().items()} == \
        {k: v.shape for k, v in b.state_dict().items()}
    for name in ('num_classes', 'in_channels', 'feat_channels',
                 'cls_out_channels', 'strides', 'num_base_priors',
                 'use_sigmoid_cls', 'reg_decoded_bbox', 'test_cfg',
                 'train_cfg', 'pos_loss_weight', 'center_loss_weight'):
        if hasattr(b, name):
            assert getattr(a, name) == getattr(b, name), name
    for name in ('loss_cls', 'loss_bbox', 'loss_wh', 'loss_center_heatmap',
                 'bbox_coder', 'prior_generator'):
        if hasattr(b, name):
            assert type(getattr(a, name)) is type(getattr(b, name)), name


# --------------------------------------------------------------------- RPN
def rpn_heads(**cfg):
    return head_parity.make_twin_heads(
        lambda: RPNHead(**dict(RPN_CFG, **cfg)),
        lambda: MMDetRPNHead(**dict(RPN_CFG, **cfg)))


def rpn_inputs():
    boxes = [[[4, 6, 40, 44], [20, 18, 60, 62], [21, 41, 27, 46]],
             [[0, 0, 10, 14]]]
    gts = [InstanceData(bboxes=torch.tensor(b, dtype=torch.float32),
                        labels=torch.zeros(len(b), dtype=torch.long))
           for b in boxes]
    metas = [dict(img_shape=(64, 60), pad_shape=(64, 64),
                  batch_input_shape=(64, 64), scale_factor=(1., 1.)),
             dict(img_shape=(48, 64), pad_shape=(64, 64),
                  batch_input_shape=(64, 64), scale_factor=(1., 1.))]
    sizes = [(16, 16), (8, 8), (4, 4)]
    return sizes, gts, metas


def assert_equal_nested(ours, theirs, where='result'):
    """Same structure, types and values (tensors bitwise, dtype included)."""
    assert type(ours) is type(theirs), (where, type(ours), type(theirs))
    if isinstance(ours, torch.Tensor):
        assert ours.dtype == theirs.dtype, where
        assert torch.equal(ours, theirs), where
    elif isinstance(ours, (list, tuple)):
        assert len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_equal_nested(a, b, f'{where}[{i}]')
    elif isinstance(ours, dict):
        assert ours.keys() == theirs.keys(), where
        for k in ours:
            assert_equal_nested(ours[k], theirs[k], f'{where}[{k!r}]')
    else:
        assert ours == theirs, where


def assert_same_sampling(ours, theirs):
    """mmdet's SamplingResult fields that users read."""
    for name in ('pos_inds', 'neg_inds', 'pos_priors', 'neg_priors',
                 'pos_assigned_gt_inds', 'pos_gt_labels', 'pos_gt_bboxes',
                 'num_gts', 'avg_factor', 'pos_is_gt'):
        assert_equal_nested(getattr(ours, name), getattr(theirs, name), name)


@pytest.mark.parametrize('train_cfg', [
    rpn_train_cfg(),
    rpn_train_cfg(sampler=dict(type='PseudoSampler')),
    rpn_train_cfg(
        sampler=dict(type='RandomSampler', num=100000, pos_fraction=1.0,
                     neg_pos_ub=-1, add_gt_as_proposals=False),
        allowed_border=0, pos_weight=2.0),
], ids=['no_sampler', 'pseudo', 'keep_all_border0_pos_weight'])
@pytest.mark.parametrize('unmap_outputs', [True, False])
def test_rpn_get_targets_match_mmdet(train_cfg, unmap_outputs):
    """mmdet's ``get_targets``, called as mmdet's ``loss_by_feat`` calls
    it (anchors from ``get_anchors``): the same per-level targets, avg
    factor and sampling results (samplers that keep every anchor, so that
    both heads hold the same sample)."""
    ours, theirs = rpn_heads(train_cfg=train_cfg)
    sizes, gts, metas = rpn_inputs()
    if not unmap_outputs:
        metas = [metas[0]]  # mmdet stacks the images' inside anchors
        gts = gts[:1]
    anchor_list, valid_list = theirs.get_anchors(sizes, metas,
                                                 device='cpu')
    ours_out = ours.get_targets(anchor_list, valid_list, gts, metas,
                                unmap_outputs=unmap_outputs,
                                return_sampling_results=True)
    mm_out = theirs.get_targets(anchor_list, valid_list, gts, metas,
                                unmap_outputs=unmap_outputs,
                                return_sampling_results=True)
    assert len(ours_out) == len(mm_out) == 6
    assert_equal_nested(ours_out[:5], mm_out[:5])
    for a, b in zip(ours_out[5], mm_out[5]):
        assert_same_sampling(a, b)
    # kept for get_positive_infos, as mmdet does
    assert ours._raw_positive_infos['sampling_results'] is ours_out[5]


def test_rpn_get_targets_single_matches_mmdet():
    ours, theirs = rpn_heads(train_cfg=rpn_train_cfg(allowed_border=0))
    sizes, gts, metas = rpn_inputs()
    anchor_list, valid_list = theirs.get_anchors(sizes, metas,
                                                 device='cpu')
    for i in range(2):
        args = (torch.cat(anchor_list[i]), torch.cat(valid_list[i]), gts[i],
                metas[i])
        ours_out = ours._get_targets_single(*args)
        mm_out = theirs._get_targets_single(*args)
        assert_equal_nested(ours_out[:6], mm_out[:6])
        assert_same_sampling(ours_out[6], mm_out[6])


def test_rpn_mmdet_methods_run_as_mmdet_calls_them():
    """The methods plugin inherits from mmdet (``_predict_by_feat_single``,
    ``_bbox_post_process``, ``loss_by_feat_single``) work on plugin's head
    and give mmdet's results: the issue reported an AttributeError here
    when plugin's head had BaseDenseHead's generic versions."""
    ours, theirs = rpn_heads(train_cfg=rpn_train_cfg())
    sizes, gts, metas = rpn_inputs()
    feats = [torch.randn(2, 1, h, w, generator=torch.Generator()
                         .manual_seed(h)) for h, w in sizes]
    cls_scores, bbox_preds = ours(feats)
    priors = ours.prior_generator.grid_priors(sizes, device='cpu')
    args = ([c[0] for c in cls_scores], [b[0] for b in bbox_preds], None,
            priors, metas[0], ours.test_cfg)
    assert_equal_nested(
        ours._predict_by_feat_single(*args).to_dict(),
        theirs._predict_by_feat_single(*args).to_dict())
    anchor_list, valid_list = theirs.get_anchors(sizes, metas,
                                                 device='cpu')
    targets = ours.get_targets(anchor_list, valid_list, gts, metas)
    labels, label_weights, bbox_targets, bbox_weights, avg_factor = targets
    args = (cls_scores[0], bbox_preds[0], anchor_list[0][0].expand(
        2, -1, -1), labels[0], label_weights[0], bbox_targets[0],
            bbox_weights[0])
    assert_equal_nested(
        ours.loss_by_feat_single(*args, avg_factor=avg_factor),
        theirs.loss_by_feat_single(*args, avg_factor=avg_factor))


# --------------------------------------------------------------- CenterNet
def centernet_heads():
    return head_parity.make_twin_heads(
        lambda: CenterNetHead(**CENTERNET_CFG),
        lambda: MMDetCenterNetHead(**CENTERNET_CFG))


def test_centernet_forward_single_matches_mmdet():
    ours, theirs = centernet_heads()
    x = torch.randn(2, 2, 8, 8, generator=torch.Generator().manual_seed(0))
    assert_equal_nested(ours.forward_single(x), theirs.forward_single(x))


def test_centernet_get_targets_match_mmdet():
    """mmdet's public ``get_targets(gt_bboxes, gt_labels, feat_shape,
    img_shape)``: the same maps and the same normaliser, of the same type
    (the issue reported a TypeError here)."""
    ours, theirs = centernet_heads()
    gt_bboxes = [torch.tensor([[3., 5., 20., 30.], [10., 2., 12., 6.],
                               [3., 5., 20., 30.]]),
                 torch.tensor([[0., 0., 31., 31.]]),
                 torch.zeros(0, 4)]
    gt_labels = [torch.tensor([0, 2, 1]), torch.tensor([1]),
                 torch.zeros(0, dtype=torch.long)]
    args = (gt_bboxes, gt_labels, (3, 3, 8, 8), (32, 32))
    assert_equal_nested(ours.get_targets(*args), theirs.get_targets(*args))
    # no peak at all: mmdet returns the int 1
    empty = ([torch.zeros(0, 4)], [torch.zeros(0, dtype=torch.long)],
             (1, 3, 8, 8), (32, 32))
    assert_equal_nested(ours.get_targets(*empty), theirs.get_targets(*empty))
    assert ours.get_targets(*empty)[1] == 1


@pytest.mark.parametrize('with_nms', [False, True])
def test_centernet_predictions_match_mmdet(with_nms):
    """``predict_by_feat``, ``_predict_by_feat_single`` and
    ``_decode_heatmap`` as mmdet calls them (metas with the ``border`` of
    ``RandomCenterCropPad``, which mmdet requires)."""
    ours, theirs = centernet_heads()
    x = torch.randn(2, 2, 8, 8, generator=torch.Generator().manual_seed(1))
    outs = ours(x[None].unbind(0))
    metas = [dict(batch_input_shape=(32, 32), border=(2., 30., 3., 29.),
                  scale_factor=(0.5, 0.25)),
             dict(batch_input_shape=(32, 32), border=(0., 32., 0., 32.),
                  scale_factor=(1., 1.))]
    kw = dict(rescale=True, with_nms=with_nms)
    a = ours.predict_by_feat(*outs, batch_img_metas=metas, **kw)
    b = theirs.predict_by_feat(*outs, batch_img_metas=metas, **kw)
    assert_equal_nested([r.to_dict() for r in a], [r.to_dict() for r in b])
    single = [o[0][1:2] for o in outs]
    assert_equal_nested(
        ours._predict_by_feat_single(*single, metas[1], **kw).to_dict(),
        theirs._predict_by_feat_single(*single, metas[1], **kw).to_dict())
    decode = [o[0] for o in outs] + [(32, 32)]
    assert_equal_nested(ours._decode_heatmap(*decode, k=7, kernel=3),
                        theirs._decode_heatmap(*decode, k=7, kernel=3))


# ------------------------------------------------- a user's subclass rebased
def rebased(base: type, body: dict) -> type:
    """A user's subclass, written against mmdet's head, on ``base``."""
    return type(f'User{base.__name__}', (base, ), dict(body))


def test_a_user_subclass_of_mmdets_rpn_keeps_working_on_plugins():
    """A subclass that post-processes proposals its own way (keeps the 5
    best) and scales the objectness loss: plugin's batched prediction calls
    the subclass's ``_bbox_post_process``, and the results equal the same
    subclass on mmdet's base."""

    def _bbox_post_process(self, results, cfg, rescale=False,
                           with_nms=True, img_meta=None):
        results = super(type(self), self)._bbox_post_process(
            results, cfg, rescale, with_nms, img_meta)
        return results[:5]

    def loss_by_feat(self, *args, **kwargs):
        losses = super(type(self), self).loss_by_feat(*args, **kwargs)
        losses['loss_rpn_cls'] = [2 * v for v in losses['loss_rpn_cls']]
        return losses

    body = dict(_bbox_post_process=_bbox_post_process,
                loss_by_feat=loss_by_feat)
    cfg = dict(RPN_CFG, train_cfg=rpn_train_cfg())
    ours, theirs = head_parity.make_twin_heads(
        lambda: rebased(RPNHead, body)(**cfg),
        lambda: rebased(MMDetRPNHead, body)(**cfg))
    sizes, gts, metas = rpn_inputs()
    feats = [torch.randn(2, 1, h, w, generator=torch.Generator()
                         .manual_seed(h)) for h, w in sizes]
    outs = ours(feats)
    a = ours.predict_by_feat(*outs, batch_img_metas=metas)
    b = theirs.predict_by_feat(*outs, batch_img_metas=metas)
    assert [len(r) for r in a] == [5, 5]
    assert_equal_nested([r.to_dict() for r in a], [r.to_dict() for r in b])
    head_parity.check_matches_mmdet(ours, theirs, feats, gts, metas)


def test_a_user_subclass_of_mmdets_centernet_keeps_working_on_plugins():
    """A subclass with its own NMS step (keeps 3 per image): plugin's
    batched prediction calls it, and equals the subclass on mmdet's base."""

    def _bboxes_nms(self, bboxes, labels, cfg):
        return bboxes[:3], labels[:3]

    ours, theirs = head_parity.make_twin_heads(
        lambda: rebased(CenterNetHead, dict(_bboxes_nms=_bboxes_nms))(
            **CENTERNET_CFG),
        lambda: rebased(MMDetCenterNetHead, dict(_bboxes_nms=_bboxes_nms))(
            **CENTERNET_CFG))
    x = torch.randn(2, 2, 8, 8, generator=torch.Generator().manual_seed(2))
    outs = ours(x[None].unbind(0))
    metas = [dict(batch_input_shape=(32, 32), border=(0., 32., 0., 32.))] * 2
    a = ours.predict_by_feat(*outs, batch_img_metas=metas, with_nms=True)
    b = theirs.predict_by_feat(*outs, batch_img_metas=metas, with_nms=True)
    assert [len(r) for r in a] == [3, 3]
    assert_equal_nested([r.to_dict() for r in a], [r.to_dict() for r in b])
