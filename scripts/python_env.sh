#!/usr/bin/env bash
# Creates (or reuses) the project's Python environment and prints its python's path.
# It holds the pinned PyTorch wheel whose LibTorch sfar builds against, and the Python packages
# the tests and benchmarks compare with (python/requirements.txt, the one place versions are pinned).
# Environment: SFAR_VENV (default .venv in the repository), SFAR_PYTHON (the interpreter that
# creates it, default python3).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${SFAR_VENV:-$PWD/.venv}
REQ=python/requirements.txt
STAMP=$VENV/.sfar-requirements

if [ ! -x "$VENV/bin/python" ]; then
  echo "python_env: creating $VENV" >&2
  "${SFAR_PYTHON:-python3}" -m venv "$VENV"
fi
# Install only when the requirements changed since the last install (a stamp holds a copy).
if ! cmp -s "$REQ" "$STAMP"; then
  echo "python_env: installing $REQ into $VENV (PyTorch with CUDA: about 4.5 GB the first time)" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" >&2
  cp "$REQ" "$STAMP"
fi
echo "$VENV/bin/python"
