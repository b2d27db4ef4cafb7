#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the test suite, then the
# io, data and models suites under AddressSanitizer + UBSan (scripts/test_sanitizers.sh).
# Usage: scripts/test.sh [ctest args...]   e.g. scripts/test.sh -L unit
#
# Every test has one tier label, unit, integration or slow (docs/building.md, "Test labels"):
# `-L unit` is the quick selection. With ctest arguments (a selection) the sanitizer stage, which
# builds build-asan and runs three whole suites again, is left out unless SFAR_SANITIZER_STAGE=1;
# without arguments (CI's command) it always runs.
#
# The default suite needs nothing outside the repository: its references are data/ in the
# repository, CLIP's vocabulary and reference features from open_clip in the project's Python
# environment, and clips that ffmpeg encodes at test time. The `extra` suite (real videos,
# published descriptions, OpenAI's own CLIP golden) runs too when $SFAR_DATA_DIR names an
# existing folder (CI sets it where that folder exists), and is left out otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh test
scripts/build.sh build -DSFAR_BUILD_TESTS=ON  # on again where the quick start built without it
EXTRA=(-LE extra)
if [ -n "${SFAR_DATA_DIR:-}" ] && [ -d "$SFAR_DATA_DIR" ]; then
  export SFAR_DATA_DIR
  EXTRA=()
  echo "test.sh: with the extra suite (SFAR_DATA_DIR=$SFAR_DATA_DIR)" >&2
else
  echo "test.sh: default suite only (no SFAR_DATA_DIR folder; the extra suite is left out)" >&2
fi
cd build
ctest --output-on-failure --timeout 900 -j "${SFAR_TEST_JOBS:-$(nproc)}" "${EXTRA[@]}" "$@"
cd ..
if [ $# -eq 0 ] || [ "${SFAR_SANITIZER_STAGE:-0}" = 1 ]; then
  scripts/test_sanitizers.sh "${EXTRA[@]}" "$@"  # io, data, models again under ASan + UBSan
else
  echo "test.sh: a selection; the sanitizer stage is left out (SFAR_SANITIZER_STAGE=1 runs it too)" >&2
fi
