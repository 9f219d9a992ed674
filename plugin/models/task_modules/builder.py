"""Build the batched assigner and sampler of an mmdet ``train_cfg``.

mmdet's anchor heads name per-image components (``MaxIoUAssigner``,
``RandomSampler``, ``PseudoSampler`` or no sampler); the heads here run
batched ones with the same arguments. A config written for mmdet therefore
runs unchanged: mmdet's names (with or without the ``mmdet.`` scope) are
mapped, ``plugin.*`` types pass through, and anything else is refused by
name rather than silently replaced.
"""
from typing import Dict, Optional

from plugin.registry import TASK_UTILS

# mmdet's assigner and samplers, and the batched components they map to
ASSIGNERS = {'MaxIoUAssigner': 'plugin.BatchMaxIoUAssigner'}
SAMPLERS = {
    'RandomSampler': 'plugin.BatchRandomSampler',
    'PseudoSampler': 'plugin.BatchPseudoSampler',
}


def _build(cfg: dict, table: Dict[str, str], what: str):
    """Build the batched component of an mmdet component's config.

    ``plugin.*`` types pass through; mmdet's names (with or without the
    ``mmdet.`` scope) in ``table`` are mapped, with the same arguments;
    any other type, and any argument the batched component does not take,
    is refused by name.
    """
    cfg = dict(cfg)
    name = cfg['type'] if isinstance(cfg['type'], str) else \
        cfg['type'].__name__
    if not name.startswith('plugin.'):
        short = name.split('.', 1)[1] if name.startswith('mmdet.') else name
        if short not in table:
            supported = sorted(table) + sorted(set(table.values()))
            raise ValueError(
                f'plugin has no batched {what} for {name!r}; use one '
                f'of {supported}')
        cfg['type'] = table[short]
    try:
        return TASK_UTILS.build(cfg)
    except TypeError as e:  # an unexpected keyword
        raise ValueError(f'unsupported {what} argument in {cfg}: {e}') \
            from e


def build_anchor_assigner(cfg: dict):
    """The batched assigner of an anchor head's ``train_cfg.assigner``:
    mmdet's ``MaxIoUAssigner`` becomes :class:`BatchMaxIoUAssigner`."""
    return _build(cfg, ASSIGNERS, 'assigner')


def build_anchor_sampler(cfg: Optional[dict]):
    """The batched sampler of an anchor head's ``train_cfg.sampler``.

    No sampler (mmdet then keeps every anchor) and mmdet's ``PseudoSampler``
    keep every anchor; mmdet's ``RandomSampler`` becomes
    :class:`BatchRandomSampler` (``num``, ``pos_fraction``, ``neg_pos_ub``,
    ``add_gt_as_proposals``, which must be False).
    """
    return _build(cfg or dict(type='PseudoSampler'), SAMPLERS, 'sampler')
