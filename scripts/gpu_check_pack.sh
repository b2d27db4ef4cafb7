#!/usr/bin/env bash
# Packs what scripts/gpu_check.sh needs on a GPU machine that has PyTorch but none of sfar's
# Debian libraries: the sfar binary and the CUDA-relevant test executables built here against
# the pinned wheel's LibTorch, the shared libraries they load that are not LibTorch's, CUDA's
# or glibc's (yaml-cpp, spdlog, FFmpeg, OpenCV, ...), and the golden CLIP reference files.
# Usage: scripts/gpu_check_pack.sh [build-dir]   -> .gpu-check/ (ignored by git; carry it)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=.gpu-check
DATA=${SFAR_DATA_DIR:-$(cd .. && pwd)/shared/data}
BINARIES=("$BUILD/sfar" "$BUILD/tests/cuda/sfar_cuda_tests" "$BUILD/tests/models/sfar_models_tests"
          "$BUILD/tests/train/sfar_distributed_tests")
for binary in "${BINARIES[@]}"; do
  [[ -x $binary ]] || { echo "gpu_check_pack: $binary is missing: build first (scripts/build.sh $BUILD)" >&2; exit 1; }
done

rm -rf "$OUT"
mkdir -p "$OUT/bin" "$OUT/lib" "$OUT/data/golden/clip_public"
for binary in "${BINARIES[@]}"; do
  strip --strip-unneeded -o "$OUT/bin/$(basename "$binary")" "$binary"
done
# The libraries the GPU machine lacks: everything ldd resolves except glibc's own, LibTorch's
# (torch/lib) and CUDA's (the nvidia-* wheels, the CUDA toolkit), which its PyTorch provides.
ldd "${BINARIES[@]}" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
  grep -Ev '/(libc|libm|libdl|librt|libpthread|ld-linux[^/]*)\.so|/torch/lib/|/nvidia/|/usr/local/cuda' |
  while read -r lib; do cp -L "$lib" "$OUT/lib/"; done
strip --strip-unneeded "$OUT"/lib/*.so* 2>/dev/null || true
for file in clip_random.pt clip_golden.json image_0.png image_1.png image_2.png; do
  cp "$DATA/golden/clip_public/$file" "$OUT/data/golden/clip_public/"
done
echo "gpu_check_pack: $(du -sh "$OUT" | cut -f1) in $OUT ($(ls "$OUT/lib" | wc -l) libraries)"
