#!/usr/bin/env bash
# Create (or reuse) .venv/ at the repository root with the toolchain this project
# is tested on, and install `plugin` into it in editable mode.
#
# Idempotent: a stamp file records what was installed; a second run with the
# same requirements returns in about a second. Delete .venv/ to start over.
#
# Pins (see docs/setup.md for why each one is there):
#   torch 2.13.0      a CPU wheel is on disk here; on a machine where the system
#                     python already has a CUDA torch, that one is reused
#                     (the venv then sees system site-packages).
#   setuptools < 70   mmcv 2.1.0's setup.py imports pkg_resources, and plugin's
#                     setup.py needs the legacy `develop` path (setuptools >= 80
#                     turns `develop` into a PEP 660 editable wheel, which
#                     breaks `mim train plugin`).
#   mmcv 2.1.0        built from source with its C++ ops (~13 min on 2 cores the
#                     first time; pip caches the wheel). mmdet 3.3.0 refuses
#                     mmcv >= 2.2 and mmcv-lite lacks mmcv._ext.
#   openmim           installed without its dependency opendatalab, whose
#                     dependency openxlab pins setuptools and requests down.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

REQS="torch==2.13.0 setuptools<70 mmcv==2.1.0 mmengine==0.10.7 mmdet==3.3.0 pycocotools openmim==0.3.9 pytest"
STAMP_KEY="$(printf '%s' "$REQS" | cat - "$ROOT/setup.py" "$0" | sha1sum | cut -c1-12)"
STAMP="$VENV/.plugin-setup-$STAMP_KEY"

if [ -f "$STAMP" ]; then
    exit 0
fi

log() { printf '[setup_env] %s\n' "$*" >&2; }

# Reuse a CUDA-enabled system torch where there is one (GPU machines).
VENV_FLAGS=""
if "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    log "system python has a CUDA torch: the venv will use it"
    VENV_FLAGS="--system-site-packages"
fi

if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    "$PY" -m venv $VENV_FLAGS "$VENV"
fi
VPY="$VENV/bin/python"
pip_install() { "$VPY" -m pip install --disable-pip-version-check "$@"; }

if ! "$VPY" -c "import torch" 2>/dev/null; then
    log "installing torch 2.13.0"
    pip_install torch==2.13.0
fi

log "installing build tools"
pip_install "setuptools<70" wheel "numpy<2.5" ninja

if ! "$VPY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '2.1.0'" 2>/dev/null; then
    log "installing mmcv 2.1.0 with its ops (about 13 min the first time on 2 cores)"
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-2}" pip_install --no-build-isolation mmcv==2.1.0
fi

log "installing mmengine, mmdet, pycocotools, pytest"
pip_install "mmengine==0.10.7" "mmdet==3.3.0" pycocotools pytest "setuptools<70"

log "installing openmim (without opendatalab)"
pip_install --no-deps "openmim==0.3.9"
pip_install Click colorama model-index pandas "pip>=19.3" requests rich tabulate

log "installing plugin (editable)"
(cd "$ROOT" && pip_install --no-build-isolation --no-deps -e .)

"$VPY" - <<'PY'
import mmcv.ops, mmdet.models, plugin  # noqa: F401  (fail loudly if the stack is broken)
from mmcv.ops import batched_nms  # noqa: F401
PY

rm -f "$VENV"/.plugin-setup-*
touch "$STAMP"
log "done: $VENV"
