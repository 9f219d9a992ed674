"""Template/search training pair cut from one detection image (SiamRPN).

Shapes: G objects of the image; Tz = ``template_size``, Tx =
``search_size``; boxes xyxy in continuous pixel coordinates.
"""
from typing import Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from plugin.registry import TRANSFORMS
from .crop import box_to_crop, context_size, crop_and_resize, image_mean

__all__ = ['SiamPairCrop']


def _as_boxes(boxes) -> np.ndarray:
    """``HorizontalBoxes`` or an array-like -> (G, 4) float64."""
    boxes = boxes.numpy() if hasattr(boxes, 'numpy') else boxes
    return np.asarray(boxes, np.float64).reshape(-1, 4)

# Keys of the detection pipeline that the pair replaces; dropped so that they
# are neither carried nor packed.
_CONSUMED_KEYS = ('img', 'gt_bboxes', 'gt_bboxes_labels', 'gt_ignore_flags',
                  'gt_masks', 'gt_seg_map', 'search_frame',
                  'search_gt_bboxes', 'hard_negative')


@TRANSFORMS.register_module()
class SiamPairCrop(BaseTransform):
    """Cut a SiamRPN template/search pair around one object of an image.

    A still image stands in for two frames of a video (pysot does the same
    with COCO and DET): one usable object is picked uniformly; the template
    is the square context window around it (side ``s_z``, see
    :func:`~plugin.datasets.transforms.crop.context_size`) resized to Tz, the
    search image the window of side ``s_x = s_z * Tx / Tz`` around it resized
    to Tx, so that the object has the same scale in both.

    Jitter (both crops), as pysot's ``Augmentation._shift_scale_aug``: with
    ``u ~ U(-1, 1)`` drawn independently per quantity,

    * the window's width and height are multiplied independently by
      ``1 + u * scale``: the object appears ``1 / f`` times as large, with
      its aspect ratio changed;
    * the window is then moved by ``u * shift`` pixels *of the unjittered
      crop* in x and y (pysot shifts in the pixels of its pre-cropped image,
      which has the crop's scale before the scale jitter): the object's
      centre lands ``-d / f`` output pixels from the crop's centre.

    pysot also clamps the jitter so the window stays inside its 511 px
    pre-crop; that clamp never binds with its default constants and there is
    no pre-crop here (the window may leave the image and is padded with the
    image's per-channel mean), so none is applied. The target box is not
    clipped to the crop either (pysot does not).

    Negative pairs (pysot's ``DATASET.NEG``): with probability ``neg_prob``
    the search window (same side ``s_x``, same jitter) is centred on another
    usable object of the same image, a distractor, and the target box is
    empty. pysot takes its negatives from another video instead; here the
    distractor is the only source of another object. An image with one
    usable object gives a positive pair whatever was drawn. The template
    object can still lie inside a negative search crop when the distractor
    is near it; it is not excluded.

    Two frames of a video (``plugin.SiamVideoPairDataset`` and
    ``plugin.LoadPairFrames``): when the results hold ``search_frame`` and
    ``search_gt_bboxes`` (same rows as ``gt_bboxes``), the template is cut
    from ``img`` around the picked object's box there and the search image
    from ``search_frame`` around the same object's box in that frame, with
    the template's scale ``s_x = s_z * Tx / Tz`` (pysot crops each frame
    around its own box at the same context rule, so the target's size
    change between the frames shows). Negative pairs then centre the
    search on another object of the search frame, as for one image.
    When the results also hold ``hard_negative=True`` (a hard negative of
    ``SiamVideoPairDataset``: the search frame is another video's, its row
    is that video's target), the pair is negative whatever ``neg_prob``
    draws: the search crop is centred on that object at its own scale.

    Required keys: ``img`` (H, W, 3) uint8, ``gt_bboxes``
    (``HorizontalBoxes`` or (G, 4) array, xyxy); optional
    ``gt_ignore_flags`` (G,) bool.

    Added keys: ``template_img`` (Tz, Tz, 3) uint8, ``search_img``
    (Tx, Tx, 3) uint8, ``search_bbox`` float32 (1, 4) or (0, 4) in search
    coordinates, ``template_bbox`` float32 (4,) in template coordinates,
    ``is_negative`` (bool), ``target_index`` (int, the template object's
    row in ``gt_bboxes``), ``search_index`` (int, the object the search is
    centred on; equal to ``target_index`` for a positive pair),
    ``template_size``, ``search_size`` (int).

    Removed keys: ``img``, ``search_frame``, ``search_gt_bboxes`` and the
    ``gt_*`` annotations.

    Returns None (mmengine's dataset then draws another index in training)
    when no object is usable.

    Randomness comes from numpy's global generator, which mmengine seeds per
    worker, as mmdet's transforms do.

    Args:
        template_size: Tz; 127 is pysot's ``EXEMPLAR_SIZE``.
        search_size: Tx; 255 is pysot's ``SEARCH_SIZE``.
        context_amount: Context margin of the template window; 0.5 is
            pysot's ``CONTEXT_AMOUNT``.
        template_shift: Template shift bound in crop pixels; pysot's
            ``DATASET.TEMPLATE.SHIFT`` 4.
        template_scale: Template relative scale bound; pysot's
            ``DATASET.TEMPLATE.SCALE`` 0.05.
        search_shift: Search shift bound in crop pixels; pysot's
            ``DATASET.SEARCH.SHIFT`` 64 (at Tx 255).
        search_scale: Search relative scale bound; pysot's
            ``DATASET.SEARCH.SCALE`` 0.18.
        neg_prob: Probability of a negative pair; pysot's ``DATASET.NEG``.
        min_size: Objects with a box side under this many pixels are never
            picked (4: below that the template holds a few pixels of them).
    """

    def __init__(self,
                 template_size: int = 127,
                 search_size: int = 255,
                 context_amount: float = 0.5,
                 template_shift: float = 4.,
                 template_scale: float = 0.05,
                 search_shift: float = 64.,
                 search_scale: float = 0.18,
                 neg_prob: float = 0.2,
                 min_size: float = 4.) -> None:
        if not 0 < template_size <= search_size:
            raise ValueError('need 0 < template_size <= search_size, got '
                             f'{template_size}, {search_size}')
        if not (0 <= template_scale < 1 and 0 <= search_scale < 1):
            # A factor 1 + u * scale must stay positive.
            raise ValueError('template_scale and search_scale must be in '
                             '[0, 1)')
        if template_shift < 0 or search_shift < 0:
            raise ValueError('shifts must be >= 0')
        if not 0 <= neg_prob <= 1:
            raise ValueError(f'neg_prob must be in [0, 1], got {neg_prob}')
        self.template_size = int(template_size)
        self.search_size = int(search_size)
        self.context_amount = context_amount
        self.template_shift = template_shift
        self.template_scale = template_scale
        self.search_shift = search_shift
        self.search_scale = search_scale
        self.neg_prob = neg_prob
        self.min_size = min_size

    def _sample_jitter(self, shift: float,
                       scale: float) -> Tuple[float, float, float, float]:
        """Draw one crop's jitter (tests override this to fix it).

        Args:
            shift: Shift bound in crop pixels.
            scale: Relative scale bound.

        Returns:
            (dx, dy, fx, fy): shift in ``[-shift, shift)`` crop pixels and
            window scale factors in ``[1 - scale, 1 + scale)``.
        """
        u = np.random.uniform(-1., 1., size=4)
        return (float(u[0] * shift), float(u[1] * shift),
                float(1. + u[2] * scale), float(1. + u[3] * scale))

    def _jittered_window(
            self, center: np.ndarray, side: float, out_size: int,
            shift: float,
            scale: float) -> Tuple[Tuple[float, float], Tuple[float, float]]:
        """(center_xy, crop_wh) of a window of ``side`` jittered once."""
        dx, dy, fx, fy = self._sample_jitter(shift, scale)
        # A shift of one crop pixel is side / out_size image pixels.
        step = side / out_size
        return ((float(center[0] + dx * step), float(center[1] + dy * step)),
                (side * fx, side * fy))

    def transform(self, results: dict) -> Optional[dict]:
        """Cut the pair; see the class docstring for the keys.

        Args:
            results: Result dict of ``LoadImageFromFile`` and
                ``LoadAnnotations(with_bbox=True)``.

        Returns:
            ``results`` with the pair, or None when no object is usable.
        """
        img = results['img']
        boxes = _as_boxes(results['gt_bboxes'])
        # A video pair's second frame; one image stands in for both else.
        search_img = results.get('search_frame', img)
        search_boxes = boxes
        if 'search_frame' in results:
            search_boxes = _as_boxes(results['search_gt_bboxes'])
            if search_boxes.shape != boxes.shape:
                raise ValueError(
                    f'search_gt_bboxes {search_boxes.shape} and gt_bboxes '
                    f'{boxes.shape} must have the same rows (one per '
                    'object)')
        ignore = np.asarray(
            results.get('gt_ignore_flags', np.zeros(len(boxes), bool)),
            bool)
        sides = boxes[:, 2:] - boxes[:, :2]
        search_sides = search_boxes[:, 2:] - search_boxes[:, :2]
        usable = np.flatnonzero(~ignore & (sides.min(axis=1) >= self.min_size)
                                & (search_sides.min(axis=1) >= self.min_size))
        if usable.size == 0:
            return None

        target = int(np.random.choice(usable))
        # Drawn for every sample so that the random stream does not depend on
        # the number of objects.
        negative = bool(np.random.random() < self.neg_prob)
        search_obj = target
        if results.get('hard_negative', False):
            # the search frame's object is another video's look-alike
            negative = True
        elif negative and usable.size > 1:
            search_obj = int(np.random.choice(usable[usable != target]))
        else:
            negative = False

        centers = (boxes[:, :2] + boxes[:, 2:]) / 2
        search_centers = (search_boxes[:, :2] + search_boxes[:, 2:]) / 2
        s_z = float(context_size(*sides[target], self.context_amount))
        # the search window follows the target's size in its own frame (for
        # a hard negative, the look-alike's: the same row)
        s_x = float(context_size(*search_sides[target], self.context_amount)
                    ) * self.search_size / self.template_size
        pad = image_mean(img)
        search_pad = pad if search_img is img else image_mean(search_img)

        z_center, z_wh = self._jittered_window(centers[target], s_z,
                                               self.template_size,
                                               self.template_shift,
                                               self.template_scale)
        x_center, x_wh = self._jittered_window(search_centers[search_obj],
                                               s_x, self.search_size,
                                               self.search_shift,
                                               self.search_scale)
        results['template_img'] = crop_and_resize(img, z_center, z_wh,
                                                  self.template_size, pad)
        results['search_img'] = crop_and_resize(search_img, x_center, x_wh,
                                                self.search_size, search_pad)
        results['template_bbox'] = box_to_crop(boxes[target], z_center, z_wh,
                                               self.template_size)
        if negative:
            results['search_bbox'] = np.zeros((0, 4), np.float32)
        else:
            results['search_bbox'] = box_to_crop(
                search_boxes[target:target + 1], x_center, x_wh,
                self.search_size)
        results['is_negative'] = negative
        results['target_index'] = target
        results['search_index'] = search_obj
        results['template_size'] = self.template_size
        results['search_size'] = self.search_size
        for key in _CONSUMED_KEYS:
            results.pop(key, None)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'template_size={self.template_size}, '
                f'search_size={self.search_size}, '
                f'context_amount={self.context_amount}, '
                f'template_shift={self.template_shift}, '
                f'template_scale={self.template_scale}, '
                f'search_shift={self.search_shift}, '
                f'search_scale={self.search_scale}, '
                f'neg_prob={self.neg_prob}, '
                f'min_size={self.min_size})')
