"""tools/make_shapes_tracking.py: generates once, then reports, --force
regenerates."""
import importlib.util
import json
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'tools', 'make_shapes_tracking.py')


def _load_tool():
    spec = importlib.util.spec_from_file_location('make_shapes_tracking',
                                                  SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(tool, monkeypatch, *args):
    monkeypatch.setattr(sys, 'argv', ['make_shapes_tracking.py', *args])
    tool.main()


def test_cli(tmp_path, monkeypatch, capsys):
    tool = _load_tool()
    out = str(tmp_path / 'track')
    args = ('--out', out, '--num-sequences', '2', '--num-frames', '3',
            '--width', '64', '--height', '80', '--seed', '5')
    _run(tool, monkeypatch, *args)
    summary = json.loads(capsys.readouterr().out)
    assert summary['sequences'] == 2 and summary['frames'] == 6
    with open(osp.join(out, 'annotations.json'), encoding='utf-8') as f:
        data = json.load(f)
    assert data['meta']['seed'] == 5
    assert data['sequences'][0]['img_shape'] == [80, 64]
    stamp = os.stat(osp.join(out, 'annotations.json')).st_mtime_ns

    _run(tool, monkeypatch, *args)
    assert capsys.readouterr().out == (
        f'{out} already exists (annotations.json found); use --force to '
        f'regenerate. Contents: 2 sequences, 6 frames\n')
    assert os.stat(osp.join(out, 'annotations.json')).st_mtime_ns == stamp

    _run(tool, monkeypatch, *args[:4], '--num-frames', '4', '--force')
    assert json.loads(capsys.readouterr().out)['frames'] == 8
