#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the whole test suite, then the
# io, data and models suites under AddressSanitizer + UBSan (scripts/test_sanitizers.sh).
# Usage: scripts/test.sh [ctest args...]   e.g. scripts/test.sh -L unit
# Shared test data is read from $SFAR_DATA_DIR (default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
scripts/build.sh build
export SFAR_DATA_DIR=${SFAR_DATA_DIR:-$(cd .. && pwd)/shared/data}
cd build
ctest --output-on-failure --timeout 900 -j "${SFAR_TEST_JOBS:-$(nproc)}" "$@"
cd .. && scripts/test_sanitizers.sh "$@"  # io, data, models again under ASan + UBSan
