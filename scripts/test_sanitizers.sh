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
# of cores), SFAR_TEST_JOBS (ctest jobs), SFAR_DATA_DIR (default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${SFAR_ASAN_BUILD_DIR:-build-asan}
JOBS=${SFAR_JOBS:-$(nproc)}
MODULES="io;data;models"
TARGETS=(sfar_io_tests sfar_data_tests sfar_data_list_tests sfar_models_tests)

# detect_leaks=0: LibTorch and OpenCV keep process-lifetime allocations (operator registries,
#   thread pools) that LeakSanitizer would report at every exit; leaks are not what this stage
#   checks (the loader soak test watches memory and descriptors instead).
# halt_on_error / -fno-sanitize-recover=all (CMakeLists.txt): the first error aborts the test.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
LAUNCHER=()
if command -v ccache >/dev/null; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
  export CCACHE_BASEDIR="$PWD"
fi
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" "${GENERATOR[@]}" "${LAUNCHER[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DSFAR_SANITIZE=address,undefined -DSFAR_TEST_MODULES="$MODULES" >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${TARGETS[@]}"

export SFAR_DATA_DIR=${SFAR_DATA_DIR:-$(cd .. && pwd)/shared/data}
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 900 -j "${SFAR_TEST_JOBS:-$(nproc)}" "$@"
