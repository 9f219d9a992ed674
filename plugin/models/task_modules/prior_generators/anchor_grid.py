"""The grid layout of the anchors of mmdet's ``AnchorGenerator``, which the
window assignment (:mod:`plugin.models.task_modules.assigners.anchor_windows`)
relies on.

Shapes: L levels, A_l anchor shapes (scale x ratio) on level l, (H_l, W_l)
its feature map.

mmdet's ``AnchorGenerator.single_level_grid_priors`` places the A_l base
anchors at every cell: anchor (y, x, a) of level l is ``base[a] + (x *
stride_w, y * stride_h, x * stride_w, y * stride_h)``, flat index
``start_l + (y * W_l + x) * A_l + a``, levels concatenated in order. Its x
coordinates therefore depend on (x, a) only and its y coordinates on (y, a)
only, bitwise: the same float sum for every row (column). That is the
property the window assignment uses; it reads the coordinates themselves
from the anchors tensor, so it needs only the layout, not the strides.
"""
from typing import NamedTuple, Optional, Sequence, Tuple

from mmdet.models.task_modules.prior_generators import AnchorGenerator


class AnchorGrid(NamedTuple):
    """Layout of a flat (N, 4) anchors tensor built level by level.

    Attributes:
        featmap_sizes (tuple[tuple[int, int]]): (H_l, W_l) of each level.
        num_base_anchors (tuple[int]): A_l of each level.
    """
    featmap_sizes: Tuple[Tuple[int, int], ...]
    num_base_anchors: Tuple[int, ...]

    @property
    def num_anchors(self) -> int:
        """N, the anchors of all levels."""
        return sum(h * w * a for (h, w), a in zip(self.featmap_sizes,
                                                  self.num_base_anchors))


def is_grid_generator(prior_generator) -> bool:
    """True when ``prior_generator`` places its anchors as mmdet's
    ``AnchorGenerator`` does (the class itself or a subclass that only
    changes the base anchors: ``SSDAnchorGenerator``,
    ``LegacyAnchorGenerator``, ``YOLOAnchorGenerator``), and returns plain
    tensors."""
    cls = type(prior_generator)
    return (isinstance(prior_generator, AnchorGenerator)
            and cls.grid_priors is AnchorGenerator.grid_priors
            and cls.single_level_grid_priors is
            AnchorGenerator.single_level_grid_priors
            and not getattr(prior_generator, 'use_box_type', False))


def anchor_grid(prior_generator,
                featmap_sizes: Sequence[Tuple[int, int]]
                ) -> Optional[AnchorGrid]:
    """The layout of ``prior_generator.grid_priors(featmap_sizes)``
    concatenated over levels, or None if the generator is not an mmdet grid
    (:func:`is_grid_generator`); the assigner then computes every pair."""
    if not is_grid_generator(prior_generator):
        return None
    return AnchorGrid(
        tuple((int(h), int(w)) for h, w in featmap_sizes),
        tuple(int(a) for a in prior_generator.num_base_priors))
