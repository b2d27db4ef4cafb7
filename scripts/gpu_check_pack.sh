#!/usr/bin/env bash
# Packs what scripts/gpu_check.sh needs on a GPU machine that has PyTorch (LibTorch, the CUDA
# wheels), CMake, ninja and nvcc but none of sfar's Debian libraries and no network, into
# .gpu-check/pack.tar.xz (ignored by git; the device call carries it beside the repository tree,
# 56 MiB in all; scripts/gpu_pack_env.sh unpacks it there with Python). scripts/gpu_pack_check.sh
# proves here that the pack needs nothing else (CTest sfar_gpu_pack runs both).
#
# What it packs, all from the main build tree, no second build (docs/gpu.md), xz-compressed:
#   bin/sfar                 build/sfar_gpu: the objects of `sfar`, linked without FFmpeg and
#                            OpenCV's image codecs (SFAR_NO_MEDIA, io/media_libraries.h);
#   bin/sfar_cuda_tests      the CUDA tests and the CLIP reference on the GPU (images from
#                            images.safetensors), linked the same way;
#   bin/sfar_distributed_tests  the NCCL group of one, likewise;
#   lib/                     every library they load that is not glibc's, libstdc++, libgcc_s,
#                            LibTorch's or the CUDA wheels' (yaml-cpp, spdlog, protobuf, curl and
#                            its TLS, sentencepiece, OpenCV core and imgproc, ...), stripped;
#   references/clip/vit_tiny the tiny CLIP reference (weights, golden.json, images.safetensors)
#                            and CLIP's vocabulary;
#   run/                     the real run's tensor clips (scripts/gpu_run_data.py).
# Why this way: the old pack (a second build without video, ~250 MB) carried OpenCV's imgcodecs
# closure (GDAL, Poppler, HDF5, ...), and FFmpeg's is as large; neither compresses below 56 MiB.
# Linking the same objects against a variant of sfar::io's decoding functions that throws keeps
# both out, costs CI two links instead of a second tree, and the GPU binaries train on tensor
# clips through the same loader. What remains (~40 MB of libraries, mostly curl's TLS and OpenCV
# core's LAPACK and X11, and the binaries) fits only compressed: xz takes it to about a third.
# Usage: scripts/gpu_check_pack.sh [build-dir [out-dir]]   defaults: build, .gpu-check
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=${2:-.gpu-check}
REFS=${SFAR_REFERENCES:-$BUILD/test_references}
PYTHON=${PYTHON:-.venv/bin/python}
LIMIT_MIB=56
[[ -f $REFS/clip/vit_tiny/images.safetensors ]] ||
  { echo "gpu_check_pack: no $REFS/clip/vit_tiny/images.safetensors: run the test suite once (cd $BUILD && ctest -R sfar_make_references)" >&2; exit 1; }
declare -A BINARIES=([sfar]=$BUILD/sfar_gpu [sfar_cuda_tests]=$BUILD/tests/cuda/sfar_cuda_tests
                     [sfar_distributed_tests]=$BUILD/tests/engine/sfar_distributed_tests)
for name in "${!BINARIES[@]}"; do
  [[ -x ${BINARIES[$name]} ]] ||
    { echo "gpu_check_pack: ${BINARIES[$name]} is missing: build it (cmake --build $BUILD --target $(basename "${BINARIES[$name]}"))" >&2; exit 1; }
done

STAGE=$OUT/stage
rm -rf "$OUT"
mkdir -p "$STAGE/bin" "$STAGE/lib" "$STAGE/references/clip/vit_tiny"
for name in "${!BINARIES[@]}"; do strip --strip-unneeded -o "$STAGE/bin/$name" "${BINARIES[$name]}"; done
# The libraries the GPU machine lacks: what ldd resolves, less glibc's, libstdc++, libgcc_s,
# LibTorch's (torch/lib) and CUDA's (the nvidia-* wheels), which its PyTorch provides.
ldd "${BINARIES[@]}" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
  grep -Ev '/(libc|libm|libdl|librt|libpthread|libutil|libresolv|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so|/torch/lib/|/nvidia/' |
  while read -r lib; do cp -L "$lib" "$STAGE/lib/"; done
strip --strip-unneeded "$STAGE"/lib/*.so* 2>/dev/null || true
for file in openai_torchscript.pt golden.json images.safetensors; do
  cp "$REFS/clip/vit_tiny/$file" "$STAGE/references/clip/vit_tiny/"
done
cp "$REFS/clip/bpe_simple_vocab_16e6.txt.gz" "$STAGE/references/clip/"
"$PYTHON" scripts/gpu_run_data.py "$STAGE/run" --clips-per-class 7

XZ_OPT="-6 -T${SFAR_JOBS:-2}" tar -C "$STAGE" -cJf "$OUT/pack.tar.xz" .
unpacked=$(du -sb "$STAGE" | cut -f1)
rm -rf "$STAGE"

pack=$(stat -c %s "$OUT/pack.tar.xz")
tree=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -n 1 | cut -f1)
total_mib=$(( (pack + tree + 1048575) / 1048576 ))
echo "gpu_check_pack: $OUT/pack.tar.xz $((pack / 1048576)) MiB ($((unpacked / 1048576)) MiB unpacked) + tree $((tree / 1048576)) MiB = ${total_mib} MiB of ${LIMIT_MIB}"
(( total_mib <= LIMIT_MIB )) || { echo "gpu_check_pack: the pack and the tree exceed ${LIMIT_MIB} MiB" >&2; exit 1; }
