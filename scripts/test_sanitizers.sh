#!/usr/bin/env bash
# The sanitizer stage of the test command: builds the io, data and models modules and their
# test suites with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan, GCC, errors
# abort) and runs those suites, the video geometry matrix included. A heap overflow or
# undefined behaviour in sfar's code fails it. LibTorch, FFmpeg and OpenCV are not
# instrumented: the sanitizers watch sfar's code around them.
#
#   scripts/test_sanitizers.sh [ctest args...]
#
# Environment: SFAR_ASAN_BUILD_DIR (default build-asan), SFAR_JOBS (build jobs, default: number
# of cores), SFAR_TEST_JOBS (ctest jobs), SFAR_DATA_DIR (for the extra suite; test.sh passes
# -LE extra without it). The build goes
# through scripts/build.sh (ccache, Ninja); ASAN_OPTIONS and UBSAN_OPTIONS are set before it,
# since ctest's test discovery runs the instrumented executables at build time.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${SFAR_ASAN_BUILD_DIR:-build-asan}
MODULES="io;data;models"

# detect_leaks=0: LibTorch and OpenCV keep process-lifetime allocations (operator registries,
#   thread pools) that LeakSanitizer would report at every exit; leaks are not what this stage
#   checks (the loader soak test watches memory and descriptors instead).
# halt_on_error / -fno-sanitize-recover=all (CMakeLists.txt): the first error aborts the test.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Only the modules under test and those they link (core; describe, whose content hashes
# `data prepare` records) are built: build.sh builds `all`.
SFAR_BUILD_TYPE=Release scripts/build.sh "$BUILD_DIR" -DSFAR_SANITIZE=address,undefined \
  -DSFAR_MODULES="core;describe;$MODULES" -DSFAR_TEST_MODULES="$MODULES"

cd "$BUILD_DIR"
ctest --output-on-failure --timeout 900 -j "${SFAR_TEST_JOBS:-$(nproc)}" "$@"
