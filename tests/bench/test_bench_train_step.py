"""bench/bench_train_step.py, run in-process on the AutoAssign shapes config
at a tiny size (batch 1 x 2 gts, 64x64, one step): it builds plugin's and
mmdet's detectors on the same weights, times one training step of each and
prints both, the ratio and the peak memory of each."""
import importlib
import os.path as osp
import re

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'shapes', 'autoassign_shapes.py')
# what the stand-in for benchlib.peak_memory_mib returns, per call
PEAKS = {'plugin': 11.0, 'mmdet': 22.0}


@pytest.fixture
def bench(monkeypatch):
    """The script as a module (it imports benchlib from bench/), with
    benchlib.peak_memory_mib replaced: the real one fixes glibc's mmap
    threshold for the rest of the process, which would slow the tests that
    run after this one. The stand-in still runs the step."""
    monkeypatch.syspath_prepend(osp.join(ROOT, 'bench'))
    module = importlib.import_module('bench_train_step')
    peaks = iter(PEAKS.values())  # plugin's step is measured first

    def peak_memory_mib(run, device):
        run()
        return next(peaks)

    monkeypatch.setattr(module.benchlib, 'peak_memory_mib', peak_memory_mib)
    return module


def test_prints_both_models_ratio_and_memory(bench, capsys, single_thread):
    bench.main([CONFIG, '--batch', '1', '--size', '64', '--gts', '2',
                '--steps', '1', '--warmup', '0'])
    out = capsys.readouterr().out

    assert re.search(r'^  plugin : plugin\.models\.dense_heads\.\S+\.'
                     r'AutoAssignHead$', out, re.M), out
    assert re.search(r'^  mmdet  : mmdet\.models\.dense_heads\.\S+\.'
                     r'AutoAssignHead$', out, re.M), out
    assert ', cpu, 1 threads, fp32\n' in out
    assert 'batch 1 x 2 gts, 64x64, 6 classes, 1 timed steps after 0 ' \
           'warm-up\n' in out
    # same weights and batch: the same loss (mmdet's is repeatable on one
    # thread; its loss_neg differs from plugin's by ~2e-7 relative)
    loss = re.search(r'first step plugin (\S+), mmdet (\S+) ', out)
    assert loss, out
    assert float(loss[1]) == pytest.approx(float(loss[2]), rel=1e-5)

    times = {}
    for name, label in (('plugin', 'plugin     '), ('mmdet', 'mmdet 3.3.0')):
        line = re.search(rf'^  {label}: +([\d.]+) ms   peak \+ +([\d.]+) MiB$',
                         out, re.M)
        assert line, out
        times[name] = float(line[1])
        assert float(line[2]) == PEAKS[name]
        assert times[name] > 0
    ratio = re.search(r'^  speed-up   : +([\d.]+)x', out, re.M)
    assert ratio, out
    # one step: the ratio is the ratio of the two times, up to the printed
    # rounding (times to 0.1 ms, the ratio to 0.01)
    low = (times['mmdet'] - 0.05) / (times['plugin'] + 0.05) - 0.005
    high = (times['mmdet'] + 0.05) / (times['plugin'] - 0.05) + 0.005
    assert low <= float(ratio[1]) <= high, out


def test_reports_a_failing_model_and_times_the_other(bench, capsys,
                                                     single_thread):
    # mmdet's AutoAssignHead fails under autocast (an index_put of float32
    # into a bfloat16 tensor); plugin's runs
    bench.main([CONFIG, '--batch', '1', '--size', '64', '--gts', '2',
                '--steps', '1', '--warmup', '0', '--amp'])
    out = capsys.readouterr().out

    assert ', cpu, 1 threads, AMP bfloat16 (torch.autocast' in out
    assert re.search(r'first step plugin \d+\.\d{6}, mmdet - ', out), out
    assert re.search(r'^  mmdet 3\.3\.0: failed at step 0: RuntimeError: '
                     r'Index put requires the source and destination dtypes '
                     r'match', out, re.M), out
    assert re.search(r'^  plugin     : +[\d.]+ ms   peak \+ +11\.0 MiB$',
                     out, re.M), out
    assert re.search(r'^  speed-up   : +n/a$', out, re.M), out
