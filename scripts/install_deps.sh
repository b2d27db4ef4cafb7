#!/usr/bin/env bash
# Installs the Debian packages sfar needs to build, test and run. Idempotent and
# non-interactive: packages already present are left alone, so a second run does nothing.
# Works as root (as on a fresh machine or in CI) or through sudo.
# LibTorch is not among them: it comes from the pinned PyTorch wheel in the project's Python
# environment (scripts/python_env.sh, which scripts/build.sh runs).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  python3 python3-venv          # the project's Python environment: the PyTorch wheel's LibTorch
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev ffmpeg
  libopencv-dev
  libyaml-cpp-dev libspdlog-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev
  libsentencepiece-dev
  libutf8proc-dev               # Unicode character classes for CLIP's tokenizer
  libcurl4-openssl-dev libssl-dev zlib1g-dev
  libcpp-httplib-dev            # local OpenAI-compatible server in the LLM client tests
  libprotobuf-dev protobuf-compiler  # TensorBoard event files (the libprotobuf LibTorch links)
  libgloo-dev                   # gloo headers for c10d's Gloo process group (the wheel ships none;
                                # its libtorch_cpu holds gloo's code, and sfar passes gloo types
                                # only by pointer, so these older headers serve)
  gnuplot-nox                   # PNG training curves at the end of a run
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} packages present"
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
