r"""Plot the training losses and validation metrics of mmengine runs.

    python tools/plot_curves.py WORK_DIR [WORK_DIR ...] --out curves.png \
        [--labels a b ...] [--metrics coco/bbox_mAP ...] [--smooth 5]

Each WORK_DIR is a work dir of tools/train.py (every ``<timestamp>/`` in it
is read, in time order, so that a resumed training continues its first
run), one ``<timestamp>`` dir, or a ``scalars.json`` file. The scalars come
from mmengine's LocalVisBackend (``<timestamp>/vis_data/scalars.json``): a
JSON object per line, training lines with ``iter``, ``lr`` and the ``loss*``
terms, validation lines with the metrics (``coco/bbox_mAP``, ...) and
``step`` = the epoch. One subplot per loss term (x: iteration) and per
metric (x: epoch), one line per WORK_DIR: e.g. plugin's head against
mmdet's, trained with the same config.

Only json and matplotlib are needed: the functions here (``load_scalars``,
``plot_curves``) work on any mmengine work dir.
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import re
import sys

# keys of a training line that are not series (iter is the step)
_TRAIN_META = ('step', 'iter')
# keys of a validation line that are not metrics
_VAL_META = ('step', 'time', 'data_time', 'iter', 'epoch')
# COCO's per-size entries: bbox_mAP_s, AR_m@1000, ...
_PER_SIZE = re.compile(r'_[sml](@\d+)?$')


class NoScalarsError(FileNotFoundError):
    """A path without any mmengine scalars.json under it."""


def find_scalar_files(path: str) -> list:
    """The ``scalars.json`` files of ``path``, oldest run first.

    ``path`` is a scalars.json, a run's ``<timestamp>`` (or its
    ``vis_data``) dir, or a work dir holding ``<timestamp>`` dirs.
    """
    if osp.isfile(path):
        return [path]
    for rel in ('scalars.json', osp.join('vis_data', 'scalars.json')):
        if osp.isfile(osp.join(path, rel)):
            return [osp.join(path, rel)]
    # mmengine names the run dirs %Y%m%d_%H%M%S: name order is time order
    files = sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')),
                   key=lambda f: osp.basename(osp.dirname(osp.dirname(f))))
    if not files:
        what = 'directory' if osp.isdir(path) else 'path (does not exist)'
        raise NoScalarsError(
            f'no training logs in {what} {path!r}: expected '
            f'{osp.join(path, "<timestamp>", "vis_data", "scalars.json")} '
            '(written by mmengine\'s LocalVisBackend during tools/train.py), '
            'a <timestamp> dir or a scalars.json file')
    return files


def _series(table: dict) -> dict:
    """``{key: {step: value}}`` -> ``{key: (steps, values)}``, by step."""
    out = {}
    for key in table:  # in the order of the log
        steps = sorted(table[key])
        out[key] = (steps, [table[key][s] for s in steps])
    return out


def read_scalars(file: str):
    """One ``scalars.json``: ``(train, val)``, each ``{key: {step:
    value}}``. Training lines are those with an ``iter``; the others
    (validation) are keyed by their ``step``."""
    train, val = {}, {}
    with open(file) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                # a run killed while writing leaves a partial last line
                print(f'warning: skipped unreadable line {lineno} of {file}',
                      file=sys.stderr)
                continue
            is_train = 'iter' in record
            step = record.get('step', record.get('iter'))
            if step is None:
                continue
            table, meta = (train, _TRAIN_META) if is_train else (val,
                                                                 _VAL_META)
            for key, value in record.items():
                if key in meta or isinstance(value, bool) or \
                        not isinstance(value, (int, float)):
                    continue
                table.setdefault(key, {})[step] = value
    return train, val


def _first_step(table: dict):
    return min((min(steps) for steps in table.values() if steps),
               default=None)


def load_scalars(path: str):
    """The training and validation series of one work dir.

    Returns ``(train, val)``, each ``{key: (steps, values)}`` with the steps
    ascending. ``train`` holds every number of the training lines (``loss``,
    ``loss_*``, ``lr``, ``epoch``, ...) by iteration; ``val`` the metrics of
    the validation lines (``coco/bbox_mAP``, ...) by their ``step`` (the
    epoch in an epoch-based loop).

    The runs of a work dir are merged oldest first, a later run's value
    replacing an earlier one at the same step (a resumed training repeats
    the steps after its checkpoint). A run whose training starts again at
    or before the first logged iteration is a new training in the same work
    dir, not a resume: it replaces the earlier runs.
    """
    train, val = {}, {}
    for file in find_scalar_files(path):
        run_train, run_val = read_scalars(file)
        first, so_far = _first_step(run_train), _first_step(train)
        if first is not None and so_far is not None and first <= so_far:
            print(f'note: {file} is a new training (from iteration '
                  f'{first}): the runs before it are left out',
                  file=sys.stderr)
            train, val = {}, {}
        for merged, run in ((train, run_train), (val, run_val)):
            for key, values in run.items():
                merged.setdefault(key, {}).update(values)
    return _series(train), _series(val)


def loss_keys(trains: list) -> list:
    """The loss terms of all runs: ``loss`` first, then as logged."""
    keys = []
    for train in trains:
        keys += [k for k in train if k.startswith('loss') and k not in keys]
    return sorted(keys, key=lambda k: k != 'loss')


def default_metrics(vals: list) -> list:
    """The ``coco/*`` metrics present (any ``prefix/*`` when there is no
    COCO one), without the per-size ones (``_s``, ``_m``, ``_l``)."""
    keys = {k for val in vals for k in val}
    coco = [k for k in keys if k.startswith('coco/')]
    keys = coco or [k for k in keys if '/' in k]
    keys = [k for k in keys if not _PER_SIZE.search(k)]
    # by family in the order of the logs, then mAP, mAP_50, mAP_75 and
    # AR@100, AR@300, AR@1000
    families = []
    for val in vals:
        families += [_family(k)[0] for k in val if _family(k)[0] not in
                     families]
    return sorted(keys, key=lambda k: (families.index(_family(k)[0]),
                                       _family(k)[1], k))


def _family(key: str):
    """``coco/bbox_mAP_50`` -> ``('coco/bbox_mAP', 50)``."""
    num = re.search(r'[_@](\d+)$', key)
    return (key[:num.start()], int(num.group(1))) if num else (key, -1)


def resolve_metrics(wanted: list, vals: list) -> list:
    """``--metrics``: full keys, or the part after ``prefix/``."""
    keys = {k for val in vals for k in val}
    out = []
    for w in wanted:
        match = [w] if w in keys else sorted(
            k for k in keys if k.split('/', 1)[-1] == w)
        if not match:
            raise SystemExit(f'error: metric {w!r} is in no log; there are: '
                             f'{", ".join(sorted(keys)) or "none"}')
        out += [k for k in match if k not in out]
    return out


def moving_average(values: list, window: int) -> list:
    """Centred mean over ``window`` points, narrower at the ends."""
    n, window = len(values), max(window, 1)
    cum = [0.0]
    for v in values:
        cum.append(cum[-1] + v)
    out = []
    for i in range(n):
        lo, hi = max(0, i - (window - 1) // 2), min(n, i + window // 2 + 1)
        out.append((cum[hi] - cum[lo]) / (hi - lo))
    return out


def default_labels(paths: list) -> list:
    """Each path's work dir name, with its parent's where two clash."""
    def work_dir(p):
        p = osp.abspath(p)
        if osp.isfile(p):
            p = osp.dirname(p)  # .../<timestamp>/vis_data
        if osp.basename(p) == 'vis_data':
            p = osp.dirname(p)
        if re.fullmatch(r'\d{8}_\d{6}', osp.basename(p)):
            p = osp.dirname(p)
        return p

    dirs = [work_dir(p) for p in paths]
    labels = [osp.basename(d) for d in dirs]
    for i, label in enumerate(labels):
        if len({d for d in dirs if osp.basename(d) == label}) > 1:
            labels[i] = osp.join(osp.basename(osp.dirname(dirs[i])), label)
    return labels


def plot_curves(runs: list, out: str, metrics: list = None, smooth: int = 5,
                logy: str = 'auto', dpi: int = 120, title: str = None):
    """Draw ``runs`` (``[(label, train, val), ...]``, as ``load_scalars``
    gives) into the PNG ``out``: a row of loss subplots (raw values faint,
    their moving average over ``smooth`` logged points solid), then a row of
    metric subplots (per epoch, with markers)."""
    import matplotlib

    trains = [r[1] for r in runs]
    vals = [r[2] for r in runs]
    losses = loss_keys(trains)
    metrics = default_metrics(vals) if metrics is None else metrics
    if not losses and not metrics:
        raise SystemExit('error: the logs hold no loss and no metric')
    # no pyplot: no backend, no global state touched
    with matplotlib.rc_context({'font.size': 10, 'axes.titlesize': 11,
                                'legend.fontsize': 9}):
        _draw(runs, out, losses, metrics, smooth, logy, dpi, title)


def _draw(runs, out, losses, metrics, smooth, logy, dpi, title):
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import (FormatStrFormatter, LogLocator,
                                   MaxNLocator, NullFormatter)

    # epoch-based loops: training lines carry the epoch, val step = epoch
    by_epoch = any('epoch' in r[1] for r in runs) or not runs
    ncols = max(1, min(4, max(len(losses), len(metrics))))
    loss_rows = math.ceil(len(losses) / ncols)
    metric_rows = math.ceil(len(metrics) / ncols)
    rows = loss_rows + metric_rows
    fig = Figure(figsize=(4.2 * ncols, 3.3 * rows + 0.6),
                 layout='constrained')
    axes = fig.subplots(rows, ncols, squeeze=False)
    for ax in axes.flat:
        ax.set_visible(False)
    colors = matplotlib.rcParams['axes.prop_cycle'].by_key()['color']
    color = {label: colors[i % len(colors)]
             for i, (label, _, _) in enumerate(runs)}

    any_smoothed = False
    for i, key in enumerate(losses):
        ax = axes[i // ncols][i % ncols]
        ax.set_visible(True)
        lows, highs = [], []
        for label, train, _ in runs:
            if key not in train:
                continue
            steps, values = train[key]
            smoothed = len(steps) > 2 and smooth > 1
            # too few points to average: the raw values, solid
            ax.plot(steps, values, color=color[label],
                    alpha=0.3 if smoothed else 1.0, lw=1 if smoothed else 1.6,
                    marker='o' if len(steps) < 10 else None, ms=3)
            if smoothed:
                any_smoothed = True
                ax.plot(steps, moving_average(values, smooth),
                        color=color[label], lw=1.8)
            finite = [v for v in values if v == v and abs(v) != math.inf]
            lows += [v for v in finite if v > 0]
            highs += finite
        if logy == 'log' or (logy == 'auto' and lows and highs and
                             len(lows) == len(highs) and
                             max(highs) / min(lows) > 30):
            ax.set_yscale('log')
            # ticks at 0.01, 0.02, 0.05, 0.1, written so, not as 2x10^-2
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FormatStrFormatter('%g'))
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_title('loss (total)' if key == 'loss' else key)
        ax.set_xlabel('iteration')
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.grid(True, alpha=0.3, which='both' if ax.get_yscale() == 'log'
                else 'major')

    for i, key in enumerate(metrics):
        ax = axes[loss_rows + i // ncols][i % ncols]
        ax.set_visible(True)
        handles = []
        for label, _, val in runs:
            if key not in val:
                continue
            steps, values = val[key]
            # COCO reports -1 where an area range has no object
            values = [math.nan if v == -1 else v for v in values]
            ax.plot(steps, values, color=color[label], lw=1.6, marker='o',
                    ms=4)
            finite = [(v, -s) for s, v in zip(steps, values) if v == v]
            if finite:  # the highest value, at its first step
                best, at = max(finite)
                at = -at
                handles.append(Line2D(
                    [], [], color=color[label], marker='o', ms=4,
                    label=f'max {best:.3f} (ep {at})' if by_epoch else
                    f'max {best:.3f} ({at})'))
        ax.set_title(key)
        ax.set_xlabel('epoch' if by_epoch else 'iteration')
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        if handles:
            ax.legend(handles=handles, loc='lower right', frameon=True)

    handles = [Line2D([], [], color=color[label], lw=2, label=label)
               for label, _, _ in runs]
    if any_smoothed:
        handles += [
            Line2D([], [], color='0.4', lw=1, alpha=0.4, label='loss: raw'),
            Line2D([], [], color='0.4', lw=1.8,
                   label=f'loss: moving average of {smooth} log points')]
    # the title on the legend: a suptitle would overlap an outside legend
    fig.legend(handles=handles, loc='outside upper center',
               ncols=min(len(handles), 4), frameon=False, title=title,
               title_fontsize=12)
    out_dir = osp.dirname(osp.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    fig.savefig(out, dpi=dpi)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[1:]))
    parser.add_argument('work_dirs', nargs='+', metavar='WORK_DIR',
                        help='a work dir, a <timestamp> dir or a '
                        'scalars.json; one line per WORK_DIR')
    parser.add_argument('--out', default='curves.png', help='the PNG')
    parser.add_argument('--labels', nargs='+',
                        help='one per WORK_DIR (default: the dir names)')
    parser.add_argument('--metrics', nargs='+',
                        help='validation metrics to plot (e.g. coco/bbox_mAP '
                        'or bbox_mAP; default: the coco/* ones present, '
                        'without the per-size _s/_m/_l ones)')
    parser.add_argument('--smooth', type=int, default=5,
                        help='moving-average window, in logged points '
                        '(1: off)')
    parser.add_argument('--logy', choices=['auto', 'log', 'linear'],
                        default='auto', help='loss axes (auto: log when the '
                        'values span more than 30x)')
    parser.add_argument('--title', help='a title above the plots')
    parser.add_argument('--dpi', type=int, default=120,
                        help='resolution of the PNG (default 120)')
    args = parser.parse_args(argv)
    if args.labels and len(args.labels) != len(args.work_dirs):
        parser.error(f'{len(args.labels)} --labels for '
                     f'{len(args.work_dirs)} work dirs')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    labels = args.labels or default_labels(args.work_dirs)
    runs = []
    for label, path in zip(labels, args.work_dirs):
        try:
            train, val = load_scalars(path)
        except NoScalarsError as e:
            raise SystemExit(f'error: {e}')
        runs.append((label, train, val))
    vals = [r[2] for r in runs]
    metrics = resolve_metrics(args.metrics, vals) if args.metrics else None
    plot_curves(runs, args.out, metrics, args.smooth, args.logy, args.dpi,
                args.title)
    for label, train, val in runs:
        last = train.get('loss', ([], []))[0]
        print(f'{label}: {len(last)} loss points'
              f'{f" to iteration {last[-1]}" if last else ""}, '
              f'{len(next(iter(val.values()), ([], []))[0])} validations')
    print(f'curves written to {args.out}')


if __name__ == '__main__':
    main()
