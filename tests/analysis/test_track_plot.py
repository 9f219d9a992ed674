"""Tests of plugin/analysis/track_plot.py: sizes, legends, labels."""
import numpy as np
from matplotlib.colors import to_rgba
from PIL import Image

from plugin.analysis.track_plot import (draw_track_strip, plot_attributes,
                                        plot_success, write_track_gif)
from plugin.evaluation.ope import PRECISION_THRESHOLDS, SUCCESS_THRESHOLDS

# success curves with AUCs 5/12 and 20/21, given worst first
SUCCESS = {
    'bad': (SUCCESS_THRESHOLDS, np.array([.75] * 5 + [.5] * 5 + [.25] * 10 +
                                         [0.])),
    'good': (SUCCESS_THRESHOLDS, np.array([1.] * 20 + [0.])),
}
# precision at 20 px: 0.3 and 0.9, given best first
PRECISION = {
    'good': (PRECISION_THRESHOLDS, np.minimum(PRECISION_THRESHOLDS / 20 *
                                              .9, 1.)),
    'bad': (PRECISION_THRESHOLDS, PRECISION_THRESHOLDS / 50 * .75),
}


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_success_two_panels(tmp_path):
    out = tmp_path / 'ope.png'
    fig = plot_success(SUCCESS, str(out), 'shapes', precision=PRECISION)
    assert out.stat().st_size > 0
    assert Image.open(out).size == (1040, 460)  # 2 panels of 520 x 460
    success_ax, precision_ax = fig.axes
    assert _legend(success_ax) == ['good [0.952]', 'bad [0.417]']
    assert _legend(precision_ax) == ['good [0.900]', 'bad [0.300]']
    # one colour per tracker in both panels
    colours = {ln.get_label(): ln.get_color() for ln in success_ax.lines}
    assert {ln.get_label(): ln.get_color()
            for ln in precision_ax.lines} == {
                'good [0.900]': colours['good [0.952]'],
                'bad [0.300]': colours['bad [0.417]']}


def test_plot_success_alone(tmp_path):
    out = tmp_path / 'success.png'
    plot_success(SUCCESS, str(out))
    assert Image.open(out).size == (520, 460)


def test_plot_attributes(tmp_path):
    out = tmp_path / 'attributes.png'
    # 'bad' first: the bars keep this order, the legend ranks best first;
    # 'empty' has no frame, so NaN and no bars
    success = dict(bad=dict(occlusion=.2, fast=.4, empty=np.nan),
                   good=dict(occlusion=.6, fast=.8, empty=np.nan))
    fig = plot_attributes(success, dict(occlusion=12, fast=3, empty=0),
                          str(out), title='shapes')
    # 3 attributes x 2 trackers: 120 + 40 * 6 = 360 < 520 px
    assert Image.open(out).size == (520, 460)
    ax = fig.axes[0]
    assert _legend(ax) == ['good [0.700]', 'bad [0.300]']
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        'occlusion\n(12 frames)', 'fast\n(3 frames)', 'empty\n(0 frames)']
    bars = ax.patches
    # trackers in the given order, attributes in num_frames' order
    assert [round(b.get_height(), 3) for b in bars] == [.2, .4, 0, .6, .8, 0]
    assert [b.get_visible() for b in bars] == [True, True, False] * 2
    # the same colours as plot_success gives the same trackers
    curves = plot_success(SUCCESS, str(tmp_path / 's.png')).axes[0].lines
    colours = {ln.get_label().split()[0]: ln.get_color() for ln in curves}
    assert bars[0].get_facecolor() == bars[1].get_facecolor()
    assert bars[0].get_facecolor() == to_rgba(colours['bad'])
    assert bars[3].get_facecolor() == to_rgba(colours['good'])


def test_plot_attributes_wide(tmp_path):
    out = tmp_path / 'wide.png'
    success = {f't{i}': dict(a=.1 * i, b=.5, c=.5) for i in range(5)}
    plot_attributes(success, dict(a=1, b=2, c=3), str(out))
    # 120 + 40 * 15 bars
    assert Image.open(out).size == (720, 460)
    assert np.asarray(Image.open(out).convert('RGB')).std() > 0


def _video():
    frames = np.full((6, 60, 80, 3), 30, dtype=np.uint8)
    gt = np.array([[10 + i, 10, 30 + i, 30] for i in range(6)],
                  dtype=np.float32)
    preds = dict(static=np.repeat(gt[:1], 6, axis=0), exact=gt.copy())
    return frames, gt, preds


def test_draw_track_strip(tmp_path):
    frames, gt, preds = _video()
    out = tmp_path / 'strip.png'
    fig = draw_track_strip(frames, gt, preds, [0, 1, 2, 3, 5], str(out),
                           ncols=3)
    # 3 tiles of 320 px; rows: 28 title + 308 * 60 / 80 = 231 image + 6
    # pad = 265 px, twice, + 44 legend
    img = np.asarray(Image.open(out).convert('RGB'))
    assert img.shape == (2 * 265 + 44, 3 * 320, 3)
    assert img.std() > 0
    assert [ax.get_title() for ax in fig.axes] == [
        'frame 0', 'frame 1', 'frame 2', 'frame 3', 'frame 5']
    # static drifts 5 px off a 20 px box by frame 5: IoU 15*20 / 25*20
    assert [t.get_text() for t in fig.axes[4].texts] == [
        'static IoU 0.60', 'exact IoU 1.00']
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        'ground truth', 'static', 'exact']


def test_write_track_gif(tmp_path):
    frames, gt, preds = _video()
    out = tmp_path / 'track.gif'
    write_track_gif(frames, gt, dict(static=preds['static']), str(out),
                    scale=2)
    gif = Image.open(out)
    assert gif.size == (160, 120) and gif.n_frames == 6
    gif.seek(5)
    rgb = gif.convert('RGB')
    # x2 = 35 -> 70 scaled: the gt's right edge is the pixel column 69,
    # green; static's (x2 = 30) column 59, red; inside the box, background
    assert rgb.getpixel((69, 40)) == (0, 224, 0)
    assert rgb.getpixel((59, 40)) == (214, 39, 40)
    assert rgb.getpixel((64, 40)) == (30, 30, 30)
