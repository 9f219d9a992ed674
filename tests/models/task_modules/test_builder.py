"""mmdet's anchor assigner/sampler configs map onto the batched ones."""
import pytest

from plugin.models.task_modules.assigners import BatchMaxIoUAssigner
from plugin.models.task_modules.builder import (build_anchor_assigner,
                                                build_anchor_sampler)
from plugin.models.task_modules.samplers import (BatchPseudoSampler,
                                                 BatchRandomSampler,
                                                 SiamRPNSampler)

ASSIGNER = dict(pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3)


@pytest.mark.parametrize('name', ['MaxIoUAssigner', 'mmdet.MaxIoUAssigner',
                                  'plugin.BatchMaxIoUAssigner'])
def test_assigner_names(name):
    assigner = build_anchor_assigner(dict(type=name, **ASSIGNER))
    assert type(assigner) is BatchMaxIoUAssigner
    assert (assigner.pos_iou_thr, assigner.neg_iou_thr,
            assigner.min_pos_iou) == (0.7, (0.0, 0.3), 0.3)


@pytest.mark.parametrize('cfg, expected', [
    (None, BatchPseudoSampler),
    (dict(type='PseudoSampler'), BatchPseudoSampler),
    (dict(type='RandomSampler', num=256, pos_fraction=0.5, neg_pos_ub=-1,
          add_gt_as_proposals=False), BatchRandomSampler),
    (dict(type='plugin.SiamRPNSampler', pos_num=16, neg_num=48),
     SiamRPNSampler),
])
def test_sampler_names(cfg, expected):
    assert type(build_anchor_sampler(cfg)) is expected


@pytest.mark.parametrize('build, cfg, match', [
    (build_anchor_assigner, dict(type='ATSSAssigner', topk=9),
     "no batched assigner for 'ATSSAssigner'"),
    (build_anchor_sampler, dict(type='OHEMSampler', num=256,
                                pos_fraction=0.5), "no batched sampler"),
    (build_anchor_assigner, dict(type='MaxIoUAssigner', foo=1, **ASSIGNER),
     'unsupported assigner argument'),
])
def test_refused_by_name(build, cfg, match):
    with pytest.raises(ValueError, match=match):
        build(cfg)
