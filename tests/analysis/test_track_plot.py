"""Tests of plugin/analysis/track_plot.py: sizes, legends, labels."""
import numpy as np
from PIL import Image

from plugin.analysis.track_plot import (draw_track_strip, plot_success,
                                        write_track_gif)
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
