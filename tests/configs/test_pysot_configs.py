"""configs/siamrpn/pysot/: each config carries its pysot experiment's
settings (github.com/STVIR/pysot, experiments/<name>/config.yaml, copied
below), feeds the network pysot's unnormalised BGR pixels, and gives
pysot's score map size. The networks are built width-reduced (the same
layers, fast); their outputs against pysot's are
tests/tools/test_convert_pysot.py's."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from plugin.registry import MODELS

DIR = 'configs/siamrpn/pysot/'
# config -> pysot's config.yaml values: TRACK.(PENALTY_K, WINDOW_INFLUENCE,
# LR, EXEMPLAR_SIZE, INSTANCE_SIZE, BASE_SIZE, CONTEXT_AMOUNT); every
# experiment has ANCHOR STRIDE 8, RATIOS [0.33, 0.5, 1, 2, 3], SCALES [8].
# The up-channel config has siamrpn_alex_dwxcorr's (pysot ships no
# up-channel experiment).
PYSOT_TRACK = {
    'siamrpn_alex_dwxcorr': (0.16, 0.40, 0.30, 127, 287, 0, 0.5),
    'siamrpn_alex_dwxcorr_otb': (0.16, 0.40, 0.30, 127, 287, 0, 0.5),
    'siamrpn_alex_upchannel': (0.16, 0.40, 0.30, 127, 287, 0, 0.5),
    'siamrpn_r50_l234_dwxcorr': (0.05, 0.42, 0.38, 127, 255, 8, 0.5),
    'siamrpn_r50_l234_dwxcorr_otb': (0.24, 0.5, 0.25, 127, 255, 8, 0.5),
}
# the networks / 32 in width
ALEX_SMALL = {'model.backbone.width_mult': 1 / 32,
              'model.head.in_channels': 8, 'model.head.feat_channels': 8}
R50_SMALL = {'model.backbone.base_channels': 2,
             'model.neck.in_channels': [16, 32, 64],
             'model.neck.out_channels': [8, 8, 8],
             'model.head.in_channels': [8, 8, 8],
             'model.head.feat_channels': [8, 8, 8]}


@pytest.fixture(autouse=True)
def mmdet_scope():
    with DefaultScope.overwrite_default_scope('mmdet'):
        yield


def load(name: str) -> Config:
    return Config.fromfile(DIR + name + '.py')


@pytest.mark.parametrize('name', sorted(PYSOT_TRACK))
def test_pysot_settings(name):
    cfg = load(name)
    k, wi, lr, exemplar, instance, _, context = PYSOT_TRACK[name]
    test_cfg = cfg.model.test_cfg
    assert (test_cfg.penalty_k, test_cfg.window_influence, test_cfg.lr,
            test_cfg.template_size, test_cfg.search_size,
            test_cfg.context_amount, test_cfg.min_size) == (
                k, wi, lr, exemplar, instance, context, 10.)
    gen = cfg.model.head.anchor_generator
    assert (gen.stride, gen.ratios, gen.scales) == (8, (0.33, 0.5, 1., 2.,
                                                        3.), (8., ))
    # pysot: BGR pixels 0..255 as they are
    assert cfg.model.data_preprocessor == dict(
        type='plugin.SiamDataPreprocessor', bgr_to_rgb=False)
    with open(DIR + name + '.py') as f:
        assert 'experiments/' in f.read()  # names what it mirrors


@pytest.mark.parametrize('name', sorted(PYSOT_TRACK))
def test_score_map_is_pysots(name):
    """pysot's tracker sizes its window and anchors (INSTANCE_SIZE -
    EXEMPLAR_SIZE) // STRIDE + 1 + BASE_SIZE cells: the network's map."""
    cfg = load(name)
    cfg.merge_from_dict(R50_SMALL if 'r50' in name else ALEX_SMALL)
    model = MODELS.build(cfg.model).eval()
    _, _, _, exemplar, instance, base, _ = PYSOT_TRACK[name]
    with torch.no_grad():
        cls, reg = model._forward(dict(
            template=torch.zeros(1, 3, exemplar, exemplar),
            search=torch.zeros(1, 3, instance, instance)))
    side = (instance - exemplar) // 8 + 1 + base
    assert cls.shape == (1, 10, side, side)
    assert reg.shape == (1, 20, side, side)


def test_otb_variants():
    """The _otb configs are their base's network: alex the same
    everything, r50 averaged levels and its own tracking options."""
    assert load('siamrpn_alex_dwxcorr_otb').model == \
        load('siamrpn_alex_dwxcorr').model
    r50, otb = load('siamrpn_r50_l234_dwxcorr'), load(
        'siamrpn_r50_l234_dwxcorr_otb')
    assert r50.model.head.weighted and not otb.model.head.weighted
    assert r50.model.backbone == otb.model.backbone
    assert r50.model.neck == otb.model.neck
