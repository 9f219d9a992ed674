"""IoU and IoF of every image's boxes with a shared set of anchors.

Shapes: B images, G boxes per image (padded), n anchors (one chunk of them).

The values are bitwise those of mmdet 3.3.0's ``bbox_overlaps`` (the float32
ops of ``BboxOverlaps2D``, in its order: the max-IoU rules compare IoUs for
equality, so "close" is not enough), computed with fewer temporaries: x and
y are handled separately in three (B, G, n) float buffers reused in place,
instead of mmdet's (B, G, n, 2) pairs.
"""
import torch
from torch import Tensor

# mmdet's bbox_overlaps eps: the smallest union (or area, for IoF)
EPS = 1e-6


def batch_overlaps(boxes: Tensor, anchors: Tensor, mode: str = 'iou'
                   ) -> Tensor:
    """Overlaps of each image's boxes with every anchor.

    Args:
        boxes (Tensor): (B, G, 4) boxes (x1, y1, x2, y2).
        anchors (Tensor): (n, 4) anchors, the same for every image.
        mode (str): ``'iou'``; ``'iof'`` (intersection over the area of the
            box, mmdet's ``bbox_overlaps(boxes, anchors, 'iof')``); or
            ``'iof_anchor'`` (over the area of the anchor,
            ``bbox_overlaps(anchors, boxes, 'iof')`` transposed).

    Returns:
        Tensor: (B, G, n) float32.
    """
    if mode not in ('iou', 'iof', 'iof_anchor'):
        raise ValueError(f'unknown overlap mode {mode!r}')
    bx1, by1, bx2, by2 = (boxes[..., i, None] for i in range(4))
    ax1, ay1, ax2, ay2 = anchors.unbind(-1)
    # intersection width and height, clamped at 0 (rb - lt in mmdet); three
    # (B, G, n) buffers in all, reused in place
    iw = torch.minimum(bx2, ax2)
    tmp = torch.maximum(bx1, ax1)
    iw.sub_(tmp).clamp_(min=0)
    ih = torch.minimum(by2, ay2)
    torch.maximum(by1, ay1, out=tmp)
    ih.sub_(tmp).clamp_(min=0)
    overlap = iw.mul_(ih)
    box_area = (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] -
                                                    boxes[..., 1])
    anchor_area = (anchors[:, 2] - anchors[:, 0]) * (anchors[:, 3] -
                                                     anchors[:, 1])
    denom = ih
    if mode == 'iou':
        # mmdet: area1[..., None] + area2[..., None, :] - overlap, with the
        # boxes (gts) as bboxes1
        torch.add(box_area[..., None], anchor_area, out=denom)
        denom.sub_(overlap)
    elif mode == 'iof':
        denom.copy_(box_area[..., None].expand_as(overlap))
    else:  # 'iof_anchor'
        denom.copy_(anchor_area.expand_as(overlap))
    denom.clamp_(min=EPS)
    return overlap.div_(denom)
