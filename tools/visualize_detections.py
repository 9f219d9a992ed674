r"""Draw a detector's boxes next to the ground truth on a few test images.

    python tools/visualize_detections.py CONFIG CHECKPOINT \
        --out detections.png [--num 6] [--score-thr 0.5] [--topk 10]

One pair of panels per image of the config's test split (the first --num):
the annotated boxes with their class names on the left, the predictions on
the right. A detector's predictions are those scoring at least --score-thr
(0.5 by default); a proposal network's (an ``RPN`` model, or one without a
``bbox_head``/``roi_head``) are its --topk highest-scoring proposals (10 by
default; only those >= --score-thr when that is given), labelled "proposal":
proposals are class-agnostic, and hundreds of them score above 0.3. The
threshold (or top k) is written in the title.
"""
import argparse
import json
import math
import os
import os.path as osp
from collections import defaultdict

import cv2
from mmdet.apis import inference_detector, init_detector
from mmengine.config import Config, DictAction

import plugin  # noqa: F401  (registers the heads, safe checkpoint loading)

PROPOSAL_COLOR = (1.0, 0.0, 0.85)  # magenta: no class colour is like it


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[1:]))
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='detections.png')
    parser.add_argument('--num', type=int, default=6, help='images to draw')
    parser.add_argument(
        '--score-thr', type=float, default=None,
        help='draw the predictions scoring at least this (default: 0.5 for '
        'a detector, none for a proposal network, which gets --topk)')
    parser.add_argument(
        '--topk', type=int, default=10,
        help='proposals per image, for a proposal network (default 10)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, as in tools/test.py (e.g. the '
        'test_dataloader.dataset.data_root)')
    return parser.parse_args()


def is_proposal_net(cfg: Config) -> bool:
    """Whether the model outputs class-agnostic proposals (mmdet's ``RPN``,
    or any model with no ``bbox_head``/``roi_head`` to classify them)."""
    model = cfg.model
    kind = str(model.get('type', '')).split('.')[-1]  # 'mmdet.RPN' too
    return kind == 'RPN' or not (
        model.get('bbox_head') or model.get('roi_head'))


def sample_images(cfg: Config, num: int) -> list:
    """The first ``num`` images of the config's test split, each as
    ``(path, [(x1, y1, x2, y2, class name, iscrowd), ...])`` from its
    annotation file."""
    ds = cfg.test_dataloader.dataset
    ann_file = ds.ann_file
    if ds.get('data_root') and not osp.isabs(ann_file):
        ann_file = osp.join(ds.data_root, ann_file)
    with open(ann_file) as f:
        coco = json.load(f)
    names = {c['id']: c['name'] for c in coco['categories']}
    boxes = defaultdict(list)
    for ann in coco['annotations']:
        x, y, w, h = ann['bbox']
        boxes[ann['image_id']].append(
            (x, y, x + w, y + h, names.get(ann['category_id'], '?'),
             bool(ann.get('iscrowd', 0))))
    prefix = ds.get('data_prefix', {}).get('img', '')
    return [(osp.join(ds.get('data_root') or '', prefix, im['file_name']),
             boxes[im['id']]) for im in coco['images'][:num]]


def class_colors(meta: dict) -> dict:
    """Class name -> matplotlib colour, from the dataset's palette."""
    import matplotlib.pyplot as plt
    classes = meta.get('classes') or ()
    palette = meta.get('palette') or []
    cycle = plt.get_cmap('tab10').colors
    return {
        name: tuple(v / 255 for v in palette[i]) if i < len(palette) else
        cycle[i % len(cycle)]
        for i, name in enumerate(classes)
    }


def select(result, classes, proposals: bool, thr, topk: int) -> list:
    """``[(x1, y1, x2, y2, name, score), ...]`` to draw, best first."""
    inst = result.pred_instances
    order = inst.scores.argsort(descending=True)
    boxes = inst.bboxes[order].tolist()
    scores = inst.scores[order].tolist()
    labels = inst.labels[order].tolist()
    out = []
    for box, score, label in zip(boxes, scores, labels):
        if thr is not None and score < thr:
            break
        name = 'proposal' if proposals else (
            classes[label] if label < len(classes) else str(label))
        out.append((*box, name, score))
        if proposals and len(out) == topk:
            break
    return out


def draw_boxes(ax, img, boxes, colors, title, fontsize=7) -> list:
    """``img`` (RGB) with ``boxes`` ``(x1, y1, x2, y2, class name, label
    text, dashed)``, most important first, in their class colours. Returns
    their labels, for :func:`place_labels`."""
    from matplotlib.patches import Rectangle
    h, w = img.shape[:2]
    ax.imshow(img)
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=fontsize + 2)
    labels = []
    # the least important first, so that the best boxes end up on top
    for x1, y1, x2, y2, name, text, dashed in reversed(boxes):
        color = colors.get(name, PROPOSAL_COLOR)
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                               edgecolor=color, lw=1.5,
                               ls='--' if dashed else '-'))
        labels.insert(0, (ax, (x1, y1, x2, y2), text, color, fontsize))
    return labels


def place_labels(fig, labels: list) -> None:
    """Put each label at a corner of its box (above the top-left one when it
    is free), the first labels first, where it overlaps the fewest placed
    labels and stays in the image. Call once the layout is final."""
    renderer = fig.canvas.get_renderer()
    placed = {}
    for ax, (x1, y1, x2, y2), text, color, fontsize in labels:
        # (x, y, ha, va): outside above, inside top, outside below, ...
        spots = [(x1, y1, 'left', 'bottom'), (x1, y1, 'left', 'top'),
                 (x1, y2, 'left', 'top'), (x2, y1, 'right', 'bottom'),
                 (x1, y2, 'left', 'bottom'), (x2, y2, 'right', 'top')]
        frame = ax.get_window_extent(renderer)
        best = None
        for x, y, ha, va in spots:
            t = ax.text(x, y, text, fontsize=fontsize, color='white', ha=ha,
                        va=va, clip_on=True, zorder=3,
                        bbox=dict(facecolor=color, edgecolor='none',
                                  alpha=0.8, pad=1))
            box = t.get_window_extent(renderer).expanded(1.05, 1.1)
            cost = sum(_overlap(box, other)
                       for other in placed.get(ax, ()))
            # a label cut by the image border is as bad as a covered one
            cost += box.width * box.height - _overlap(box, frame)
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, t, box)
            else:
                t.remove()
            if cost == 0:
                break
        placed.setdefault(ax, []).append(best[2])


def _overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def main() -> None:
    args = parse_args()
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    proposals = is_proposal_net(cfg)
    thr = args.score_thr
    if thr is None and not proposals:
        thr = 0.5
    if proposals:
        what = f'top {args.topk} proposals' + (
            f' with score >= {thr:g}' if thr is not None else '')
    else:
        what = f'predictions with score >= {thr:g}'

    model = init_detector(cfg, args.checkpoint, device=args.device)
    meta = model.dataset_meta or {}
    classes = meta.get('classes') or ()
    colors = class_colors(meta)
    samples = sample_images(cfg, args.num)
    if not samples:
        raise SystemExit('error: the test annotation file lists no image')
    # classes of the annotation file that the model does not know
    cycle = plt.get_cmap('tab10').colors
    for name in sorted({b[4] for _, gt in samples for b in gt} - set(colors)):
        colors[name] = cycle[len(colors) % len(cycle)]

    pairs = min(2, len(samples))  # image pairs per row
    rows = math.ceil(len(samples) / pairs)
    fig, axes = plt.subplots(rows, 2 * pairs, squeeze=False,
                             figsize=(3.4 * 2 * pairs, 3.5 * rows + 0.8),
                             dpi=130, layout='constrained')
    for ax in axes.flat:
        ax.set_axis_off()
    seen, labels = set(), []
    for i, (path, gt) in enumerate(samples):
        img = cv2.imread(path)
        if img is None:
            raise SystemExit(f'error: cannot read image {path}')
        result = inference_detector(model, img)
        rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        preds = select(result, classes, proposals, thr, args.topk)
        ax_gt, ax_pred = axes[i // pairs][2 * (i % pairs):2 * (i % pairs) + 2]
        ax_gt.set_axis_on()
        ax_pred.set_axis_on()
        labels += draw_boxes(
            ax_gt, rgb, [(*b[:4], b[4], b[4], b[5]) for b in gt], colors,
            f'{osp.basename(path)}: ground truth ({len(gt)})')
        if proposals:
            # scores of the top proposals are all ~1.00: number them
            boxes = [(*p[:5], f'#{k}', False) for k, p in enumerate(preds, 1)]
            title = 'proposals' + (
                f' ({len(preds)}, scores {preds[0][5]:.2f}-{preds[-1][5]:.2f})'
                if preds else ' (none)')
        else:
            boxes = [(*p[:5], f'{p[4]} {p[5]:.2f}', False) for p in preds]
            title = f'predictions ({len(preds)})'
            if not preds and len(result.pred_instances):
                top = result.pred_instances.scores.max().item()
                title = f'predictions (none; highest score {top:.2f})'
        labels += draw_boxes(ax_pred, rgb, boxes, colors, title)
        seen |= {b[4] for b in gt} | {p[4] for p in preds}

    handles = [Patch(facecolor=colors[name], label=name)
               for name in colors if name in seen]
    if proposals:
        handles.append(Patch(facecolor=PROPOSAL_COLOR,
                             label='proposal (#rank by score)'))
    if handles:
        fig.legend(handles=handles, loc='outside lower center',
                   ncols=min(len(handles), 7), frameon=False, fontsize=9)
    fig.suptitle(
        f'{osp.basename(args.config)}, {osp.basename(args.checkpoint)}\n'
        f'per image: ground truth (left), {what} (right)', fontsize=11)
    # fix the layout, then place the labels where they do not overlap
    fig.canvas.draw()
    fig.set_layout_engine('none')
    place_labels(fig, labels)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out)
    plt.close(fig)
    print(f'{len(samples)} images, ground truth and {what}, '
          f'written to {args.out}')


if __name__ == '__main__':
    main()
