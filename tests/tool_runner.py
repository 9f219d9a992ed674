"""Run the repository's tools in subprocesses, for the end-to-end tests."""
import os
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
BIN = osp.dirname(sys.executable)


def run(args, cwd=ROOT, timeout=600):
    """Run ``args``; return stdout + stderr, asserting exit status 0 (the
    output's tail is the assertion message)."""
    proc = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env=dict(os.environ, PYTHONUNBUFFERED='1'))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out
