"""The SiamRPN configs: SiamRPN's rules, and a geometry where the score
map's centre cell faces the search crop's centre, checked on the built
networks (the R50 one built offline, without its pretrained weights)."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from plugin.registry import MODELS

CONFIGS = ['configs/siamrpn/siamrpn_shapes.py',
           'configs/siamrpn/siamrpn_r50_coco.py']


@pytest.fixture(autouse=True)
def mmdet_scope():
    with DefaultScope.overwrite_default_scope('mmdet'):
        yield


@pytest.mark.parametrize('path', CONFIGS)
def test_siamrpn_rules(path):
    model = Config.fromfile(path).model
    assert model.train_cfg.assigner == dict(
        type='plugin.BatchMaxIoUAssigner', pos_iou_thr=0.6,
        pos_iou_strict=True, neg_iou_thr=0.3, match_low_quality=False)
    assert model.train_cfg.sampler == dict(
        type='plugin.SiamRPNSampler', pos_num=16, neg_num=48)
    gen = model.head.anchor_generator
    assert gen.stride == 8 and gen.ratios == (0.33, 0.5, 1., 2., 3.)


def cell_centre(backbone, size: int, cell: int) -> float:
    """x (continuous pixels) on which backbone cell (cell, cell) of a size x
    size input is centred: the centre of mass of its gradient, with every
    conv weight equal and positive, BatchNorm the identity and max pools
    averaging (every path counts alike, so the gradient is symmetric about
    that centre; ``size`` large enough that the border does not clip
    it)."""
    for name, m in list(backbone.named_modules()):
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.constant_(m.weight, 1. / m.weight[0].numel())
        if isinstance(m, torch.nn.MaxPool2d):
            # same window, no ties: a max pool of a constant map sends the
            # whole gradient to each window's first pixel, 2 px off
            parent, _, attr = name.rpartition('.')
            setattr(backbone.get_submodule(parent) if parent else backbone,
                    attr, torch.nn.AvgPool2d(m.kernel_size, m.stride,
                                             m.padding))
    backbone.eval()
    x = torch.ones(1, 3, size, size, requires_grad=True)
    backbone(x)[0][0, :, cell, cell].sum().backward()
    g = x.grad.abs().sum((0, 1)).sum(0)
    xs = torch.arange(size, dtype=g.dtype) + 0.5
    return float((g * xs).sum() / g.sum())


@pytest.mark.parametrize('path', CONFIGS)
def test_centre_cell_faces_the_search_centre(path):
    """Backbone cell i is centred on pixel 8 i + c (measured); then the
    kernel's centre cell and the centre score cell's search window must be
    offset alike from the template's and the search crop's centres, for
    the correlation's centre cell to compare the two centres."""
    cfg = Config.fromfile(path)
    cfg.model.backbone.init_cfg = None  # offline: no pretrained download
    model = MODELS.build(cfg.model).eval()
    tz, tx = cfg.model.test_cfg.template_size, cfg.model.test_cfg.search_size
    # the mapping, on a canvas wide enough for the receptive field
    c = cell_centre(MODELS.build(cfg.model.backbone), 512, 32) - 8 * 32
    assert c == pytest.approx(0.5, abs=1e-3)  # cell i on pixel 8 i + 0.5

    with torch.no_grad():
        z_map = model.backbone(torch.zeros(1, 3, tz, tz))[0]
        z_feat = model.extract_feat(torch.zeros(1, 3, tz, tz))[0]
        x_feat = model.extract_feat(torch.zeros(1, 3, tx, tx))[0]
        cls, _ = model.head(
            [z_feat] * model.head.num_levels, [x_feat] * model.head.num_levels)
    s = cls.size(-1)
    # the neck's crop (if any) keeps cells left .. left + k - 1 of the map
    left = (z_map.size(-1) - z_feat.size(-1)) // 2 + \
        ((z_map.size(-1) - z_feat.size(-1)) % 2)
    # both branches' valid 3 x 3 convs drop one cell per side: kernel of
    # k - 2 cells; its centre is the template map's cell left + (k - 1) / 2
    k = z_feat.size(-1)
    kernel_centre = 8 * (left + (k - 1) / 2) + c
    # score cell j sees search cells j .. j + k - 1, centre j + (k - 1) / 2
    window_centre = 8 * (s // 2 + (k - 1) / 2) + c
    assert kernel_centre - tz / 2 == pytest.approx(window_centre - tx / 2,
                                                   abs=1.0)
    anchors = model.head.anchors(s, tx, cls.device)
    centre = anchors[(s // 2) * s + s // 2]
    assert ((centre[:2] + centre[2:]) / 2).tolist() == [tx / 2, tx / 2]


def _pipeline_types(dataset_cfg) -> list:
    return [t['type'] for t in dataset_cfg['pipeline']]


AUGS = ['plugin.SiamPCALighting', 'plugin.SiamPCALighting',
        'plugin.SiamMotionBlur', 'plugin.SiamGrayscale', 'plugin.SiamFlip']
VIDEO = ['plugin.LoadPairFrames', 'plugin.SiamPairCrop']
IMAGE = ['LoadImageFromFile', 'LoadAnnotations', 'plugin.SiamPairCrop']
PACK = ['plugin.PackSiamInputs']


def test_shapes_recipe_and_its_ablation_steps():
    """Each ablation config removes one step of the recipe, and nothing
    else: the same crops, model, schedule and pairs per epoch."""
    base = 'configs/siamrpn/'
    recipe = Config.fromfile(base + 'siamrpn_shapes.py')
    video, image = recipe.train_dataloader.dataset.datasets
    assert _pipeline_types(video) == VIDEO + AUGS + PACK
    assert _pipeline_types(image.dataset) == IMAGE + AUGS + PACK
    assert video.hard_neg_prob == 0.2 and video.num_pairs == 1200
    assert image.times == 2

    aug = Config.fromfile(base + 'ablation/siamrpn_shapes_video_aug.py')
    video_a, image_a = aug.train_dataloader.dataset.datasets
    assert 'hard_neg_prob' not in video_a  # the default, 0
    assert dict(video_a, hard_neg_prob=0.2) == video and image_a == image

    plain = Config.fromfile(base + 'ablation/siamrpn_shapes_video.py')
    video_p, image_p = plain.train_dataloader.dataset.datasets
    assert _pipeline_types(video_p) == VIDEO + PACK
    assert _pipeline_types(image_p.dataset) == IMAGE + PACK
    assert video_p.pipeline[1] == video.pipeline[1]  # the same crop
    assert dict(video_p, pipeline=None) == dict(video_a, pipeline=None)
    assert dict(image_p.dataset, pipeline=None) == dict(image.dataset,
                                                        pipeline=None)
    assert image_p.times == 2

    still = Config.fromfile(base + 'ablation/siamrpn_shapes_still.py')
    # the still-image source twice: 2,400 pairs, as the recipe's epoch
    assert still.train_dataloader.dataset.datasets == [image_p, image_p]
    for cfg in (aug, plain, still):
        assert cfg.model == recipe.model
        assert cfg.train_cfg == recipe.train_cfg
        assert cfg.val_dataloader == recipe.val_dataloader


@pytest.mark.parametrize('name, epochs', [
    ('siamrpn_shapes.py', 10), ('ablation/siamrpn_shapes_3x.py', 18),
    ('ablation/siamrpn_shapes_narrow.py', 12)])
def test_schedules_stretch_over_all_epochs(name, epochs):
    """The recipe and the longer ablations: the cosine runs over all their
    epochs (a max_epochs override alone would leave the base's), with
    validation on the last 3, and the head takes the last stage's
    width."""
    cfg = Config.fromfile('configs/siamrpn/' + name)
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.train_cfg.val_begin == epochs - 2
    cosine = cfg.param_scheduler[1]
    assert (cosine.T_max, cosine.end) == (epochs, epochs)
    assert cfg.model.head.in_channels == cfg.model.backbone.channels[-1]


def test_wide_ablation_is_the_earlier_recipe():
    """ablation/siamrpn_shapes_wide.py keeps the recipe the 10 min 19 s /
    0.575 figures came from: the wide net, 16 pairs a step from one
    loader worker, 6 epochs, its own tuned window influence; with today's
    recipe's training data, labels and anchors (the 3x and narrow runs
    build on it)."""
    recipe = Config.fromfile('configs/siamrpn/siamrpn_shapes.py')
    wide = Config.fromfile('configs/siamrpn/ablation/siamrpn_shapes_wide.py')
    assert wide.model.backbone.channels == (24, 48, 96, 96)
    assert wide.model.head.in_channels == 96
    assert wide.model.test_cfg.window_influence == 0.40
    loader = wide.train_dataloader
    assert (loader.batch_size, loader.num_workers) == (16, 1)
    assert loader.persistent_workers
    assert wide.train_cfg.max_epochs == 6 and wide.train_cfg.val_begin == 5
    assert wide.param_scheduler[1].T_max == 6
    # the recipe: narrow, the data in the main process, 10 epochs
    assert recipe.model.backbone.channels == (16, 32, 64, 64)
    assert recipe.train_dataloader.num_workers == 0
    assert not recipe.train_dataloader.persistent_workers
    assert loader.dataset == recipe.train_dataloader.dataset
    assert wide.model.train_cfg == recipe.model.train_cfg  # the labels
    assert wide.model.head.anchor_generator == \
        recipe.model.head.anchor_generator
