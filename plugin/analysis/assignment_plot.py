"""Draw an :class:`ImageAssignment` and tabulate positives per gt and level.

* :func:`draw_assignment`: one PNG per image, one panel per level (and per
  quantity for AutoAssign): the image, its gts numbered, a heat overlay with
  a colour bar, marked anchors/points, a legend.
* :func:`summarise` / :func:`format_table`: per image and in total, each
  gt's positives per level and the gts with none, as JSON-ready dicts and
  as text.
"""
import textwrap
from typing import Dict, List, Sequence

import numpy as np

from .assignment import PEAK_SCORE_THR, ImageAssignment

# Marker colours by legend name (matplotlib's tab10); anything else grey.
POINT_STYLE = {
    'ignored (IoU between the thresholds)': dict(c='#bbbbbb', s=3),
    'sampled negative': dict(c='#1f77b4', s=6),
    'positive (anchor centre)': dict(c='#d62728', s=14),
    'centre cell (owns wh/offset)': dict(c='#2ca02c', s=40, marker='x'),
    'centre cell (shared, no wh/offset)': dict(c='#ff7f0e', s=40,
                                               marker='x'),
    'candidate point': dict(c='white', s=4),
    f'decoded peak (score >= {PEAK_SCORE_THR})': dict(c='#17becf', s=50,
                                                     marker='+'),
}
GT_COLOUR = '#00e000'
PANEL_INCHES = 4.2  # side of one panel: a 320 px image stays legible


def draw_assignment(assignment: ImageAssignment, image: np.ndarray,
                    classes: Sequence[str], title: str, out: str) -> None:
    """Write the panels of one image's assignment as a PNG.

    Args:
        assignment: what :func:`collect_assignment` returned.
        image: (H, W, 3) uint8 RGB, the image as the head saw it (after the
            pipeline, before normalisation and padding).
        classes: class names, for the gt labels.
        title: the figure's first title line (image, split, model).
        out: the PNG's path.
    """
    # a Figure of its own, not pyplot's: no global backend or state changes
    from matplotlib.figure import Figure

    rows = assignment.panels
    if all(len(r) == 1 for r in rows):  # one panel a level: fill a grid
        flat = [r[0] for r in rows]
        ncols = 2 if len(flat) in (2, 4) else min(3, len(flat))
        rows = [flat[i:i + ncols] for i in range(0, len(flat), ncols)]
    ncols = max(len(r) for r in rows)
    # constrained layout keeps titles, colour bars and the legend apart
    fig = Figure(layout='constrained',
                 figsize=(PANEL_INCHES * ncols * 1.15,
                          PANEL_INCHES * len(rows) + 1.4))
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    height, width = image.shape[:2]
    for r, row in enumerate(rows):
        for c in range(ncols):
            ax = axes[r][c]
            if c >= len(row):
                ax.axis('off')
                continue
            _draw_panel(fig, ax, row[c], image, assignment, classes)
            ax.set_xlim(0, width)
            ax.set_ylim(height, 0)
    # one legend for the figure: the panels share their markers
    legend = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    if legend:
        fig.legend(legend.values(), legend.keys(), loc='outside lower center',
                   ncol=min(len(legend), 4), fontsize=9, markerscale=2,
                   frameon=False)
    missing = assignment.without_positive
    lines = [title, textwrap.fill(assignment.caption, 140),
             f'{len(assignment.gt_labels)} gts; without a positive: '
             + (', '.join(f'gt {g}' for g in missing) if missing else 'none')]
    fig.suptitle('\n'.join(lines), fontsize=11)
    fig.savefig(out, dpi=100)


def _draw_panel(fig, ax, panel, image: np.ndarray,
                assignment: ImageAssignment, classes: Sequence[str]) -> None:
    from matplotlib.patches import Rectangle

    ax.imshow(image, alpha=0.6 if panel.heat is not None else 1.0)
    if panel.heat is not None:
        # (near) zeros transparent, e.g. outside every gt, so the image
        # shows: below 1 % of the colour bar's range
        vmin, vmax = panel.heat_range
        heat = np.ma.masked_less(panel.heat, vmin + 0.01 * (vmax - vmin)) \
            if panel.mask_zero else panel.heat
        shown = ax.imshow(heat, extent=panel.heat_extent, cmap='magma',
                          alpha=0.6, vmin=vmin, vmax=vmax,
                          interpolation='nearest')
        bar = fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.02)
        bar.set_label(panel.heat_label)
    for name, pts in panel.points.items():
        if len(pts):
            style = dict(c='#7f7f7f', s=8)
            style.update(POINT_STYLE.get(name, {}))
            ax.scatter(pts[:, 0], pts[:, 1], label=name,
                       linewidths=1.2 if style.get('marker') in ('x', '+')
                       else 0,
                       **style)
    for name, boxes in panel.boxes.items():
        for x1, y1, x2, y2 in boxes:
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                                   ec='#ffdd00', lw=1, ls='--', label=name))
    for g, ((x1, y1, x2, y2), label) in enumerate(
            zip(assignment.gt_bboxes, assignment.gt_labels)):
        none = assignment.positives[g].sum() == 0
        colour = '#ff00ff' if none else GT_COLOUR
        # repeated labels are merged by the figure's legend
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                               ec=colour, lw=1.5,
                               label='gt without positive' if none else 'gt'))
        ax.text(x1, y1 - 1, f'{g}:{_class_name(classes, label)}',
                color=colour, fontsize=7, va='bottom',
                bbox=dict(fc='black', alpha=0.5, pad=0.5, lw=0))
    ax.set_title(textwrap.fill(panel.title, 52), fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def _class_name(classes: Sequence[str], label: int) -> str:
    """The class name of ``label``, or the label itself past the list."""
    return classes[label] if label < len(classes) else str(label)


def summarise(records: List[Dict], classes: Sequence[str]) -> Dict:
    """Per image and total positives of each gt, JSON-ready.

    Args:
        records: per image ``dict(image=..., img_id=..., assignment=...)``.
        classes: class names.

    Returns:
        dict: ``images`` (per image: gts with box, class, positives per
        level, total, note; ``without_positive``) and ``total`` (gts, gts
        without positive, positives per level, mean per gt).
    """
    images, level_names = [], None
    per_level, num_gts, missing = None, 0, 0
    for rec in records:
        a = rec['assignment']
        level_names = a.level_names
        if per_level is None:
            per_level = np.zeros(len(level_names), dtype=np.int64)
        gts = []
        for g, (box, label) in enumerate(zip(a.gt_bboxes, a.gt_labels)):
            gts.append(dict(
                index=g, label=int(label),
                name=_class_name(classes, label),
                box=[round(float(v), 1) for v in box],
                size=[round(float(box[2] - box[0]), 1),
                      round(float(box[3] - box[1]), 1)],
                positives=dict(zip(level_names,
                                   a.positives[g].astype(int).tolist())),
                total=int(a.positives[g].sum()),
                note=a.notes[g]))
        per_level += a.positives.sum(0).astype(np.int64) if len(gts) else 0
        num_gts += len(gts)
        missing += len(a.without_positive)
        images.append(dict(image=rec['image'], img_id=rec['img_id'],
                           head=a.head, gts=gts,
                           without_positive=a.without_positive))
    level_names = level_names or []
    per_level = per_level if per_level is not None else np.zeros(0)
    return dict(
        images=images,
        total=dict(
            images=len(images), gts=num_gts, gts_without_positive=missing,
            positives_per_level=dict(zip(level_names,
                                         per_level.astype(int).tolist())),
            mean_positives_per_gt=round(
                float(per_level.sum()) / max(num_gts, 1), 2)))


def format_table(summary: Dict) -> str:
    """The summary as a fixed-width text table."""
    out = []
    levels = list(summary['total']['positives_per_level'])
    head = f'{"gt":>4} {"class":<10} {"w x h":>13} ' + ' '.join(
        f'{name:>9}' for name in levels) + f' {"total":>6}  note'
    for img in summary['images']:
        out.append(f'{img["image"]} (id {img["img_id"]}, '
                   f'{len(img["gts"])} gts, {len(img["without_positive"])} '
                   f'without a positive)')
        out.append(head)
        for gt in img['gts']:
            w, h = gt['size']
            out.append(
                f'{gt["index"]:>4} {gt["name"][:10]:<10} '
                f'{f"{w:g} x {h:g}":>13} ' + ' '.join(
                    f'{gt["positives"][name]:>9}' for name in levels) +
                f' {gt["total"]:>6}  {gt["note"]}')
        out.append('')
    t = summary['total']
    out.append(
        f'total: {t["images"]} images, {t["gts"]} gts, '
        f'{t["gts_without_positive"]} without a positive, '
        f'{t["mean_positives_per_gt"]} positives per gt; per level: ' +
        ', '.join(f'{k} {v}' for k, v in t['positives_per_level'].items()))
    return '\n'.join(out)

