#!/usr/bin/env bash
# Set up .venv (first run only) and run the test suite on the CPU.
# Extra arguments go to pytest (e.g. -k autoassign, -x).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/setup_env.sh
exec .venv/bin/python -m pytest tests "$@"
