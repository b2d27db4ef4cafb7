#!/usr/bin/env bash
# Configures and builds sfar. Usage: scripts/build.sh [build-dir] [extra cmake args...]
# Environment: SFAR_JOBS (default: number of cores), SFAR_BUILD_TYPE (default Release).
# LibTorch is the one inside the project's Python environment (scripts/python_env.sh makes it:
# the pinned PyTorch wheel); pass -DCMAKE_PREFIX_PATH=... to build against another LibTorch.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${1:-build}
shift || true
JOBS=${SFAR_JOBS:-$(nproc)}
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
LAUNCHER=()
if command -v ccache >/dev/null; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # The LibTorch precompiled header is only cacheable with these relaxations.
  export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
  export CCACHE_BASEDIR="$PWD"
fi

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  # The venv's python also serves the tests (SFAR_PYTHON): open_clip's vocabulary and reference
  # features, and the Python interop tests in tests/python.
  PY=$(scripts/python_env.sh)
  TORCH=()
  if [[ " $* " != *" -DCMAKE_PREFIX_PATH="* ]]; then
    TORCH=(-DCMAKE_PREFIX_PATH="$("$PY" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')")
  fi
  cmake -S . -B "$BUILD_DIR" "${GENERATOR[@]}" "${LAUNCHER[@]}" "${TORCH[@]}" \
    -DSFAR_PYTHON="$PY" \
    -DCMAKE_BUILD_TYPE="${SFAR_BUILD_TYPE:-Release}" "$@"
elif [ $# -gt 0 ]; then
  cmake "$BUILD_DIR" "$@"
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
