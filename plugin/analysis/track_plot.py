"""Pictures of single-object tracking results.

* :func:`plot_success`: OTB's success plot (and precision plot beside it),
  each tracker's score in its legend entry, best first.
* :func:`plot_attributes`: the success AUC per attribute (OTB's attribute
  plots, as grouped bars), the frame count of each attribute under it.
* :func:`draw_track_strip`: a grid of a few frames with the gt box and each
  tracker's box, the frame index and each tracker's IoU on every tile.
* :func:`write_track_gif`: the whole sequence with the boxes, as a GIF.

Shapes: N frames of H x W, T thresholds, A attributes; boxes float xyxy in
continuous pixel coordinates; frames uint8 BGR (cv2's order).

Every function builds a ``matplotlib.figure.Figure`` of its own on the Agg
canvas: no pyplot, no global backend or state changes. Sizes are set in
pixels (see each function), so the PNG's size is known in advance.
"""
from typing import Dict, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..evaluation.ope import PRECISION_AT, box_iou_per_frame, success_auc
from .assignment_plot import GT_COLOUR

__all__ = [
    'plot_success', 'plot_attributes', 'draw_track_strip', 'write_track_gif'
]

Curve = Tuple[np.ndarray, np.ndarray]  # (T,) thresholds, (T,) values

# prediction colours: matplotlib's tab10 without its green (the gt's)
PRED_COLOURS = ('#d62728', '#1f77b4', '#ff7f0e', '#9467bd', '#17becf',
                '#e377c2', '#8c564b', '#bcbd22', '#7f7f7f')
DPI = 100  # every size below is in pixels; inches = pixels / DPI
PANEL_PX = (520, 460)  # one curve panel (width, height)
TILE_PX = 320  # tile width in draw_track_strip: a 320 px frame is legible
TITLE_PX = 28  # the "frame i" line above a tile
PAD_PX = 6  # margin left, right and below each tile's image
LEGEND_PX = 44  # band for the figure legend under the tiles


def _figure(width_px: int, height_px: int):
    """An Agg-backed Figure of exactly width_px x height_px at DPI."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _colour(i: int) -> str:
    """The i-th prediction colour, cycling."""
    return PRED_COLOURS[i % len(PRED_COLOURS)]


def _draw_curves(ax, curves: Mapping[str, Curve], colours: Dict[str, str],
                 score, fmt: str, xlabel: str, ylabel: str,
                 title: str) -> None:
    """One panel: the curves, the legend 'name [score]' by score, best
    first."""
    scored = sorted(((score(np.asarray(t), np.asarray(v)), name)
                     for name, (t, v) in curves.items()),
                    key=lambda sn: -sn[0])
    for value, name in scored:
        thresholds, values = curves[name]
        ax.plot(thresholds, values, color=colours[name], lw=2,
                label=f'{name} [{value:{fmt}}]')
    ax.set_xlim(float(np.min(curves[scored[0][1]][0])),
                float(np.max(curves[scored[0][1]][0])))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc='lower left' if 'Success' in title else 'lower right',
              fontsize=9)


def plot_success(curves: Mapping[str, Curve],
                 out_path: str,
                 title: str = '',
                 precision: Optional[Mapping[str, Curve]] = None):
    """Write OTB's success plot, with the precision plot beside it if given.

    The PNG is ``PANEL_PX`` (520 x 460) per panel, panels side by side.

    Args:
        curves: tracker name -> ((T,) overlap thresholds, (T,) success
            rates); the legend shows each AUC (the mean of the curve, as
            :func:`plugin.evaluation.success_auc`), highest first.
        out_path: the PNG's path.
        title: a line above the panels ('' for none).
        precision: tracker name -> ((T,) px thresholds, (T,) precision);
            the legend shows the precision at 20 px, highest first.

    Returns:
        The ``matplotlib.figure.Figure`` (already written).
    """
    panels = 1 if precision is None else 2
    fig = _figure(PANEL_PX[0] * panels, PANEL_PX[1])
    axes = fig.subplots(1, panels, squeeze=False)[0]
    # a colour per tracker, the same in both panels
    names = list(dict.fromkeys(list(curves) + list(precision or {})))
    colours = {name: _colour(i) for i, name in enumerate(names)}
    _draw_curves(axes[0], curves, colours, lambda t, v: success_auc(v),
                 '.3f', 'Overlap threshold', 'Success rate',
                 'Success plot of OPE (AUC)')
    if precision is not None:
        _draw_curves(axes[1], precision, colours,
                     lambda t, v: float(np.interp(PRECISION_AT, t, v)), '.3f',
                     'Location error threshold (px)', 'Precision',
                     f'Precision plot of OPE (at {PRECISION_AT} px)')
    if title:
        fig.suptitle(title)
        fig.subplots_adjust(top=0.86, bottom=0.12, left=0.08, right=0.98,
                            wspace=0.22)
    else:
        fig.subplots_adjust(top=0.92, bottom=0.12, left=0.08, right=0.98,
                            wspace=0.22)
    fig.savefig(out_path, dpi=DPI)
    return fig


def plot_attributes(success: Mapping[str, Mapping[str, float]],
                    num_frames: Mapping[str, int],
                    out_path: str,
                    title: str = ''):
    """Write the success AUC per attribute as grouped bars.

    One group per attribute, labelled with its name and frame count; in a
    group one bar per tracker, in :func:`plot_success`'s colours (the
    trackers in the given order) with :func:`plot_success`'s legend
    ('name [score]', best first; the score is the mean of the tracker's
    attribute AUCs). An attribute without frames (NaN AUC) gets no bars.
    The PNG is ``max(PANEL_PX[0], 120 + 40 * A * K)`` px wide for A
    attributes and K trackers, and ``PANEL_PX[1]`` (460) high.

    Args:
        success: tracker name -> attribute name -> AUC (per tracker, the
            first dict :func:`plugin.evaluation.ope.attribute_success`
            returns).
        num_frames: attribute name -> frames flagged with it; its keys'
            order is the groups' order.
        out_path: the PNG's path.
        title: a line above the panel ('' for none).

    Returns:
        The ``matplotlib.figure.Figure`` (already written).
    """
    attributes = list(num_frames)
    names = list(success)
    # 40 px a bar, but never narrower than a success panel
    width = max(PANEL_PX[0], 120 + 40 * len(attributes) * len(names))
    fig = _figure(width, PANEL_PX[1])
    ax = fig.subplots()
    colours = {name: _colour(i) for i, name in enumerate(names)}
    values = {
        name: np.array([success[name].get(a, np.nan) for a in attributes],
                       dtype=np.float64)
        for name in names
    }
    # the bars of a group fill 0.8 of the unit between group centres
    bar = 0.8 / max(1, len(names))
    centres = np.arange(len(attributes))
    handles, labels = {}, {}
    for i, name in enumerate(names):
        v = values[name]
        container = ax.bar(centres - 0.4 + bar * (i + 0.5),
                           np.nan_to_num(v, nan=0.), width=bar,
                           color=colours[name])
        for patch, value in zip(container.patches, v):
            patch.set_visible(not np.isnan(value))  # no frames: no bar
        finite = v[~np.isnan(v)]
        score = float(finite.mean()) if len(finite) else np.nan
        handles[name] = container
        labels[name] = (score, f'{name} [{score:.3f}]')
    # best first as in plot_success; a tracker without scores goes last
    ranked = sorted(names, key=lambda n: -np.nan_to_num(labels[n][0],
                                                        nan=-np.inf))
    ax.set_xticks(centres)
    ax.set_xticklabels([f'{a}\n({num_frames[a]} frames)'
                        for a in attributes])
    ax.set_xlim(-0.6, len(attributes) - 0.4)
    # headroom above 1 for the legend's rows, about 220 px an entry
    ncol = max(1, min(len(names), (width - 80) // 220))
    rows = -(-len(names) // ncol)
    ax.set_ylim(0, 1.06 + 0.09 * rows)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel('Success AUC')
    ax.set_title('Success of OPE per attribute (AUC)')
    ax.grid(alpha=0.3, axis='y')
    if names:
        ax.legend([handles[n] for n in ranked],
                  [labels[n][1] for n in ranked], loc='upper center',
                  ncol=ncol, fontsize=9)
    if title:
        fig.suptitle(title)
    # margins in pixels, so a wider figure keeps the same frame
    fig.subplots_adjust(top=0.86 if title else 0.92, bottom=0.14,
                        left=60 / width, right=1 - 12 / width)
    fig.savefig(out_path, dpi=DPI)
    return fig


def draw_track_strip(frames: np.ndarray,
                     gt: np.ndarray,
                     preds: Mapping[str, np.ndarray],
                     indices: Sequence[int],
                     out_path: str,
                     ncols: int = 4):
    """Write a grid of frames with the gt and every tracker's box.

    Each tile is the frame scaled to ``TILE_PX - 2 * PAD_PX`` = 308 px wide,
    'frame i' above it and, in its top-left corner, each tracker's IoU with
    the gt in white on the tracker's colour. The PNG is ``ncols * TILE_PX``
    wide and ``round(rows * (TITLE_PX + 308 * H / W + PAD_PX) + LEGEND_PX)``
    high.

    Args:
        frames: (N, H, W, 3) uint8 BGR.
        gt: (N, 4) xyxy, drawn green.
        preds: tracker name -> (N, 4) xyxy, each in its own colour.
        indices: the frames to show, in order.
        out_path: the PNG's path.
        ncols: tiles per row (fewer if there are fewer indices).

    Returns:
        The ``matplotlib.figure.Figure`` (already written).
    """
    from matplotlib.patches import Rectangle

    indices = [int(i) for i in indices]
    ncols = max(1, min(ncols, len(indices)))
    nrows = -(-len(indices) // ncols)
    height, width = frames.shape[1:3]
    img_w = TILE_PX - 2 * PAD_PX
    img_h = img_w * height / width
    tile_h = TITLE_PX + img_h + PAD_PX
    fig_w, fig_h = ncols * TILE_PX, int(round(nrows * tile_h + LEGEND_PX))
    fig = _figure(fig_w, fig_h)
    ious = {name: box_iou_per_frame(np.asarray(p), np.asarray(gt))
            for name, p in preds.items()}
    colours = {name: _colour(i) for i, name in enumerate(preds)}
    handles = {}
    for k, idx in enumerate(indices):
        r, c = divmod(k, ncols)
        # axes placed in pixels, from the top-left corner
        left = c * TILE_PX + PAD_PX
        top = r * tile_h + TITLE_PX
        ax = fig.add_axes((left / fig_w, 1 - (top + img_h) / fig_h,
                           img_w / fig_w, img_h / fig_h))
        ax.imshow(frames[idx][..., ::-1], extent=(0, width, height, 0),
                  interpolation='nearest')
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f'frame {idx}', fontsize=11, pad=3)
        boxes = [('ground truth', gt[idx], GT_COLOUR, 2.5, '-')]
        boxes += [(name, p[idx], colours[name], 1.8, '--')
                  for name, p in preds.items()]
        for name, box, colour, lw, ls in boxes:
            x1, y1, x2, y2 = (float(v) for v in box)
            if not np.isfinite([x1, y1, x2, y2]).all():
                continue
            handles[name] = ax.add_patch(
                Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                          edgecolor=colour, lw=lw, ls=ls, label=name))
        for j, name in enumerate(preds):
            iou = ious[name][idx]
            text = 'IoU -' if np.isnan(iou) else f'IoU {iou:.2f}'
            ax.text(0.02, 0.98 - 0.1 * j, f'{name} {text}',
                    transform=ax.transAxes, va='top', ha='left',
                    fontsize=9, color='white',
                    bbox=dict(facecolor=colours[name], alpha=0.85, lw=0,
                              pad=1.5))
    fig.legend(list(handles.values()), list(handles.keys()),
               loc='lower center', ncol=min(len(handles), 5),
               fontsize=10, frameon=False,
               bbox_to_anchor=(0.5, 2 / fig_h))
    fig.savefig(out_path, dpi=DPI)
    return fig


def _bgr(colour: str) -> Tuple[int, int, int]:
    """'#rrggbb' -> (b, g, r) ints for cv2."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return b, g, r


def write_track_gif(frames: np.ndarray,
                    gt: np.ndarray,
                    preds: Mapping[str, np.ndarray],
                    out_path: str,
                    fps: float = 10.,
                    scale: int = 2) -> None:
    """Write the sequence with the boxes as a looping GIF.

    Each GIF frame is ``(scale * H, scale * W)``; the gt is green, each
    tracker in its :func:`draw_track_strip` colour, with its name in that
    colour in the top-left corner under the frame index.

    Args:
        frames: (N, H, W, 3) uint8 BGR.
        gt: (N, 4) xyxy.
        preds: tracker name -> (N, 4) xyxy.
        out_path: the GIF's path.
        fps: playback speed.
        scale: integer upscaling (nearest), so small frames stay visible.
    """
    from PIL import Image

    colours = {name: _bgr(_colour(i)) for i, name in enumerate(preds)}
    images = []
    for idx, frame in enumerate(frames):
        img = cv2.resize(frame, None, fx=scale, fy=scale,
                         interpolation=cv2.INTER_NEAREST)
        boxes = [(gt[idx], _bgr(GT_COLOUR), 2)]
        boxes += [(p[idx], colours[name], 1) for name, p in preds.items()]
        for box, colour, thickness in boxes:
            box = np.asarray(box, dtype=np.float64) * scale
            if not np.isfinite(box).all():
                continue
            x1, y1, x2, y2 = np.round(box).astype(int)
            # cv2's rectangle includes its end pixel: [x1, x2) is x2 - 1
            cv2.rectangle(img, (x1, y1), (x2 - 1, y2 - 1), colour, thickness)
        lines = [(f'#{idx}', (255, 255, 255))] + [
            (name, colours[name]) for name in preds]
        for j, (text, colour) in enumerate(lines):
            cv2.putText(img, text, (4, 14 + 14 * j), cv2.FONT_HERSHEY_SIMPLEX,
                        0.4, colour, 1, cv2.LINE_AA)
        images.append(Image.fromarray(img[..., ::-1]))
    images[0].save(out_path, save_all=True, append_images=images[1:],
                   duration=int(round(1000 / fps)), loop=0)
