#!/usr/bin/env bash
# Install OpenCV's contrib build (TrackerCSRT, TrackerKCF) into
# .venv/opencv-contrib/, outside .venv's site-packages, for the `csrt` and
# `kcf` baselines of tools/test_tracker.py
# (plugin/tracking/contrib_tracker.py).
#
# Why a separate folder: opencv-contrib-python-headless ships the same `cv2`
# package as opencv-python, which mmcv depends on; installed into the venv
# it would replace it. With `--target` it lands in a folder of its own, and
# the baselines run in a child process whose sys.path starts with that
# folder, so only that process imports the contrib cv2. `--no-deps`: its
# one dependency, numpy, is the venv's.
#
# Version: the one equal to .venv's opencv-python (5.1.0.95 when this was
# written: opencv-contrib-python-headless 5.1.0.95 is on PyPI), so both
# processes run the same OpenCV and the venv's numpy fits both; if PyPI has
# no such version, the newest.
#
# Idempotent: returns at once when the folder already holds that version
# with TrackerCSRT_create; delete .venv/opencv-contrib/ to start over.
# Needs .venv (bash tools/setup_env.sh); no activated environment needed.
#
#   bash tools/install_opencv_contrib.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
TARGET="$ROOT/.venv/opencv-contrib"
PKG=opencv-contrib-python-headless

log() { printf '[install_opencv_contrib] %s\n' "$*" >&2; }

if [ ! -x "$PY" ]; then
    log "no $PY: run bash tools/setup_env.sh first"
    exit 1
fi

# opencv-python's version in the venv, e.g. 5.1.0.95 (empty if absent)
WANT="$("$PY" -c "
from importlib.metadata import PackageNotFoundError, version
try:
    print(version('opencv-python'))
except PackageNotFoundError:
    print('')
")"

# Prints the contrib cv2's version; fails unless TARGET's cv2 is the one
# imported (TARGET first on sys.path) and has TrackerCSRT_create. Run in a
# subprocess so that nothing else has imported cv2 before.
check() {
    "$PY" -c "
import os.path as osp, sys
sys.path.insert(0, sys.argv[1])
import cv2
if not osp.realpath(cv2.__file__).startswith(osp.realpath(sys.argv[1])):
    sys.exit(f'imported {cv2.__file__}, not the one in {sys.argv[1]}')
if not hasattr(cv2, 'TrackerCSRT_create'):
    sys.exit(f'cv2 {cv2.__version__} in {sys.argv[1]} has no '
             'TrackerCSRT_create')
print(cv2.__version__)
" "$TARGET"
}

# the installed distribution's version, from its .dist-info folder name
installed() {
    local info
    info="$(ls -d "$TARGET"/opencv_contrib_python_headless-*.dist-info \
        2>/dev/null | head -n 1)"
    [ -n "$info" ] || return 0
    info="${info##*/opencv_contrib_python_headless-}"
    printf '%s\n' "${info%.dist-info}"
}

HAVE="$(installed)"
if [ -n "$HAVE" ] && { [ -z "$WANT" ] || [ "$HAVE" = "$WANT" ]; } \
        && check >/dev/null 2>&1; then
    log "$PKG $HAVE already in $TARGET"
    exit 0
fi

# --upgrade: replace what is in TARGET (pip leaves an existing target
# folder's packages alone without it)
PIP=("$PY" -m pip install --no-deps --upgrade --target "$TARGET")
if [ -n "$WANT" ] && "${PIP[@]}" "$PKG==$WANT"; then
    log "installed $PKG==$WANT (matches .venv's opencv-python)"
else
    log "no $PKG==${WANT:-?} (.venv's opencv-python: ${WANT:-none});" \
        "installing the newest"
    "${PIP[@]}" "$PKG"
fi

VERSION="$(check)"
log "OK: cv2 $VERSION with TrackerCSRT_create in $TARGET"
