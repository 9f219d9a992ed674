"""Load a config's tracker model for evaluation and demos (mmdet's
``init_detector`` for the Siamese trackers)."""
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from torch import nn

from plugin.registry import MODELS


def init_tracker_model(cfg: Config, checkpoint: str,
                       device: str = 'cpu') -> nn.Module:
    """The config's model in eval mode on ``device``.

    Args:
        cfg: a full config (``cfg.model``); built under the caller's
            default scope (mmdet's, as the runner sets it).
        checkpoint: a checkpoint file, loaded strictly (every key must
            match), or ``'none'`` for the initial weights (the untrained
            baseline).
        device: where the model goes.
    """
    model = MODELS.build(cfg.model)
    if checkpoint == 'none':
        model.init_weights()
    else:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True,
                        logger='silent')
    return model.to(device).eval()
