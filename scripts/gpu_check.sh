#!/usr/bin/env bash
# The GPU check, for a machine with one NVIDIA GPU and PyTorch 2.11 (CUDA 13) but none of sfar's
# other dependencies. It runs a build made elsewhere against the same LibTorch, packed by
# scripts/gpu_check_pack.sh into .gpu-check/, and reports:
#   1. sfar env (LibTorch, CUDA, cuDNN, NCCL, the device);
#   2. the CUDA tests (fp32 CLIP on the GPU against the CPU, bf16/fp16 autocast, the fp16 scaler);
#   3. the CLIP reference check on the GPU (open_clip's features of the tiny reference model, in
#      OpenAI's release layout): fp32 within 1e-4, and bf16 autocast's difference;
#   4. a one-GPU NCCL process group: every collective and the gradient reducer;
#   5. a bf16 training step on ViT-B/16 against the same step in PyTorch: steps/s, peak memory
#      and the share of the measured bf16 matmul peak (scripts/bench_train.sh), with fused
#      attention (flash or memory-efficient kernels) and then written out (matmul + softmax);
#   6. the SFAR head's share of a bf16 ViT-B/16 step at 400 classes (K400's).
# Meant to finish within 9 minutes. Usage (from the repository root, .gpu-check/ carried):
#   scripts/gpu_check.sh            # PYTHON (default python3) is the interpreter holding torch
set -uo pipefail
cd "$(dirname "$0")/.."
PACK=$PWD/.gpu-check
PYTHON=${PYTHON:-python3}
[[ -x $PACK/bin/sfar ]] || { echo "gpu_check: no $PACK/bin/sfar: run scripts/gpu_check_pack.sh where sfar was built" >&2; exit 1; }

# LibTorch's and CUDA's libraries come from this machine's PyTorch: torch/lib and every nvidia-*
# wheel's lib folder, after the packed ones.
site=$("$PYTHON" -c 'import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))') ||
  { echo "gpu_check: $PYTHON cannot import torch" >&2; exit 1; }
libs=$PACK/lib:$site/torch/lib
for dir in "$site"/nvidia/*/lib "$site"/nvidia/cu*/lib; do [[ -d $dir ]] && libs+=:$dir; done
export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export SFAR_REFERENCE_DIR=$PACK/references
status=0
section() { echo; echo "== [$SECONDS s] $*"; }
check() { "$@" || { echo "gpu_check: FAILED: $*"; status=1; }; }

section "1/6 sfar env"
check "$PACK/bin/sfar" env
section "2/6 CUDA tests"
check "$PACK/bin/sfar_cuda_tests"
section "3/6 CLIP reference on the GPU (fp32 within 1e-4; bf16 difference reported)"
check "$PACK/bin/sfar_models_tests" --gtest_filter='ClipReferenceCuda.*'
section "4/6 one-GPU NCCL group"
check "$PACK/bin/sfar_distributed_tests" --gtest_filter='*ForcedGroupOfOne*'
section "5/6 bf16 training step, ViT-B/16, sfar against PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)')"
for attention in fused math; do
  echo "-- attention: $attention"
  check env SFAR="$PACK/bin/sfar" PYTHON="$PYTHON" DEVICE=cuda PRECISION=bf16 MATMUL_SIZE=8192 BATCH=32 \
    SIZES=vitb16 ROUNDS=${ROUNDS:-2} STEPS=${STEPS:-10} THREADS=${THREADS:-8} ATTENTION=$attention scripts/bench_train.sh
done
section "6/6 SFAR head at 400 classes: its share of a bf16 ViT-B/16 step"
check "$PACK/bin/sfar" bench train --config configs/k400/sfar_vit_b16.yaml --set run.device=cuda \
  --set train.precision=bf16 --classes 400 --batch 32 --steps ${STEPS:-10} --warmup 2 --matmul-size 8192
echo
echo "gpu_check: $([ $status = 0 ] && echo passed || echo FAILED) in $SECONDS s"
exit $status
