#!/usr/bin/env bash
# Installs the Debian packages sfar needs to build, test and run. Idempotent and
# non-interactive: packages already present are left alone, so a second run does nothing.
# Works as root (as on a fresh machine or in CI) or through sudo.
# LibTorch is not among them: it comes from the pinned PyTorch wheel in the project's Python
# environment (scripts/python_env.sh, which scripts/build.sh runs).
set -euo pipefail

# Usage: scripts/install_deps.sh [build|test]
#   build: what building sfar and running it (the quick start) needs;
#   test (the default): that, plus what the test suite alone uses.
PROFILE=${1:-test}
case "$PROFILE" in
  build|test) ;;
  *) echo "install_deps: unknown profile '$PROFILE' (build or test)" >&2; exit 2 ;;
esac

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  python3 python3-venv          # the project's Python environment: the PyTorch wheel's LibTorch
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
  # OpenCV's three modules sfar uses, not libopencv-dev: that one pulls every module and VTK in
  # (about 250 more packages); cmake/SfarOpenCV.cmake finds these without its package file.
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libyaml-cpp-dev libspdlog-dev libcli11-dev nlohmann-json3-dev
  libsentencepiece-dev
  libutf8proc-dev               # Unicode character classes for CLIP's tokenizer
  libcurl4-openssl-dev libssl-dev zlib1g-dev
  libprotobuf-dev protobuf-compiler  # TensorBoard event files (the libprotobuf LibTorch links)
  libgloo-dev                   # gloo headers for c10d's Gloo process group (the wheel ships none;
                                # its libtorch_cpu holds gloo's code, and sfar passes gloo types
                                # only by pointer, so these older headers serve)
  gnuplot-nox                   # PNG training curves at the end of a run
)
if [ "$PROFILE" = test ]; then
  PACKAGES+=(
    libgtest-dev libgmock-dev
    ffmpeg                      # the tests encode their clips with the ffmpeg tool
    libcpp-httplib-dev          # local OpenAI-compatible server in the LLM client tests
  )
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} packages of the $PROFILE profile present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install_deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
