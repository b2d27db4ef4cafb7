#!/usr/bin/env bash
# Packs what scripts/gpu_check.sh needs on a GPU machine that has PyTorch but none of sfar's
# Debian libraries: the sfar binary and the CUDA-relevant test executables built here against
# the pinned wheel's LibTorch, the shared libraries they load that are not LibTorch's, CUDA's
# or glibc's (yaml-cpp, spdlog, protobuf, curl, ...), and the tiny CLIP reference the tests
# generate (build/test_references/clip/vit_tiny, OpenAI's release layout). The binaries come
# from a build without video I/O, which leaves FFmpeg's codecs out. Measured 2026-12-05: the pack
# is still ~250 MB, mostly OpenCV's imgcodecs closure (GDAL, ...), which sfar and the models
# tests link for image files even without video; a device call carries 64 MiB, so that link has
# to go (or be made static) before the pack fits.
# Usage: scripts/gpu_check_pack.sh [build-dir]   -> .gpu-check/ (ignored by git; carry it)
#   build-dir defaults to build-gpu, configured and built here when missing
#   (scripts/build.sh build-gpu -DSFAR_WITH_VIDEO=OFF).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-gpu}
OUT=.gpu-check
REFS=${SFAR_REFERENCES:-build/test_references}
if [ "$BUILD" = build-gpu ] && [ ! -x build-gpu/sfar ]; then
  scripts/build.sh build-gpu -DSFAR_WITH_VIDEO=OFF
fi
[[ -f $REFS/clip/vit_tiny/golden.json ]] ||
  { echo "gpu_check_pack: no $REFS/clip/vit_tiny: run the test suite once (its fixture writes them)" >&2; exit 1; }
BINARIES=("$BUILD/sfar" "$BUILD/tests/cuda/sfar_cuda_tests" "$BUILD/tests/models/sfar_models_tests"
          "$BUILD/tests/engine/sfar_distributed_tests")
for binary in "${BINARIES[@]}"; do
  [[ -x $binary ]] || { echo "gpu_check_pack: $binary is missing: build first (scripts/build.sh $BUILD)" >&2; exit 1; }
done

rm -rf "$OUT"
mkdir -p "$OUT/bin" "$OUT/lib" "$OUT/references/clip"
for binary in "${BINARIES[@]}"; do
  strip --strip-unneeded -o "$OUT/bin/$(basename "$binary")" "$binary"
done
# The libraries the GPU machine lacks: everything ldd resolves except glibc's own, LibTorch's
# (torch/lib) and CUDA's (the nvidia-* wheels, the CUDA toolkit), which its PyTorch provides.
ldd "${BINARIES[@]}" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
  grep -Ev '/(libc|libm|libdl|librt|libpthread|ld-linux[^/]*)\.so|/torch/lib/|/nvidia/|/usr/local/cuda' |
  while read -r lib; do cp -L "$lib" "$OUT/lib/"; done
strip --strip-unneeded "$OUT"/lib/*.so* 2>/dev/null || true
mkdir -p "$OUT/references/clip/vit_tiny"
for file in openai_torchscript.pt golden.json image_0.png image_1.png image_2.png; do
  cp "$REFS/clip/vit_tiny/$file" "$OUT/references/clip/vit_tiny/"
done
echo "gpu_check_pack: $(du -sh "$OUT" | cut -f1) in $OUT ($(ls "$OUT/lib" | wc -l) libraries)"
