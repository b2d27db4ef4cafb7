#!/usr/bin/env bash
# The quick start: installs what is missing, builds, and runs a self-check of sfar on built-in
# defaults. Needs no shared data and downloads nothing besides Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
scripts/build.sh build
SFAR=build/sfar

echo "== sfar $($SFAR --version | awk '{print $2}'): configuration"
$SFAR config print --config configs/clip_vit_b16.yaml --set run.threads=0

echo "== architecture of OpenAI's CLIP ViT-B/16 (parameter count must be 149,620,737)"
$SFAR info --arch ViT-B/16

echo "== timed forward pass of a randomly initialised ViT-B/16"
$SFAR bench forward --arch ViT-B/16 --batch 1 --iters 3

echo "== quick start done"
