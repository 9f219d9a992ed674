"""bench/bench_dispatch.py, run in-process at a small size (batch 1 x 2 gts,
128x128, 3 classes): one table row per head, and plugin's one sync per
batch (the gt check) named."""
import importlib
import os.path as osp
import re

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CHECK = ('aten::_local_scalar_dense at plugin.models.utils.batch_gt:'
         'check_batch_gt')


@pytest.fixture
def bench(monkeypatch):
    """The script as a module (it imports benchlib and the other bench
    scripts from bench/)."""
    monkeypatch.syspath_prepend(osp.join(ROOT, 'bench'))
    return importlib.import_module('bench_dispatch')


def test_prints_one_row_per_head_and_plugins_syncs(bench, capsys):
    # 128 px: AutoAssign's stride-128 level keeps one cell
    bench.main(['--batch', '1', '--gts', '2', '--size', '128',
                '--classes', '3'])
    out = capsys.readouterr().out
    assert 'batch 1 x 2 gts, 128x128, 3 classes (RPN: 1), cpu' in out
    rows = re.findall(r'^(\w+) +\| +(\d+) \| +(\d+) \| +(\d+) \| +(\d+) \| '
                      r'+([\d.]+)x$', out, re.M)
    assert [r[0] for r in rows] == ['AutoAssign', 'CenterNet', 'RPN'], out
    for title, mm_ops, _, ops, syncs, ratio in rows:
        assert int(syncs) == 1, out
        assert float(ratio) == pytest.approx(int(mm_ops) / int(ops),
                                             abs=0.05)
        assert f'  {title}: 1x {CHECK} ' in out


def test_heads_option_selects(bench, capsys):
    bench.main(['--batch', '1', '--gts', '2', '--size', '128',
                '--classes', '3', '--heads', 'rpn'])
    out = capsys.readouterr().out
    assert re.findall(r'^(\w+) +\|', out, re.M) == ['head', 'RPN'], out
